/**
 * The direct route of `POST /v1/job_status` (`v1/JobStatusRoute.ts`) answers
 * byte for byte what the `HttpApi` handler answers, apart from the
 * timestamp and signature of a signed answer and the expiry of image links.
 *
 * Two servers share one backend: the real server (its `HttpApi` handler is
 * reached at `/v1/job_status/`, a path the router accepts and the direct
 * route does not take) and a listener serving nothing but the direct route
 * (no Effect app behind it, so every answer there is the direct route's).
 * Both read JSON bodies of at most {@link maxJsonBytes} bytes.
 */
import { SignerNode } from "@selfie-auth/adapter-signing"
import { JobStoreSql, SqlDatabase } from "@selfie-auth/adapter-sql"
import { Ids, Job, JobStore, UseCases } from "@selfie-auth/core"
import { Context, Duration, Effect, Exit, Layer, Option, Scope } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as DataDir from "../src/DataDir.js"
import { HttpSettings } from "../src/HttpSettings.js"
import * as Listener from "../src/Listener.js"
import { JobPipeline } from "../src/pipeline/JobPipeline.js"
import { loadPartners } from "../src/Server.js"
import { Partners } from "../src/Partners.js"
import * as JobStatusRoute from "../src/v1/JobStatusRoute.js"
import { newJob } from "../../../packages/core/test/contracts/fixtures.js"
import { jobStatusBody, jobZip, prepUploadBody } from "./support/Jobs.js"
import { signed } from "./support/Signing.js"
import { postJson, request, startTestServer, type TestServer } from "./support/TestServer.js"

/** A job store that fails (a defect) for job id `explode` and takes 1.5 s for job id `slow`. */
const jobStore = Layer.effect(
  JobStore,
  Effect.map(JobStore, (store) => ({
    ...store,
    findByJobId: (partnerId: Ids.PartnerId, jobId: Ids.JobId) =>
      jobId === "explode"
        ? Effect.die(new Error("the disk is on fire"))
        : jobId === "slow"
        ? Effect.delay(store.findByJobId(partnerId, jobId), Duration.millis(1500))
        : store.findByJobId(partnerId, jobId)
  }))
).pipe(Layer.provide(JobStore.layerMemory))

/** `--max-json-bytes` of both entries: small, so that an oversized body is quick to send. */
const maxJsonBytes = 4096

let server: TestServer
let direct: { readonly url: string; readonly close: () => Promise<void> }

beforeAll(async () => {
  server = await startTestServer({ jobStore, config: { maxJsonBytes } })
  // The direct route alone, on the real server's services and settings.
  const backend = await server.run(Effect.context<JobStore>())
  const partners = await Effect.runPromise(loadPartners(`${server.dataDir}/partners.json`))
  const secret = await Effect.runPromise(DataDir.uploadUrlSecret(server.dataDir))
  const services = Layer.mergeAll(
    Layer.succeed(JobStore, Context.get(backend, JobStore)),
    Layer.succeed(JobPipeline, Context.unsafeGet(backend, JobPipeline)),
    Partners.layer(partners),
    SignerNode.layer,
    Layer.succeed(HttpSettings, {
      baseUrl: server.url,
      environment: "sandbox",
      uploadUrlTtl: Duration.hours(1),
      maxUploadBytes: 20 * 1024 * 1024,
      maxJsonBytes,
      linkSecret: secret
    })
  )
  const listener = http.createServer()
  const scope = Effect.runSync(Scope.make())
  await Effect.runPromise(
    Layer.buildWithScope(
      JobStatusRoute.layer.pipe(Layer.provide(services), Layer.provideMerge(Listener.layer(listener, { port: 0, host: "127.0.0.1" }))),
      scope
    )
  )
  direct = {
    url: Listener.listeningUrl(listener, false),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
})
afterAll(async () => {
  await direct.close()
  await server.close()
})

interface Answer {
  readonly status: number
  readonly contentType: string | undefined
  readonly body: string
}

const postDirect = (body: string, headers: Record<string, string>): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const outgoing = http.request(`${direct.url}${JobStatusRoute.path}`, { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, contentType: response.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") }))
    })
    outgoing.on("error", reject)
    outgoing.end(body)
  })

const postApi = async (body: string, headers: Record<string, string>): Promise<Answer> => {
  const reply = await request(server.ca, "POST", `${server.url}${JobStatusRoute.path}/`, body, headers)
  const contentType = reply.headers["content-type"]
  return { status: reply.status, contentType: typeof contentType === "string" ? contentType : undefined, body: reply.text }
}

/** A signed answer without what changes from one answer to the next; error texts with the path as the direct route names it. */
const comparable = (answer: Answer): Answer => ({
  ...answer,
  body: answer.body
    .replaceAll(`${JobStatusRoute.path}/`, JobStatusRoute.path)
    .replace(/"timestamp":"[^"]*","signature":"[^"]*"/, `"timestamp":"-","signature":"-"`)
    .replace(/expires=\d+&signature=[\w-]+/g, "expires=-&signature=-")
})

