/**
 * The v1 API over HTTPS against the real server (in-process, port 0, its own
 * self-signed certificate as the only trusted CA), with memory stores and
 * the scripted pipeline behind it.
 */
import { Ids, Job, JobStore, UseCases } from "@selfie-auth/core"
import { Effect, Either, Layer, Option } from "effect"
import { placeholderJpeg } from "./support/Images.js"
import * as https from "node:https"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { jobStatusBody, jobZip, prepUploadBody } from "./support/Jobs.js"
import { sign, signed } from "./support/Signing.js"
import { postJson, request, startTestServer, type TestServer } from "./support/TestServer.js"

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({
    partners: [
      { partnerId: "001", apiKey: "test-api-key", callbackPolicy: "local-evaluation" },
      { partnerId: "002", apiKey: "second-partner-key", callbackPolicy: "public-only" },
      { partnerId: "003", apiKey: "third-key", callbackPolicy: "public-only", products: { authentication: false, registration: true } },
      { partnerId: "004", apiKey: "fourth-key", callbackPolicy: "public-only", signatureWindow: { pastSeconds: 60, futureSeconds: 5 } }
    ]
  })
})
afterAll(() => server.close())

const put = (url: string, body: Uint8Array) => request(server.ca, "PUT", url, body, { "content-type": "application/zip" })

/** Prepares and uploads a job; answers the prep upload body. */
const submit = async (userId: string, jobId: string, jobType: 2 | 4, face = "selfie") => {
  const prep = await postJson(server, "/v1/upload", prepUploadBody({ userId, jobId, jobType }))
  expect(prep.status, prep.text).toBe(200)
  const upload = await put(prep.json().upload_url, jobZip({ userId, jobId, jobType, face }))
  expect(upload.status, upload.text).toBe(200)
  return prep.json()
}

const expectError = (reply: { status: number; text: string; json: () => any }, status: number, code: string, detail: RegExp) => {
  expect(reply.status, reply.text).toBe(status)
  const body = reply.json()
  expect(Object.keys(body)).toEqual(["code", "error"])
  expect(body.code).toBe(code)
  expect(body.error).toMatch(detail)
}

const manage = (userId: string, action: UseCases.ManageUser.UserAction) =>
  server.run(UseCases.ManageUser.manageUser({ partnerId: Ids.PartnerId.make("001"), userId: Ids.UserId.make(userId), action }))

describe("POST /v1/upload", () => {
  it("answers upload_url, smile_job_id, ref_id, code 2202 and camera_config, in that order", async () => {
    const reply = await postJson(server, "/v1/upload", prepUploadBody({ userId: "prep-1", jobId: "prep-job-1", jobType: 4 }))
    expect(reply.status).toBe(200)
    const body = reply.json()
    expect(Object.keys(body)).toEqual(["upload_url", "smile_job_id", "ref_id", "code", "camera_config"])
    expect(body.smile_job_id).toMatch(/^\d{10}$/)
    expect(body.code).toBe("2202")
    expect(body.camera_config).toBeNull()
    expect(body.upload_url).toMatch(
      new RegExp(`^${server.url}/uploads/001/${body.smile_job_id}/attachments\\.zip\\?expires=\\d+&signature=[\\w-]{43}$`)
    )
  })

  it("ignores unknown fields (Android's extras, the Node SDK's spread id_info)", async () => {
    const reply = await postJson(server, "/v1/upload", prepUploadBody({
      userId: "prep-2",
      jobId: "prep-job-2",
      jobType: "4",
      extra: { allow_new_enroll: true, metadata: [{ name: "sdk", value: "android" }], retry: "false", anything: { nested: 1 } }
    }))
    expect(reply.status, reply.text).toBe(200)
  })
})

