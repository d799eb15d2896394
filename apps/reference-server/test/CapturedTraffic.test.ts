/**
 * Every request the official SDKs made in the captured traffic
 * (`@selfie-auth/test-fixtures`, `official-sdk/log`) is accepted by the
 * server: each prep upload (`POST /v1/upload`) and each job_status, replayed
 * byte for byte with its original signature and timestamp, and each
 * captured zip PUT to the upload URL our server answered.
 *
 * The captures carry old timestamps, so the capture partner ("001", key
 * "test-api-key") gets a signature window that covers them. Before each
 * replay the user is put in the state its job type needs (registered for
 * type 2, not registered for type 4), since which user exists depends on the
 * capture server's invented answers, not on the requests.
 */
import { Ids, Job, JobStore, User, UserStore, UseCases } from "@selfie-auth/core"
import { capturedRequests, capturedZips } from "@selfie-auth/test-fixtures"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sign } from "./support/Signing.js"
import { request, startTestServer, type TestServer } from "./support/TestServer.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({
    partners: [{
      partnerId: "001",
      apiKey: "test-api-key",
      callbackPolicy: "public-only",
      signatureWindow: { pastSeconds: 100 * 365 * 24 * 3600, futureSeconds: 300 }
    }]
  })
})
afterAll(() => server.close())

const partnerId = Ids.PartnerId.make("001")
const replayed = capturedRequests().filter((captured) =>
  captured.method === "POST" && (captured.url === "/v1/upload" || captured.url === "/v1/job_status")
)
const zipsByScenario = new Map(capturedZips().map((zip) => [zip.name.replace(/-[0-9a-f]+\.zip$/, ""), zip.bytes]))

/** Puts the user in a state where a job of this type is admitted. */
const prepareUser = (userId: string, jobType: number) =>
  server.run(Effect.gen(function*() {
    const users = yield* UserStore
    const id = Ids.UserId.make(userId)
    const user = Option.getOrElse(yield* users.find(partnerId, id), () => User.make({ partnerId, userId: id, at: 0 }))
    const state = User.stateOf(user)
    if (jobType === 2 && state !== "registered") {
      yield* users.save({
        ...user,
        state: {
          _tag: "Registered",
          selfie: { blobKey: User.selfieBlobKeyOf(user, Ids.SmileJobId.make("9999999999")), jobId: Ids.JobId.make("seed"), smileJobId: Ids.SmileJobId.make("9999999999"), registeredAt: 0 },
          disabled: false,
          reEnrollmentRequired: false
        }
      })
    }
    if (jobType === 4 && state === "registered") {
      yield* UseCases.ManageUser.manageUser({ partnerId, userId: id, action: "flagReEnrollment" })
    }
  }))

/** Makes sure the polled job exists (a few captures poll jobs the capture never prepared). */
const prepareJob = (userId: string, jobId: string) =>
  server.run(Effect.gen(function*() {
    const jobs = yield* JobStore
    if (Option.isSome(yield* jobs.findByJobId(partnerId, Ids.JobId.make(jobId)))) return
    yield* Effect.orDie(jobs.insert(Job.make({
      partnerId,
      smileJobId: Ids.SmileJobId.make(String(8_000_000_000 + Math.floor(Math.random() * 1_000_000_000))),
      partnerParams: { userId: Ids.UserId.make(userId), jobId: Ids.JobId.make(jobId), jobType: 4, extras: {} },
      at: 0
    })))
  }))

describe("captured official-SDK traffic", () => {
  it("holds prep uploads and job_status polls of the Node and Python SDKs", () => {
    expect(replayed.filter((captured) => captured.url === "/v1/upload").length).toBeGreaterThanOrEqual(20)
    expect(replayed.filter((captured) => captured.url === "/v1/job_status").length).toBeGreaterThanOrEqual(40)
    expect(replayed.some((captured) => captured.file.includes("py_"))).toBe(true)
  })

  it.each(replayed.map((captured) => [captured.file, captured] as const))("accepts %s", async (_, captured) => {
    const body = captured.body as Record<string, any>
    if (captured.url === "/v1/upload") {
      await prepareUser(body.partner_params.user_id, Number(body.partner_params.job_type))
    } else {
      await prepareJob(body.user_id, body.job_id)
    }
    const reply = await request(server.ca, "POST", `${server.url}${captured.url}`, captured.rawBody, { "content-type": "application/json" })
    expect(reply.status, reply.text).toBe(200)
    const answer = reply.json()
    if (captured.url === "/v1/upload") {
      expect(answer.code).toBe("2202")
      const zip = zipsByScenario.get(captured.scenario)
      if (zip !== undefined) {
        const upload = await request(server.ca, "PUT", answer.upload_url, zip, { "content-type": "application/zip" })
        expect(upload.status, upload.text).toBe(200)
      }
    } else {
      expect(answer.signature).toBe(sign("001", "test-api-key", answer.timestamp))
    }
  })
})