/** Sends the same body to both entries; both answers, the HttpApi handler's first. */
const both = async (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) => {
  const text = typeof body === "string" ? body : JSON.stringify(body)
  const api = await postApi(text, headers)
  const route = await postDirect(text, headers)
  expect(comparable(route)).toEqual(comparable(api))
  return route
}

/**
 * Sends `parts` as one write each without a Content-Length (so chunked) to
 * the HttpApi handler or the direct route; the answer, or the error that
 * ended the exchange.
 */
const postChunked = (entry: "api" | "direct", parts: ReadonlyArray<string>): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const headers = { "content-type": "application/json" }
    const onResponse = (response: http.IncomingMessage) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, contentType: response.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") }))
      response.on("error", reject)
    }
    const outgoing = entry === "api"
      ? https.request(`${server.url}${JobStatusRoute.path}/`, { method: "POST", ca: server.ca, headers }, onResponse)
      : http.request(`${direct.url}${JobStatusRoute.path}`, { method: "POST", headers }, onResponse)
    outgoing.on("error", reject)
    for (const part of parts) outgoing.write(part)
    outgoing.end()
  })

/** Sends the same chunked body to both entries; both answers compared, the direct route's returned. */
const bothChunked = async (parts: ReadonlyArray<string>) => {
  const api = await postChunked("api", parts)
  const route = await postChunked("direct", parts)
  expect(comparable(route)).toEqual(comparable(api))
  return route
}

/** The JSON of a 200 answer. */
const answerOf = (answer: Answer): unknown => {
  expect(answer.status, answer.body).toBe(200)
  return JSON.parse(answer.body)
}

/** `text` followed by blanks up to `bytes` bytes: still the same JSON. */
const padded = (text: string, bytes: number) => text + " ".repeat(bytes - Buffer.byteLength(text))

const submit = async (userId: string, jobId: string, upload: boolean) => {
  const prep = await postJson(server, "/v1/upload", prepUploadBody({ userId, jobId, jobType: 4 }))
  expect(prep.status, prep.text).toBe(200)
  if (upload) {
    const put = await request(server.ca, "PUT", prep.json().upload_url, jobZip({ userId, jobId, jobType: 4 }), { "content-type": "application/zip" })
    expect(put.status, put.text).toBe(200)
  }
}