describe("PUT <upload_url>", () => {
  it("answers exactly 200 with an empty body, once; a second upload is 409 and changes nothing", async () => {
    const prep = (await postJson(server, "/v1/upload", prepUploadBody({ userId: "put-1", jobId: "put-job-1", jobType: 4 }))).json()
    const zip = jobZip({ userId: "put-1", jobId: "put-job-1", jobType: 4 })
    const first = await put(prep.upload_url, zip)
    expect(first.status).toBe(200)
    expect(first.text).toBe("")
    const second = await put(prep.upload_url, zip)
    expect(second.status).toBe(409)
    expect(second.json().error).toMatch(/a zip was already accepted for this job/)
  })

  it("refuses a tampered URL (403), a URL that is not an upload URL (404) and a broken zip, leaving the job waiting", async () => {
    const prep = (await postJson(server, "/v1/upload", prepUploadBody({ userId: "put-2", jobId: "put-job-2", jobType: 4 }))).json()
    const zip = jobZip({ userId: "put-2", jobId: "put-job-2", jobType: 4 })
    const tampered = await put(prep.upload_url.replace(/expires=(\d+)/, (_: string, n: string) => `expires=${Number(n) + 60}`), zip)
    expect(tampered.status).toBe(403)
    expect(tampered.json()).toMatchObject({ reason: "UploadTampered" })
    const elsewhere = await put(`${server.url}/uploads/001/${prep.smile_job_id}/other.zip`, zip)
    expect(elsewhere.status).toBe(404)

    const broken = await put(prep.upload_url, new TextEncoder().encode("PK\u0003\u0004 this is not a zip"))
    expect(broken.status).toBe(400)
    expect(broken.json().code).toBe("0001")
    expect(broken.json().error).toMatch(/^Data Invalid - Unable to extract zip file: /)

    const noSelfie = await put(prep.upload_url, jobZip({ userId: "other-user", jobId: "put-job-2", jobType: 4 }))
    expectError(noSelfie, 400, "2203", /info\.json misc_information\.partner_params has user_id "other-user" \(this job's is "put-2"\)/)

    const status = await postJson(server, "/v1/job_status", jobStatusBody({ userId: "put-2", jobId: "put-job-2" }))
    expect(status.json()).toMatchObject({ job_complete: false, result: "No zip uploaded", code: "2314" })
    expect((await put(prep.upload_url, zip)).status).toBe(200)
  })

  it("refuses an expired upload URL with 403, saying how to get a fresh one", async () => {
    const shortLived = await startTestServer({ config: { uploadUrlTtlSeconds: 1 } })
    try {
      const prep = (await postJson(shortLived, "/v1/upload", prepUploadBody({ userId: "late", jobId: "late-1", jobType: 4 }))).json()
      await new Promise((resolve) => setTimeout(resolve, 2100))
      const reply = await request(shortLived.ca, "PUT", prep.upload_url, jobZip({ userId: "late", jobId: "late-1", jobType: 4 }), {
        "content-type": "application/zip"
      })
      expect(reply.status).toBe(403)
      expect(reply.json()).toMatchObject({ reason: "UploadExpired" })
      expect(reply.json().error).toMatch(/expired \d+ s ago; prepare a new job/)
    } finally {
      await shortLived.close()
    }
  })

  it("refuses a body over the size limit with 413 before reading it all", async () => {
    const small = await startTestServer({ config: { maxUploadBytes: 2048 } })
    try {
      const prep = (await postJson(small, "/v1/upload", prepUploadBody({ userId: "big", jobId: "big-1", jobType: 4 }))).json()
      const reply = await request(small.ca, "PUT", prep.upload_url, new Uint8Array(4096), { "content-type": "application/zip" })
      expect(reply.status).toBe(413)
      expect(reply.json().error).toMatch(/larger than this server accepts \(2048 bytes\)/)
      // Without a Content-Length (chunked), the body is counted as it streams in.
      const chunked = await new Promise<number>((resolve, reject) => {
        const outgoing = https.request(prep.upload_url, { method: "PUT", ca: small.ca, headers: { "content-type": "application/zip" } }, (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        })
        outgoing.on("error", reject)
        for (let i = 0; i < 3; i++) outgoing.write(new Uint8Array(1024))
        outgoing.end()
      })
      expect(chunked).toBe(413)
      const status = await postJson(small, "/v1/job_status", jobStatusBody({ userId: "big", jobId: "big-1" }))
      expect(status.json().result).toBe("No zip uploaded")
    } finally {
      await small.close()
    }
  })
})

describe("--max-json-bytes", () => {
  let small: TestServer
  beforeAll(async () => {
    small = await startTestServer({ config: { maxJsonBytes: 2048 } })
  })
  afterAll(() => small.close())

  /** Sends `parts` as one write each, without a Content-Length (so chunked); the status and body of the answer. */
  const postChunked = (target: TestServer, route: string, parts: ReadonlyArray<string>) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = https.request(`${target.url}${route}`, { method: "POST", ca: target.ca, headers: { "content-type": "application/json" } }, (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }))
        response.on("error", reject)
      })
      outgoing.on("error", reject)
      for (const part of parts) outgoing.write(part)
      outgoing.end()
    })

  /** `text` followed by blanks up to `bytes` bytes: still the same JSON. */
  const padded = (text: string, bytes: number) => text + " ".repeat(bytes - Buffer.byteLength(text))

  const tooLarge = (route: string) =>
    new RegExp(`^Error - A parameter is of the wrong data type: the ${route} body is larger than this server accepts \\(2048 bytes\\); ` +
      `send a smaller JSON body, or raise the limit with the server's --max-json-bytes option \\(SELFIE_AUTH_MAX_JSON_BYTES\\)$`)

  it("POST /v1/upload: 413 (2204) for a body over the limit, declared or chunked; a body at the limit is read; the server keeps serving", async () => {
    const body = (jobId: string) => JSON.stringify(prepUploadBody({ userId: "json-limit", jobId, jobType: 4 }))
    const post = (text: string) => request(small.ca, "POST", `${small.url}/v1/upload`, text, { "content-type": "application/json" })

    const declared = await post(padded(body("json-limit-1"), 2049))
    expectError(declared, 413, "2204", tooLarge("/v1/upload"))
    expect(declared.headers["connection"]).toBe("close")
    const chunked = await postChunked(small, "/v1/upload", [padded(body("json-limit-2"), 1000), " ".repeat(1000), " ".repeat(1000)])
    expectError({ ...chunked, json: () => JSON.parse(chunked.text) }, 413, "2204", tooLarge("/v1/upload"))

    const atLimit = await post(padded(body("json-limit-3"), 2048))
    expect(atLimit.status, atLimit.text).toBe(200)
    expect(atLimit.json().code).toBe("2202")
    const atLimitChunked = await postChunked(small, "/v1/upload", [padded(body("json-limit-4"), 1024), " ".repeat(1024)])
    expect(atLimitChunked.status, atLimitChunked.text).toBe(200)

    // Neither refused body made a job; the server serves on.
    const refusedJob = await postJson(small, "/v1/job_status", jobStatusBody({ userId: "json-limit", jobId: "json-limit-1" }))
    expect(refusedJob.status).toBe(401)
    const status = await postJson(small, "/v1/job_status", jobStatusBody({ userId: "json-limit", jobId: "json-limit-3" }))
    expect(status.json()).toMatchObject({ code: "2314", result: "No zip uploaded" })
  })

  it("POST /v1/job_status and every other v1 JSON endpoint: 413 (2204) over the limit", async () => {
    const body = JSON.stringify(jobStatusBody({ userId: "json-limit", jobId: "json-limit-5" }))
    for (const route of ["/v1/job_status", "/v1/deliveries", "/v1/deliveries/replay"]) {
      const declared = await request(small.ca, "POST", `${small.url}${route}`, padded(body, 2049), { "content-type": "application/json" })
      expectError(declared, 413, "2204", tooLarge(route))
      const chunked = await postChunked(small, route, [padded(body, 1500), " ".repeat(1500)])
      expectError({ ...chunked, json: () => JSON.parse(chunked.text) }, 413, "2204", tooLarge(route))
    }
    const atLimit = await request(small.ca, "POST", `${small.url}/v1/job_status`, padded(body, 2048), { "content-type": "application/json" })
    expect(atLimit.status, atLimit.text).toBe(401)
    expect(atLimit.json().code).toBe("2205")
  })
})

