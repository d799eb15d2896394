/**
 * How the client behaves when things go wrong: validation before any request,
 * server errors as typed errors with the product's text and advice, response
 * signatures, bounded retries and polling. Real schedules fire (`it.live`),
 * made short.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { BaseUrl, SmartSelfie } from "@selfie-auth/adapter-http"
import { Clock, Effect, Either, Fiber, Option, Schedule, TestClock } from "effect"
import { HttpResponse } from "msw"
import { layerNode } from "../src/node.js"
import { apiKey, baseUrl, completeResult, jpeg, makeFakeApi, OfficialSignature, partnerId, signedStatus } from "./support.js"

const api = makeFakeApi()
beforeAll(() => api.server.listen({ onUnhandledRequest: "error" }))
afterEach(() => api.reset())
afterAll(() => api.server.close())

const fastPoll = {
  schedule: Schedule.spaced("10 millis"),
  timeout: "2 seconds",
  errorRetry: Schedule.spaced("5 millis").pipe(Schedule.intersect(Schedule.recurs(2)))
} as const

const withClient = <A, E>(
  use: (client: SmartSelfie.SmartSelfieService) => Effect.Effect<A, E>,
  config: Partial<SmartSelfie.ClientConfig> = {}
) =>
  Effect.flatMap(SmartSelfie.SmartSelfie, use).pipe(
    Effect.provide(
      layerNode({
        partnerId,
        apiKey,
        baseUrl,
        poll: fastPoll,
        uploadRetry: Schedule.spaced("5 millis").pipe(Schedule.intersect(Schedule.recurs(2))),
        ...config
      })
    )
  )

const job = { userId: "user-1", jobId: "job-1", selfie: jpeg(1_000, 1), livenessFrames: [jpeg(900, 2)] }

describe("validation before any request", () => {
  const refused = (jobType: unknown, input: unknown) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(withClient((client) => client.submitJob(jobType, input as never)))
      assert.strictEqual(api.recorded.length, 0, "no request may be sent for an invalid job")
      return error
    })

  it.live("no selfie", () =>
    Effect.gen(function*() {
      const error = yield* refused(4, { ...job, selfie: undefined })
      assert.strictEqual(error._tag, "InvalidJobRequest")
      assert.include(error.message, "selfie: no selfie was given")
    }))

  it.live("two selfies", () =>
    Effect.gen(function*() {
      const error = yield* refused(4, { ...job, selfie: [jpeg(100, 1), jpeg(100, 2)] })
      assert.include(error.message, "2 selfies were given; send exactly one selfie")
    }))

  it.live("a wrong job type says which to use", () =>
    Effect.gen(function*() {
      const error = yield* refused(1, job)
      assert.include(error.message, "jobType: job type 1 is not a SmartSelfie job; use 4 to register")
    }))

  it.live("an unreadable file names the file and the reason", () =>
    Effect.gen(function*() {
      const missing = path.join(os.tmpdir(), "selfie-auth-does-not-exist.jpg")
      const error = yield* refused(2, { ...job, selfie: { path: missing } })
      assert.strictEqual(error._tag, "UnreadableImage")
      assert.include(error.message, missing)
      assert.include(error.message, "no such file")
    }))

  it.live("a file that is not a JPEG or PNG", () =>
    Effect.gen(function*() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-")), "notes.jpg")
      fs.writeFileSync(file, "just some text")
      const error = yield* refused(4, { ...job, livenessFrames: [jpeg(100, 3), { path: file }] })
      assert.strictEqual(error._tag, "UnreadableImage")
      assert.include(error.message, "livenessFrames[1]")
      assert.include(error.message, "is not a JPEG or PNG image (it starts with 6a 75 73 74)")
    }))

  it.live("an extra partner param that is not a string, or reserved", () =>
    Effect.gen(function*() {
      const numeric = yield* refused(4, { ...job, extraPartnerParams: { branch: 7 } })
      assert.include(numeric.message, "extraPartnerParams.branch: must be a string")
      assert.include(numeric.message, "send \"7\"")
      const reserved = yield* refused(4, { ...job, extraPartnerParams: { job_type: "2" } })
      assert.include(reserved.message, "extraPartnerParams.job_type")
    }))

  it.live("images as a file path, bytes and base64 all zip to the same bytes", () =>
    Effect.gen(function*() {
      const selfie = jpeg(1_500, 9)
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-")), "me.jpg")
      fs.writeFileSync(file, selfie)
      const zips: Array<Uint8Array> = []
      for (const [index, input] of [{ path: file }, selfie, { base64: `data:image/jpeg;base64,${Buffer.from(selfie).toString("base64")}` }].entries()) {
        api.reset()
        yield* withClient((client) => client.register({ ...job, jobId: `job-${index}`, selfie: input, livenessFrames: [], waitForResult: false }))
        zips.push(api.requests("PUT", "/attachments.zip")[0]!.bytes)
      }
      const selfieOf = (zip: Uint8Array) => Buffer.from(zip).includes(Buffer.from(selfie))
      assert.isTrue(zips.every(selfieOf))
    }))
})

describe("base URL", () => {
  it("names the hosted environments and keeps any other URL as given", () => {
    assert.deepStrictEqual(BaseUrl.resolve("sandbox"), Either.right("https://testapi.smileidentity.com/v1"))
    assert.deepStrictEqual(BaseUrl.resolve("production"), Either.right("https://api.smileidentity.com/v1"))
    assert.deepStrictEqual(BaseUrl.resolve("http://127.0.0.1:8080/v1/"), Either.right("http://127.0.0.1:8080/v1"))
    assert.deepStrictEqual(BaseUrl.resolve("https://selfie.example.org/smile/v1"), Either.right("https://selfie.example.org/smile/v1"))
  })

  it("refuses a double scheme, a missing scheme and other protocols with what to write", () => {
    const message = (input: string) => Either.match(BaseUrl.resolve(input), { onLeft: (e) => e.message, onRight: () => "accepted" })
    assert.include(message("https://https://api.example.com/v1"), "repeats its scheme")
    assert.include(message("testapi.smileidentity.com/v1"), "has no scheme; add it, e.g. \"https://testapi.smileidentity.com/v1\"")
    assert.include(message("ftp://files.example.com/v1"), "is not http or https")
    assert.include(message(""), "is empty")
  })

  it.live("requests go to {base}/upload and {base}/job_status, scheme untouched", () =>
    Effect.gen(function*() {
      yield* withClient((client) => client.register({ ...job, waitForResult: true }))
      assert.deepStrictEqual(
        api.recorded.map((r) => `${r.method} ${r.url.split("?")[0]}`),
        ["POST https://api.test/v1/upload", "PUT https://uploads.test/videos/001/001-0000000042-abc/attachments.zip", "POST https://api.test/v1/job_status"]
      )
    }))
})

describe("server errors become typed errors with the product's text and advice", () => {
  it.live("2205 at prep upload: code, table text, fix, the server's words; not retried", () =>
    Effect.gen(function*() {
      api.set({ prepUpload: () => HttpResponse.json({ code: "2205", error: "You are not authorized to do that." }, { status: 401 }) })
      const error = yield* Effect.flip(withClient((client) => client.register(job)))
      assert.strictEqual(error._tag, "ApiRejected")
      if (error._tag !== "ApiRejected") return
      assert.strictEqual(error.code, "2205")
      assert.strictEqual(error.httpStatus, 401)
      assert.strictEqual(error.condition, "NotAuthorized")
      assert.strictEqual(error.text, "Error - You are not authorized to do that")
      assert.include(error.fix, "HMAC-SHA256")
      assert.include(error.message, "server said: You are not authorized to do that.")
      assert.strictEqual(api.recorded.length, 1)
    }))

  it.live("a 24xx form folds onto its 22xx row; a 400 for 2215 keeps its status", () =>
    Effect.gen(function*() {
      api.set({ prepUpload: () => HttpResponse.json({ code: "2415", error: "Invalid product" }, { status: 400 }) })
      const error = yield* Effect.flip(withClient((client) => client.authenticate(job)))
      assert.strictEqual(error._tag, "ApiRejected")
      if (error._tag !== "ApiRejected") return
      assert.strictEqual(error.canonicalCode, "2215")
      assert.strictEqual(error.text, "Error - Job already exists for job_id")
      assert.include(error.fix, "job_id")
    }))

  it.live("a 200 whose body is not a prep upload answer is an UnexpectedResponse naming the field", () =>
    Effect.gen(function*() {
      api.set({ prepUpload: () => HttpResponse.json({ upload_url: "https://uploads.test/x.zip", code: "2202", ref_id: "r" }) })
      const error = yield* Effect.flip(withClient((client) => client.register(job)))
      assert.strictEqual(error._tag, "UnexpectedResponse")
      assert.include(error.message, "smile_job_id")
      assert.strictEqual(api.requests("PUT", "/attachments.zip").length, 0)
    }))

  it.live("an answer outside the contract (a proxy's HTML page) says so", () =>
    Effect.gen(function*() {
      api.set({ prepUpload: () => new HttpResponse("<html>Bad gateway</html>", { status: 502, headers: { "content-type": "text/html" } }) })
      const error = yield* Effect.flip(withClient((client) => client.register(job)))
      assert.strictEqual(error._tag, "UnexpectedResponse")
      assert.include(error.message, "HTTP 502")
    }))
})

describe("job_status signatures", () => {
  it.live("a mismatch is a typed error at once, never retried", () =>
    Effect.gen(function*() {
      api.set({
        jobStatus: () =>
          HttpResponse.json(
            signedStatus({ job_complete: true, job_success: true, code: "2302", result: completeResult("user-1", "job-1", 4) }, "another-key")
          )
      })
      const error = yield* Effect.flip(withClient((client) => client.pollJobStatus({ userId: "user-1", jobId: "job-1" })))
      assert.strictEqual(error._tag, "ResponseSignatureMismatch")
      assert.include(error.message, "Unable to confirm validity of the job_status response")
      assert.strictEqual(api.requests("POST", "/job_status").length, 1)
    }))

  it.live("reads the hosted API's abridged results and the plain-string result", () =>
    Effect.gen(function*() {
      api.set({
        jobStatus: () =>
          HttpResponse.json(signedStatus({ job_complete: false, job_success: false, code: "2314", result: "No zip uploaded" }))
      })
      const pending = yield* withClient((client) => client.jobStatus({ userId: "user-1", jobId: "job-1" }))
      assert.strictEqual(pending.result, "No zip uploaded")
      api.set({
        jobStatus: () =>
          HttpResponse.json(
            signedStatus({
              job_complete: true,
              job_success: true,
              code: "2302",
              result: { PartnerParams: { user_id: "user-1", job_id: "job-1", job_type: 2 }, ResultText: "Authenticate User", SmileJobID: "0000000042", ConfidenceValue: "99.5" }
            })
          )
      })
      const done = yield* withClient((client) => client.jobStatus({ userId: "user-1", jobId: "job-1" }))
      assert.strictEqual(typeof done.result === "string" ? "" : done.result.ResultText, "Authenticate User")
    }))
})

describe("polling", () => {
  it.live("polls until job_complete, and reports each poll", () =>
    Effect.gen(function*() {
      api.set({
        jobStatus: (body, poll) =>
          HttpResponse.json(
            signedStatus(
              poll < 3
                ? { job_complete: false, job_success: false, code: "2314", result: "No zip uploaded" }
                : { job_complete: true, job_success: true, code: "2302", result: completeResult(body.user_id, body.job_id, 4) }
            )
          )
      })
      const seen: Array<string> = []
      const answer = yield* withClient((client) =>
        client.pollJobStatus({ userId: "user-1", jobId: "job-1", onProgress: (event) => void seen.push(`${event._tag}:${"code" in event ? event.code : ""}`) })
      )
      assert.strictEqual(answer.code, "2302")
      assert.deepStrictEqual(seen, ["Polled:2314", "Polled:2314", "Polled:2302"])
    }))

  it.live("ends with PollTimeout after the overall timeout", () =>
    Effect.gen(function*() {
      api.set({ jobStatus: () => HttpResponse.json(signedStatus({ job_complete: false, job_success: false, code: "2314", result: "No zip uploaded" })) })
      const error = yield* Effect.flip(
        withClient((client) => client.pollJobStatus({ userId: "user-1", jobId: "job-1" }), { poll: { ...fastPoll, timeout: "150 millis" } })
      )
      assert.strictEqual(error._tag, "PollTimeout")
      if (error._tag !== "PollTimeout") return
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.lastCode, "2314")
      assert.isAbove(error.polls, 2)
      assert.include(error.message, "Timeout waiting for the job status")
    }))

  it.live("a timeout while a provisional result awaits a reviewer says so", () =>
    Effect.gen(function*() {
      api.set({
        jobStatus: (body) =>
          HttpResponse.json(
            signedStatus({
              job_complete: false,
              job_success: false,
              code: "2302",
              result: { ...completeResult(body.user_id, body.job_id, 2), ResultCode: "0822", ResultText: "Machine Judgement - PURE PROVISIONAL", IsFinalResult: "false" }
            })
          )
      })
      const error = yield* Effect.flip(
        withClient((client) => client.pollJobStatus({ userId: "user-1", jobId: "job-1" }), { poll: { ...fastPoll, timeout: "100 millis" } })
      )
      assert.strictEqual(error._tag, "PollTimeout")
      if (error._tag !== "PollTimeout") return
      assert.strictEqual(error.lastResultCode, "0822")
      assert.include(error.message, "The job has a result that is not final yet, 0822 Machine Judgement - PURE PROVISIONAL")
    }))

  it.live("ends with PollTimeout when the schedule ends", () =>
    Effect.gen(function*() {
      api.set({ jobStatus: () => HttpResponse.json(signedStatus({ job_complete: false, job_success: false, code: "2314", result: "No zip uploaded" })) })
      const error = yield* Effect.flip(
        withClient((client) => client.pollJobStatus({ userId: "user-1", jobId: "job-1" }), {
          poll: { ...fastPoll, schedule: Schedule.spaced("5 millis").pipe(Schedule.intersect(Schedule.recurs(3))) }
        })
      )
      assert.strictEqual(error._tag, "PollTimeout")
      if (error._tag !== "PollTimeout") return
      assert.strictEqual(error.reason, "ScheduleExhausted")
      assert.strictEqual(error.polls, 4)
    }))

  it.live("retries transient poll failures a bounded number of times, then fails with the error", () =>
    Effect.gen(function*() {
      api.set({ jobStatus: () => HttpResponse.json({ code: "2201", error: "System Error" }, { status: 500 }) })
      const error = yield* Effect.flip(withClient((client) => client.pollJobStatus({ userId: "user-1", jobId: "job-1" })))
      assert.strictEqual(error._tag, "ApiRejected")
      assert.strictEqual(api.requests("POST", "/job_status").length, 3) // 1 + 2 retries
    }))

  it.live("recovers when a transient failure clears within the budget", () =>
    Effect.gen(function*() {
      api.set({
        jobStatus: (body, poll) =>
          poll === 1
            ? new HttpResponse("upstream timeout", { status: 504 })
            : HttpResponse.json(signedStatus({ job_complete: true, job_success: true, code: "2302", result: completeResult(body.user_id, body.job_id, 4) }))
      })
      const answer = yield* withClient((client) => client.pollJobStatus({ userId: "user-1", jobId: "job-1" }))
      assert.isTrue(answer.jobComplete)
    }))

  it.live("a 4xx during polling is final", () =>
    Effect.gen(function*() {
      api.set({ jobStatus: () => HttpResponse.json({ code: "2205", error: "You are not authorized to do that." }, { status: 401 }) })
      yield* Effect.flip(withClient((client) => client.pollJobStatus({ userId: "user-1", jobId: "job-1" })))
      assert.strictEqual(api.requests("POST", "/job_status").length, 1)
    }))

  it.effect("the default schedule is the official SDK's: 2 s four times, then 4 s, 22 polls in 76 s", () =>
    Effect.gen(function*() {
      const driver = yield* Schedule.driver(SmartSelfie.officialPollSchedule)
      const waits = yield* Effect.fork(
        Effect.gen(function*() {
          const times: Array<number> = []
          while (Option.isSome(yield* Effect.option(driver.next(undefined)))) times.push(yield* Clock.currentTimeMillis)
          return times
        })
      )
      yield* TestClock.adjust("10 minutes")
      const times = yield* Fiber.join(waits)
      const gaps = times.map((time, index) => (time - (times[index - 1] ?? 0)) / 1000)
      assert.deepStrictEqual(gaps, [2, 2, 2, 2, ...Array.from({ length: 17 }, () => 4)])
      assert.strictEqual(times.length + 1, 22) // the first poll is immediate
      assert.strictEqual(times.at(-1), 76_000)
    }))
})

describe("uploads through the client", () => {
  it.live("a 4xx on the PUT is final; a 5xx is retried on the configured schedule", () =>
    Effect.gen(function*() {
      api.set({ upload: () => new HttpResponse(null, { status: 403 }) })
      const rejected = yield* Effect.flip(withClient((client) => client.register({ ...job, waitForResult: false })))
      assert.strictEqual(rejected._tag, "ZipUploadFailed")
      assert.strictEqual(api.requests("PUT", "/attachments.zip").length, 1)

      api.reset()
      api.set({ upload: (attempt) => new HttpResponse(null, { status: attempt < 3 ? 500 : 204 }) })
      const outcome = yield* withClient((client) => client.register({ ...job, waitForResult: false }))
      assert.strictEqual(outcome.smileJobId, "0000000042")
      assert.strictEqual(api.requests("PUT", "/attachments.zip").length, 3)
    }))

  it.live("without a callback URL the client waits for the result; with one it returns after the upload", () =>
    Effect.gen(function*() {
      const waited = yield* withClient((client) => client.register(job))
      assert.strictEqual(waited.status?.code, "2302")
      api.reset()
      const returned = yield* withClient((client) => client.register({ ...job, callbackUrl: "https://partner.example/cb" }))
      assert.isUndefined(returned.status)
      assert.strictEqual(api.requests("POST", "/job_status").length, 0)
    }))
})

describe("any runtime with fetch (layerFetch: WebCrypto signer, no file system)", () => {
  const fetchClient = <A, E>(use: (client: SmartSelfie.SmartSelfieService) => Effect.Effect<A, E>) =>
    Effect.flatMap(SmartSelfie.SmartSelfie, use).pipe(
      Effect.provide(SmartSelfie.layerFetch({ partnerId, apiKey, baseUrl, poll: fastPoll }))
    )

  it.live("registers from bytes, signing with WebCrypto", () =>
    Effect.gen(function*() {
      const outcome = yield* fetchClient((client) => client.register(job))
      assert.strictEqual(outcome.status?.code, "2302")
      const prep = api.requests("POST", "/upload")[0]!.json as { signature: string; timestamp: string }
      assert.isTrue(new OfficialSignature(partnerId, apiKey).confirm_signature(prep.timestamp, prep.signature))
    }))

  it.live("refuses a file path with what to pass instead, before any request", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(fetchClient((client) => client.register({ ...job, selfie: { path: "selfie.jpg" } })))
      assert.strictEqual(error._tag, "UnreadableImage")
      assert.include(error.message, "this runtime cannot read files; pass the image as a Uint8Array or as { base64 }")
      assert.strictEqual(api.recorded.length, 0)
    }))
})