describe("POST /v1/job_status: the direct route answers as the HttpApi handler", () => {
  it("a completed job, with and without history and image links", async () => {
    await submit("direct-user-1", "direct-job-1", true)
    const plain = await both(jobStatusBody({ userId: "direct-user-1", jobId: "direct-job-1" }))
    expect(plain.status).toBe(200)
    expect(plain.contentType).toBe("application/json")
    expect(JSON.parse(plain.body)).toMatchObject({ job_complete: true, job_success: true, code: "2302" })
    const full = await both(jobStatusBody({ userId: "direct-user-1", jobId: "direct-job-1", history: true, imageLinks: true }))
    expect(Object.keys(JSON.parse(full.body))).toEqual([
      "timestamp", "signature", "job_complete", "job_success", "code", "result", "history", "image_links"
    ])
  })

  it("a job without its zip (2314, No zip uploaded)", async () => {
    await submit("direct-user-2", "direct-job-2", false)
    const answer = await both(jobStatusBody({ userId: "direct-user-2", jobId: "direct-job-2" }))
    expect(JSON.parse(answer.body)).toMatchObject({ code: "2314", result: "No zip uploaded" })
  })

  it("a job accepted but never started is started when polled, by either entry", async () => {
    await submit("direct-user-3", "direct-job-3", false)
    const job = await server.run(Effect.flatMap(JobStore, (jobs) => jobs.findByJobId(Ids.PartnerId.make("001"), Ids.JobId.make("direct-job-3"))))
    if (Option.isNone(job)) throw new Error("the job was not stored")
    await server.run(Effect.flatMap(JobStore, (jobs) => jobs.update({ ...job.value, state: "Uploaded", timeline: { ...job.value.timeline, uploadedAt: Date.now() } })))
    const answer = await postDirect(JSON.stringify(jobStatusBody({ userId: "direct-user-3", jobId: "direct-job-3" })), { "content-type": "application/json" })
    expect(JSON.parse(answer.body)).toMatchObject({ code: "2302", result: UseCases.JobStatus.processing })
    const started = await server.run(Effect.flatMap(JobStore, (jobs) => jobs.findByJobId(Ids.PartnerId.make("001"), Ids.JobId.make("direct-job-3"))))
    expect(Option.map(started, (stored) => stored.state)).toEqual(Option.some("Completed" satisfies Job.JobStateName))
  })

  it.each([
    ["2204, another Content-Type", "{}", { "content-type": "text/plain" }],
    ["2204, no Content-Type", "{}", {}],
    ["2204, text that is not JSON", "{not json", { "content-type": "application/json" }],
    ["2213, an empty body", "", { "content-type": "application/json; charset=utf-8" }],
    ["2213, an unsigned body", JSON.stringify({ user_id: "u", job_id: "j" }), { "content-type": "application/json" }]
  ])("%s", async (_name, body, headers) => {
    const answer = await both(body, headers)
    expect(answer.status).toBe(400)
  })

  it("2205 for a wrong signature, an unknown partner, a stale timestamp and another user's job; 2204 once a bad body authenticates", async () => {
    await submit("direct-user-4", "direct-job-4", true)
    const body = jobStatusBody({ userId: "direct-user-4", jobId: "direct-job-4" })
    const cases = [
      { ...body, signature: signed("001", "not-the-key").signature },
      { ...body, partner_id: "999", ...signed("999", "test-api-key") },
      { ...body, ...signed("001", "test-api-key", new Date(Date.now() - 3 * 86_400_000)) },
      { ...body, user_id: "someone-else" },
      { ...body, job_id: "no-such-job" }
    ]
    for (const wrong of cases) {
      const answer = await both(wrong)
      expect(answer.status, answer.body).toBe(401)
      expect(JSON.parse(answer.body).code).toBe("2205")
    }
    const unsignedBadType = await both({ ...body, history: "yes", signature: "x" })
    expect(JSON.parse(unsignedBadType.body).code).toBe("2205")
    const badType = await both({ ...body, history: "yes" })
    expect(JSON.parse(badType.body).code).toBe("2204")
  })

  it("413 (2204) for a body over --max-json-bytes, declared or chunked, naming the limit and the flag; a body at the limit is read", async () => {
    await submit("direct-user-7", "direct-job-7", false)
    const body = JSON.stringify(jobStatusBody({ userId: "direct-user-7", jobId: "direct-job-7" }))
    const expectTooLarge = (answer: Answer) => {
      expect(answer.status, answer.body).toBe(413)
      expect(answer.contentType).toBe("application/json")
      const json = JSON.parse(answer.body)
      expect(Object.keys(json)).toEqual(["code", "error"])
      expect(json.code).toBe("2204")
      expect(json.error).toBe(
        "Error - A parameter is of the wrong data type: the /v1/job_status body is larger than this server accepts (4096 bytes); " +
          "send a smaller JSON body, or raise the limit with the server's --max-json-bytes option (SELFIE_AUTH_MAX_JSON_BYTES)"
      )
    }

    // A Content-Length over the limit; a chunked body of 6000 bytes in three writes (over the limit, under twice it).
    expectTooLarge(await both(padded(body, maxJsonBytes + 1)))
    expectTooLarge(await bothChunked([padded(body, 2000), " ".repeat(2000), " ".repeat(2000)]))

    // Exactly at the limit, declared or chunked: read and answered.
    const atLimit = await both(padded(body, maxJsonBytes))
    expect(answerOf(atLimit)).toMatchObject({ code: "2314", result: "No zip uploaded" })
    const half = maxJsonBytes / 2
    const atLimitChunked = await bothChunked([padded(body, half), " ".repeat(half)])
    expect(answerOf(atLimitChunked)).toMatchObject({ code: "2314", result: "No zip uploaded" })
  })

  it("a client that keeps sending past twice the limit is cut off, and both entries keep serving", async () => {
    await submit("direct-user-8", "direct-job-8", false)
    const body = JSON.stringify(jobStatusBody({ userId: "direct-user-8", jobId: "direct-job-8" }))
    const flood = [body, ...Array.from({ length: 64 }, () => " ".repeat(maxJsonBytes))]
    for (const entry of ["api", "direct"] as const) {
      // The refusal comes as soon as the body passes twice the limit, before the client is done; it may lose it to a reset.
      const outcome = await postChunked(entry, flood).then((answer) => String(answer.status), (error: NodeJS.ErrnoException) => error.code)
      expect(["413", "ECONNRESET", "EPIPE"]).toContain(outcome)
      const next = await postChunked(entry, [body])
      expect(answerOf(next)).toMatchObject({ code: "2314", result: "No zip uploaded" })
    }
  })

  it("2201 for a failure inside the server, its cause logged and never sent", async () => {
    const answer = await both(jobStatusBody({ userId: "direct-user-5", jobId: "explode" }))
    expect(answer.status).toBe(500)
    expect(JSON.parse(answer.body).code).toBe("2201")
    expect(answer.body).not.toContain("fire")
  })
})