describe("POST /v1/job_status", () => {
  it("answers a signed status: no zip, then the result object with history and an expiring selfie link", async () => {
    const prep = (await postJson(server, "/v1/upload", prepUploadBody({ userId: "st-1", jobId: "st-job-1", jobType: 4 }))).json()
    const before = (await postJson(server, "/v1/job_status", jobStatusBody({ userId: "st-1", jobId: "st-job-1" }))).json()
    expect(before).toMatchObject({ job_complete: false, job_success: false, code: "2314", result: "No zip uploaded" })
    expect(before.signature).toBe(sign("001", "test-api-key", before.timestamp))

    expect((await put(prep.upload_url, jobZip({ userId: "st-1", jobId: "st-job-1", jobType: 4, face: "st-1" }))).status).toBe(200)
    const reply = await postJson(server, "/v1/job_status", jobStatusBody({ userId: "st-1", jobId: "st-job-1", history: true, imageLinks: true }))
    expect(reply.status).toBe(200)
    const after = reply.json()
    expect(Object.keys(after)).toEqual(["timestamp", "signature", "job_complete", "job_success", "code", "result", "history", "image_links"])
    expect(typeof after.timestamp).toBe("string")
    expect(after.signature).toBe(sign("001", "test-api-key", after.timestamp))
    expect(after).toMatchObject({ job_complete: true, job_success: true, code: "2302" })
    expect(after.result).toMatchObject({
      ResultCode: "0840",
      ResultText: "Enroll User",
      SmileJobID: prep.smile_job_id,
      PartnerParams: { user_id: "st-1", job_id: "st-job-1", job_type: 4 },
      IsFinalResult: "true",
      IsMachineResult: "true",
      Actions: { Register_Selfie: "Approved" }
    })
    expect(after.history).toEqual([after.result])
    const image = await request(server.ca, "GET", after.image_links.selfie_image)
    expect(image.status).toBe(200)
    expect(image.headers["content-type"]).toBe("image/jpeg")
    expect(Buffer.from(image.text, "utf8").length).toBeGreaterThan(0)
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import("node:https").then((https) =>
        https.get(after.image_links.selfie_image, { ca: server.ca }, (response) => {
          const chunks: Array<Buffer> = []
          response.on("data", (chunk: Buffer) => chunks.push(chunk))
          response.on("end", () => resolve(Buffer.concat(chunks)))
        }).on("error", reject))
    })
    expect(raw.equals(Buffer.from(placeholderJpeg("st-1")))).toBe(true)
    const forged = await request(server.ca, "GET", after.image_links.selfie_image.replace(/signature=./, "signature=A"))
    expect([403, 404]).toContain(forged.status)
  })

  it("leaves out history and image_links unless asked, and reads absent flags as false", async () => {
    await submit("st-2", "st-job-2", 4)
    const body: Record<string, unknown> = jobStatusBody({ userId: "st-2", jobId: "st-job-2" })
    delete body["history"]
    delete body["image_links"]
    const reply = (await postJson(server, "/v1/job_status", { ...body, source_sdk: "ruby", unknown: 1 })).json()
    expect(Object.keys(reply)).toEqual(["timestamp", "signature", "job_complete", "job_success", "code", "result"])
  })

  it("starts a job whose zip arrived but whose processing never started (a stop in between) when it is polled", async () => {
    const prep = (await postJson(server, "/v1/upload", prepUploadBody({ userId: "st-4", jobId: "st-job-4", jobType: 4 }))).json()
    // What a stop between accepting the zip and starting the pipeline leaves behind.
    await server.run(Effect.gen(function*() {
      const jobs = yield* JobStore
      const job = Option.getOrThrow(yield* jobs.findBySmileJobId(Ids.PartnerId.make("001"), Ids.SmileJobId.make(prep.smile_job_id)))
      yield* jobs.update(Either.getOrThrow(Job.transition(job, { _tag: "UploadAccepted", at: Date.now() })))
    }))
    const first = (await postJson(server, "/v1/job_status", jobStatusBody({ userId: "st-4", jobId: "st-job-4" }))).json()
    expect(first).toMatchObject({ job_complete: false, code: "2302", result: "Processing" })
    const second = (await postJson(server, "/v1/job_status", jobStatusBody({ userId: "st-4", jobId: "st-job-4" }))).json()
    expect(second).toMatchObject({ job_complete: true, result: { ResultCode: "0840" } })
  })

  it("does not show a job to another user id or another partner (2205)", async () => {
    await submit("st-3", "st-job-3", 4)
    expectError(await postJson(server, "/v1/job_status", jobStatusBody({ userId: "st-other", jobId: "st-job-3" })), 401, "2205", /has no job_id "st-job-3" for user_id "st-other"/)
    expectError(
      await postJson(server, "/v1/job_status", jobStatusBody({ partnerId: "002", apiKey: "second-partner-key", userId: "st-3", jobId: "st-job-3" })),
      401,
      "2205",
      /partner "002" has no job_id "st-job-3"/
    )
  })
})

describe("every general error of job types 2 and 4", () => {
  it("2201 System Error is the v1 answer to a failure inside the server", async () => {
    const failing = await startTestServer({
      jobStore: Layer.effect(
        JobStore,
        Effect.map(JobStore, (store) => ({ ...store, insert: () => Effect.die(new Error("the disk is on fire")) }))
      ).pipe(Layer.provide(JobStore.layerMemory))
    })
    try {
      const reply = await postJson(failing, "/v1/upload", prepUploadBody({ userId: "e2201", jobId: "e2201-1", jobType: 4 }))
      expectError(reply, 500, "2201", /^System Error: the server failed while handling the request; retry later$/)
      expect(reply.text).not.toMatch(/disk/)
    } finally {
      await failing.close()
    }
  })

  it("2203 Invalid JSON: an info.json that is not JSON", async () => {
    const prep = (await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2203", jobId: "e2203-1", jobType: 4 }))).json()
    const { ZipCodecFflate } = await import("@selfie-auth/adapter-zip")
    const { ZipCodec } = await import("@selfie-auth/core")
    const { Effect } = await import("effect")
    const zip = Effect.runSync(Effect.provide(
      Effect.flatMap(ZipCodec, (codec) => codec.pack([{ name: "info.json", bytes: new TextEncoder().encode("{\"images\": [") }])),
      ZipCodecFflate.layer()
    ))
    expectError(await put(prep.upload_url, zip), 400, "2203", /info\.json/)
  })

  it("2204 wrong data type: a body that is not JSON, a number where a string is due, an extra key that is not a string", async () => {
    expectError(await postJson(server, "/v1/upload", "{not json"), 400, "2204", /body is not valid JSON/)
    expectError(
      await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2204", jobId: "e2204-1", jobType: 4, extra: { source_sdk_version: 3 } })),
      400,
      "2204",
      /source_sdk_version/
    )
    const body = prepUploadBody({ userId: "e2204", jobId: "e2204-2", jobType: 4 })
    expectError(await postJson(server, "/v1/upload", { ...body, partner_params: { ...body.partner_params, branch: 7 } }), 400, "2204", /partner_params\.branch/)
  })

  it("2204 for a body not sent as JSON, naming the Content-Type to use", async () => {
    const body = JSON.stringify(prepUploadBody({ userId: "ct", jobId: "ct-1", jobType: 4 }))
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded"]) {
      const reply = await request(server.ca, "POST", `${server.url}/v1/upload`, body, { "content-type": contentType })
      expectError(reply, 400, "2204", new RegExp(`must be sent as JSON with Content-Type: application/json \\(got Content-Type: ${contentType}\\)`))
    }
    expectError(await request(server.ca, "POST", `${server.url}/v1/upload`, body), 400, "2204", /\(got no Content-Type\)/)
    const charset = await request(server.ca, "POST", `${server.url}/v1/upload`, body, { "content-type": "application/json; charset=utf-8" })
    expect(charset.status, charset.text).toBe(200)
  })

  it("2204 for a callback_url the partner's callback policy refuses", async () => {
    expectError(
      await postJson(server, "/v1/upload", prepUploadBody({
        partnerId: "002",
        apiKey: "second-partner-key",
        userId: "cb",
        jobId: "cb-1",
        jobType: 4,
        callbackUrl: "https://127.0.0.1:9000/hook"
      })),
      400,
      "2204",
      /callback_url points to a local or private address \(127\.0\.0\.1\)/
    )
    const local = await postJson(server, "/v1/upload", prepUploadBody({ userId: "cb", jobId: "cb-2", jobType: 4, callbackUrl: "http://127.0.0.1:9000/hook" }))
    expect(local.status, local.text).toBe(200)
  })

  it("2205: a wrong signature, a stale timestamp, an unknown partner, before anything else is checked", async () => {
    const body = prepUploadBody({ userId: "e2205", jobId: "e2205-1", jobType: 4 })
    expectError(await postJson(server, "/v1/upload", { ...body, signature: sign("001", "wrong-key", body.timestamp) }), 401, "2205", /signature does not match/)
    const old = signed("004", "fourth-key", new Date(Date.now() - 120_000))
    expectError(
      await postJson(server, "/v1/upload", { ...prepUploadBody({ partnerId: "004", apiKey: "fourth-key", userId: "e2205", jobId: "e2205-2", jobType: 4 }), ...old }),
      401,
      "2205",
      /timestamp is 1\d\d s old; at most 60 s is accepted/
    )
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ partnerId: "999", apiKey: "x", userId: "e", jobId: "e", jobType: 4 })), 401, "2205", /no partner "999" is configured/)
    // An unauthenticated body learns nothing about what else is wrong with it.
    expectError(
      await postJson(server, "/v1/upload", { ...prepUploadBody({ userId: "", jobId: "e", jobType: 9 }), signature: sign("001", "wrong-key", body.timestamp) }),
      401,
      "2205",
      /signature does not match/
    )
    expectError(await postJson(server, "/v1/job_status", { ...jobStatusBody({ userId: "u", jobId: "j" }), signature: "AAAA" }), 401, "2205", /./)
  })

  it("2212 invalid job type and 2217 another product's job type", async () => {
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2212", jobId: "e2212-1", jobType: 3 })), 400, "2212", /partner_params\.job_type/)
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2212", jobId: "e2212-2", jobType: "abc" })), 400, "2212", /job_type/)
    expectError(
      await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2217", jobId: "e2217-1", jobType: 6 })),
      400,
      "2217",
      /job_type 6 is Document Verification, which this SmartSelfie server does not run/
    )
  })

  it("2213 a required parameter is missing, naming it", async () => {
    const body: Record<string, unknown> = prepUploadBody({ userId: "e2213", jobId: "e2213-1", jobType: 4 })
    delete body["source_sdk"]
    expectError(await postJson(server, "/v1/upload", body), 400, "2213", /source_sdk is required/)
    const status: Record<string, unknown> = jobStatusBody({ userId: "u", jobId: "j" })
    delete status["job_id"]
    expectError(await postJson(server, "/v1/job_status", status), 400, "2213", /job_id is required/)
  })

  it("2214 product not activated for the partner", async () => {
    expectError(
      await postJson(server, "/v1/upload", prepUploadBody({ partnerId: "003", apiKey: "third-key", userId: "e2214", jobId: "e2214-1", jobType: 2 })),
      403,
      "2214",
      /authentication \(job type 2\) is not enabled for partner "003"/
    )
  })

  it("2220 production not enabled: a production server and a partner without productionEnabled", async () => {
    const production = await startTestServer({
      partners: [
        { partnerId: "001", apiKey: "test-api-key", callbackPolicy: "public-only" },
        { partnerId: "005", apiKey: "live-key", callbackPolicy: "public-only", productionEnabled: true }
      ],
      config: { mode: "production" }
    })
    try {
      expectError(await postJson(production, "/v1/upload", prepUploadBody({ userId: "p", jobId: "p-1", jobType: 4 })), 403, "2220", /production mode/)
      const allowed = await postJson(production, "/v1/upload", prepUploadBody({ partnerId: "005", apiKey: "live-key", userId: "p", jobId: "p-1", jobType: 4 }))
      expect(allowed.status, allowed.text).toBe(200)
    } finally {
      await production.close()
    }
  })

  it("2209 registering an enrolled user; 2210 authenticating a user never registered", async () => {
    await submit("e2209", "e2209-1", 4)
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2209", jobId: "e2209-2", jobType: 4 })), 409, "2209", /already has a selfie on file/)
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2210", jobId: "e2210-1", jobType: 2 })), 404, "2210", /was never registered/)
  })

  it("2207 disabled, 2211 flagged for re-enrollment, 2216 no photo on file, 2208 deleted", async () => {
    await submit("e2207", "e2207-1", 4)
    await manage("e2207", "disable")
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2207", jobId: "e2207-2", jobType: 2 })), 403, "2207", /is disabled/)
    await manage("e2207", "enable")
    await manage("e2207", "flagReEnrollment")
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2207", jobId: "e2207-3", jobType: 2 })), 409, "2211", /flagged for re-enrollment/)
    await manage("e2207", "clearReEnrollment")
    await manage("e2207", "erasePhoto")
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2207", jobId: "e2207-4", jobType: 2 })), 409, "2216", /has no selfie on file/)
    await submit("e2207", "e2207-5", 4)
    await manage("e2207", "delete")
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2207", jobId: "e2207-6", jobType: 2 })), 404, "2208", /was deleted/)
  })

  it("2215 a reused job_id is a 400, whatever the user", async () => {
    await submit("e2215", "e2215-1", 4)
    expectError(await postJson(server, "/v1/upload", prepUploadBody({ userId: "e2215-b", jobId: "e2215-1", jobType: 4 })), 400, "2215", /already used job_id "e2215-1"/)
  })

  it("authentication of a registered user is approved end to end (0820)", async () => {
    await submit("auth-1", "auth-1-reg", 4)
    await submit("auth-1", "auth-1-auth", 2)
    const status = (await postJson(server, "/v1/job_status", jobStatusBody({ userId: "auth-1", jobId: "auth-1-auth" }))).json()
    expect(status.result).toMatchObject({ ResultCode: "0820", Actions: { Selfie_To_Registered_Selfie_Compare: "Completed" } })
  })
})