describe("POST /v1/job_status on SQLite: the direct route reads each committed change at once", () => {
  it("answers the job as the store holds it after every write, this connection's or another one's", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-direct-sqlite-"))
    const filename = path.join(folder, SqlDatabase.sqliteFileName)
    const scope = Effect.runSync(Scope.make())
    try {
      const backend = await server.run(Effect.context<JobStore>())
      const partners = await Effect.runPromise(loadPartners(`${server.dataDir}/partners.json`))
      const store = JobStoreSql.layer.pipe(Layer.provide(SqlDatabase.layerSqlite({ filename })), Layer.orDie)
      const services = Layer.mergeAll(
        store,
        Layer.succeed(JobPipeline, Context.unsafeGet(backend, JobPipeline)),
        Partners.layer(partners),
        SignerNode.layer,
        Layer.succeed(HttpSettings, {
          baseUrl: server.url,
          environment: "sandbox",
          uploadUrlTtl: Duration.hours(1),
          maxUploadBytes: 20 * 1024 * 1024,
          maxJsonBytes,
          linkSecret: await Effect.runPromise(DataDir.uploadUrlSecret(server.dataDir))
        })
      )
      const listener = http.createServer()
      const context = await Effect.runPromise(Layer.buildWithScope(
        Layer.merge(store, JobStatusRoute.layer.pipe(Layer.provide(services), Layer.provideMerge(Listener.layer(listener, { port: 0, host: "127.0.0.1" })))),
        scope
      ))
      // A second connection to the file, as a second server process would have.
      const otherProcess = await Effect.runPromise(Layer.buildWithScope(store, scope))
      const jobs = Context.get(context, JobStore)
      const elsewhere = Context.get(otherProcess, JobStore)
      const url = `${Listener.listeningUrl(listener, false)}${JobStatusRoute.path}`
      const poll = async () => {
        const body = JSON.stringify(jobStatusBody({ userId: "sqlite-user", jobId: "sqlite-job" }))
        const answer = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body })
        return { status: answer.status, json: await answer.json() as Record<string, unknown> }
      }

      expect((await poll()).json).toMatchObject({ code: "2205" })
      const created = await Effect.runPromise(jobs.insert(newJob({ partnerId: Ids.PartnerId.make("001"), userId: "sqlite-user", jobId: "sqlite-job" })))
      expect(await poll()).toMatchObject({ status: 200, json: { code: "2314", job_complete: false, result: "No zip uploaded" } })
      const processing = await Effect.runPromise(jobs.update({
        ...created,
        state: "Processing",
        timeline: { ...created.timeline, uploadedAt: created.timeline.createdAt + 1, processingStartedAt: created.timeline.createdAt + 2 }
      }))
      expect(await poll()).toMatchObject({ status: 200, json: { code: "2302", job_complete: false, result: "Processing" } })
      await Effect.runPromise(elsewhere.update({ ...processing, state: "Failed", timeline: { ...processing.timeline, failedAt: processing.timeline.createdAt + 3 } }))
      expect(await poll()).toMatchObject({ status: 200, json: { code: "2302", job_complete: true, job_success: false } })
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      fs.rmSync(folder, { recursive: true, force: true })
    }
  })
})

describe("draining", () => {
  it("a direct job_status request in flight when draining starts is answered before the server closes", async () => {
    await submit("direct-user-6", "slow", true)
    // The order that matters is the server's: its response finished before it closed. The client reads
    // the answer on the same event loop, possibly a turn after the server closed the finished connection.
    let drained = false
    let finishedBeforeDrained: boolean | undefined
    const onRequest = (_request: http.IncomingMessage, response: http.ServerResponse) =>
      response.on("finish", () => (finishedBeforeDrained = !drained))
    server.running.server.on("request", onRequest)
    const startedAt = Date.now()
    const pending = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify(jobStatusBody({ userId: "direct-user-6", jobId: "slow" }))
      const outgoing = https.request(`${server.url}${JobStatusRoute.path}`, {
        method: "POST",
        ca: server.ca,
        agent: new https.Agent({ keepAlive: true, ca: server.ca }),
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }
      }, (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }))
      })
      outgoing.on("error", reject)
      outgoing.end(body)
    })
    try {
      // What SIGTERM runs (Cli.ts): stop accepting, let in-flight requests finish, then close.
      await new Promise((resolve) => setTimeout(resolve, 300))
      const draining = Effect.runPromise(Listener.drain(server.running.server, 10_000)).then(() => {
        drained = true
      })
      const answer = await pending
      await draining
      // A connection cut by the drain would have failed the request; this one was answered whole.
      expect(answer.status, answer.body).toBe(200)
      expect(JSON.parse(answer.body)).toMatchObject({ code: "2302", job_complete: true })
      expect(finishedBeforeDrained).toBe(true)
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1500)
      expect(server.running.server.listening).toBe(false)
    } finally {
      server.running.server.off("request", onRequest)
    }
  })
})