describe("the delivery routes", () => {
  it("are mounted: POST /v1/deliveries authenticates like every v1 request", async () => {
    const body = { partner_id: "001", job_id: "nothing", ...signed("001", "test-api-key") }
    expectError(await postJson(server, "/v1/deliveries", { ...body, signature: sign("001", "wrong-key", body.timestamp) }), 401, "2205", /./)
    const reply = await postJson(server, "/v1/deliveries", body)
    expect(reply.status, reply.text).toBe(404)
    expect(reply.json().reason).toBe("JobNotFound")
  })
})

describe("the review console", () => {
  it("is mounted: /console serves its sign-in page", async () => {
    const page = await request(server.ca, "GET", `${server.url}/console`)
    const signIn = page.status === 200 ? page : await request(server.ca, "GET", new URL(String(page.headers["location"]), server.url).toString())
    expect(signIn.status).toBe(200)
    expect(signIn.headers["content-type"]).toMatch(/^text\/html/)
    expect(signIn.text).toMatch(/password/i)
  })
})

describe("OpenAPI and Swagger UI", () => {
  it("serves the OpenAPI document of V1Api and the Swagger UI page", async () => {
    const spec = await request(server.ca, "GET", `${server.url}/openapi.json`)
    expect(spec.status).toBe(200)
    const document = spec.json()
    expect(document.openapi).toMatch(/^3\./)
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/v1/upload", "/v1/job_status"]))
    const docs = await request(server.ca, "GET", `${server.url}/docs`)
    expect(docs.status).toBe(200)
    expect(docs.text).toMatch(/swagger/i)
  })
})
