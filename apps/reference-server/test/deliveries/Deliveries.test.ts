/**
 * Issue 6, the missed-callback side, end to end: the real pipeline steps
 * deliver a job's result over node:http to a partner endpoint that is down for
 * every attempt of a shortened schedule; each attempt and the delivery's
 * failure are recorded in the DeliveryLog (SQLite); `POST /v1/deliveries`
 * shows them; once the endpoint is back, `POST /v1/deliveries/replay` delivers
 * the result under the same delivery id, and the partner verifies it with
 * adapter-callback's `verifyCallback`.
 *
 * The routes are mounted here on a bare `HttpApiBuilder.serve()` (the
 * server's own `Http.ts` mounts them in production).
 */
import { HttpApi, HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { VerifyCallback } from "@selfie-auth/adapter-callback"
import { DeliveryLogSql, SqlDatabase } from "@selfie-auth/adapter-sql"
import { Decision, Ids, JobStore } from "@selfie-auth/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import type { Scope } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { DeliveryRoutes } from "../../src/deliveries/index.js"
import { parsePartnersFile, Partners } from "../../src/Partners.js"
import { JobPipeline, JobPipelineWorkflow, PipelineStepsLive } from "../../src/pipeline/index.js"
import type { PipelineStatus } from "../../src/pipeline/index.js"
import { apiKey, partnerId, portsLayer, seedUploadedAuthentication } from "../pipeline/LiveBackend.js"
import { sign, signed } from "../support/Signing.js"

const apiKeyText = Redacted.value(apiKey)
const otherPartner = { partnerId: "002", apiKey: "second-partner-key" }

/** A partner's callback endpoint on a fixed loopback port that can be taken down and brought back. */
const partnerEndpoint = Effect.acquireRelease(
  Effect.async<{
    readonly url: string
    readonly received: Array<{ readonly body: string; readonly headers: http.IncomingHttpHeaders }>
    readonly up: Effect.Effect<void>
    readonly down: Effect.Effect<void>
  }>((resume) => {
    const received: Array<{ readonly body: string; readonly headers: http.IncomingHttpHeaders }> = []
    const server = http.createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        received.push({ body: Buffer.concat(chunks).toString("utf8"), headers: request.headers })
        response.writeHead(200, { "content-type": "text/plain" }).end("ok")
      })
    })
    // Take a free port, then close it: the endpoint starts down.
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port
      server.close(() =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}/smile/callback`,
          received,
          up: Effect.async<void>((done) => void server.listen(port, "127.0.0.1", () => done(Effect.void))),
          down: Effect.async<void>((done) => void (server.listening ? server.close(() => done(Effect.void)) : done(Effect.void)))
        }))
      )
    })
  }),
  (endpoint) => endpoint.down
)

const partners = Either.getOrThrow(parsePartnersFile(
  JSON.stringify([
    { partnerId: "001", apiKey: apiKeyText, callbackPolicy: "local-evaluation" },
    { ...otherPartner, callbackPolicy: "local-evaluation" }
  ]),
  "test partners"
))

/** The pipeline (real steps, real HTTP callbacks, journal and stores on SQLite) and the deliveries routes on a loopback port. */
const world = (folder: string, callbackRetryDelays: ReadonlyArray<Duration.DurationInput> = ["100 millis", "100 millis"]) => {
  // In the stores' database, as in the product (the stores' migrations run once, on whichever connection comes first).
  const deliveryLog = DeliveryLogSql.layer.pipe(
    Layer.provide(SqlDatabase.layerSqlite({ filename: path.join(folder, SqlDatabase.sqliteFileName) })),
    Layer.orDie
  )
  const ports = Layer.mergeAll(portsLayer(folder), deliveryLog)
  const pipeline = JobPipelineWorkflow.layer({
    storage: { _tag: "Sqlite", dataDirectory: folder },
    timing: { callbackRetryDelays, stepRetryDelays: ["100 millis"], inMemoryThreshold: Duration.zero }
  }).pipe(
    Layer.provide(PipelineStepsLive.layer({
      thresholds: Decision.defaultThresholds,
      apiKeyOf: (id) => Effect.succeed(id === partnerId ? Option.some(apiKey) : Option.none())
    })),
    Layer.provideMerge(ports),
    Layer.orDie
  )
  const routes = HttpApiBuilder.serve().pipe(
    Layer.provide(DeliveryRoutes.layer),
    Layer.provide(HttpApiBuilder.api(HttpApi.make("deliveries-test"))),
    Layer.provideMerge(NodeHttpServer.layer(() => http.createServer(), { port: 0, host: "127.0.0.1" }))
  )
  return routes.pipe(
    Layer.provideMerge(Layer.mergeAll(pipeline, Partners.layer(partners))),
    Layer.orDie
  )
}

type World = Layer.Layer.Success<ReturnType<typeof world>>

const run = <A, E>(body: Effect.Effect<A, E, World | Scope.Scope>, callbackRetryDelays?: ReadonlyArray<Duration.DurationInput>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-deliveries-"))),
    (folder) => Effect.scoped(Effect.provide(body, world(folder, callbackRetryDelays))),
    (folder) => Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))
  )

/** POSTs a JSON body to the routes, as a partner would. */
const post = (route: string, body: unknown) =>
  Effect.gen(function*() {
    const address = (yield* HttpServer.HttpServer).address
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("the routes listen on TCP")
    const response = yield* Effect.promise(() =>
      fetch(`http://127.0.0.1:${address.port}${route}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body)
      })
    )
    return { status: response.status, json: (yield* Effect.promise(() => response.json())) as any }
  })

let signedAt = Date.now()
/** A body signed by partner 001 (distinct milliseconds each time, so replays never share a signature). */
const signedBody = (fields: Record<string, unknown>, partner = { partnerId: "001", apiKey: apiKeyText }) => ({
  partner_id: partner.partnerId,
  ...signed(partner.partnerId, partner.apiKey, new Date(Math.max(Date.now(), ++signedAt))),
  ...fields
})

const settled = (smileJobId: Ids.SmileJobId) =>
  Effect.gen(function*() {
    const pipeline = yield* JobPipeline
    for (;;) {
      const status: PipelineStatus = yield* pipeline.status({ partnerId, smileJobId })
      if (status._tag === "Finished" || status._tag === "Failed") return status
      yield* Effect.sleep("20 millis")
    }
  }).pipe(Effect.timeout("20 seconds"))

let nextJob = 0
const newSmileJobId = () => Ids.SmileJobId.make(String(1_500_000_000 + process.pid * 10 + nextJob++).slice(-10))

describe("missed callbacks: recorded, listed and replayed", () => {
  it.live("a callback endpoint down for every attempt: the failure is recorded, listed, and a replay delivers it once the endpoint is back", () =>
    run(Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint
      const smileJobId = newSmileJobId()
      yield* seedUploadedAuthentication(smileJobId, endpoint.url)
      yield* (yield* JobPipeline).start({ partnerId, smileJobId })
      const status = yield* settled(smileJobId)
      assert.strictEqual(status._tag === "Finished" ? status.outcome.delivery : status._tag, "exhausted")
      const deliveryId = `sa_${smileJobId}_machine`

      // The list: three scheduled attempts, each refused, and the delivery's failure.
      const listed = yield* post("/v1/deliveries", signedBody({ job_id: `job-${smileJobId}` }))
      assert.strictEqual(listed.status, 200, JSON.stringify(listed.json))
      assert.strictEqual(listed.json.smile_job_id, smileJobId)
      assert.deepStrictEqual(
        listed.json.attempts.map((attempt: any) => [attempt.delivery_id, attempt.attempt, attempt.trigger, attempt.outcome, attempt.status]),
        [1, 2, 3].map((number) => [deliveryId, number, "schedule", "unreachable", null])
      )
      for (const attempt of listed.json.attempts) {
        assert.strictEqual(attempt.url, endpoint.url)
        assert.include(attempt.error, "ECONNREFUSED")
        assert.isAtLeast(attempt.latency_ms, 0)
        assert.isFalse(Number.isNaN(Date.parse(attempt.attempted_at)))
      }
      const [summary] = listed.json.deliveries
      assert.deepStrictEqual({ ...summary, failure: { ...summary.failure, failed_at: "?" } }, {
        delivery_id: deliveryId,
        state: "failed",
        attempts: 3,
        last_attempt_at: listed.json.attempts[2].attempted_at,
        failure: { reason: "exhausted", detail: summary.failure.detail, attempts: 3, failed_at: "?" }
      })
      assert.include(summary.failure.detail, "ECONNREFUSED")
      // The answer is signed as job_status answers are (checked with node:crypto, not the server's Signer).
      assert.strictEqual(listed.json.signature, sign("001", apiKeyText, listed.json.timestamp))
      assert.strictEqual(endpoint.received.length, 0)

      // The endpoint is back: the replay delivers, under the same delivery id, and the partner verifies it.
      yield* endpoint.up
      const replayed = yield* post("/v1/deliveries/replay", signedBody({ job_id: `job-${smileJobId}` }))
      assert.strictEqual(replayed.status, 200, JSON.stringify(replayed.json))
      assert.strictEqual(replayed.json.delivered, true)
      assert.deepStrictEqual(
        [replayed.json.delivery_id, replayed.json.attempt.attempt, replayed.json.attempt.trigger, replayed.json.attempt.status],
        [deliveryId, 4, "replay", 200]
      )
      assert.strictEqual(endpoint.received.length, 1)
      const [arrived] = endpoint.received
      assert.strictEqual(arrived?.headers["webhook-id"], deliveryId)
      const verified = yield* VerifyCallback.verifyCallback(
        { body: arrived?.body ?? "", headers: arrived?.headers as Record<string, string> },
        { apiKey, partnerId: "001" }
      )
      assert.deepStrictEqual(
        [verified.deliveryId, verified.bodyBound, verified.resultCode, verified.smileJobId],
        [deliveryId, true, "0820", smileJobId]
      )

      const after = yield* post("/v1/deliveries", signedBody({ job_id: `job-${smileJobId}` }))
      assert.deepStrictEqual(
        after.json.deliveries.map((delivery: any) => [delivery.state, delivery.attempts, delivery.failure?.reason]),
        [["delivered", 4, "exhausted"]]
      )
      assert.deepStrictEqual(after.json.attempts.map((attempt: any) => attempt.outcome), ["unreachable", "unreachable", "unreachable", "delivered"])
    })), 60_000)

  it.live("refuses what cannot be listed or replayed, and says why", () =>
    run(Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint
      yield* endpoint.up
      const smileJobId = newSmileJobId()
      yield* seedUploadedAuthentication(smileJobId, endpoint.url)
      const jobId = `job-${smileJobId}`

      // Not started yet: no result to replay.
      const early = yield* post("/v1/deliveries/replay", signedBody({ job_id: jobId }))
      assert.deepStrictEqual([early.status, early.json.reason], [409, "NoResult"])
      assert.include(early.json.error, "has no result yet")

      yield* (yield* JobPipeline).start({ partnerId, smileJobId })
      yield* settled(smileJobId)

      // Another partner cannot see the job; an unknown job is a 404.
      const intruder = yield* post("/v1/deliveries", signedBody({ job_id: jobId }, otherPartner))
      assert.deepStrictEqual([intruder.status, intruder.json.reason], [404, "JobNotFound"])
      const unknown = yield* post("/v1/deliveries", signedBody({ job_id: "no-such-job" }))
      assert.deepStrictEqual([unknown.status, unknown.json.reason], [404, "JobNotFound"])

      // Authentication before anything else.
      const missing = yield* post("/v1/deliveries", { partner_id: "001", job_id: jobId })
      assert.deepStrictEqual([missing.status, missing.json.code], [400, "2213"])
      assert.include(missing.json.error, "signature, timestamp missing")
      const forged = yield* post("/v1/deliveries", { ...signedBody({ job_id: jobId }), signature: sign("001", "wrong-key", new Date().toISOString()) })
      assert.deepStrictEqual([forged.status, forged.json.code], [401, "2205"])
      const noJobId = yield* post("/v1/deliveries", signedBody({}))
      assert.deepStrictEqual([noJobId.status, noJobId.json.code], [400, "2213"])
      const notObject = yield* post("/v1/deliveries", ["not", "an", "object"])
      assert.deepStrictEqual([notObject.status, notObject.json.code], [400, "2204"])

      // A replay's signature is single use.
      const body = signedBody({ job_id: jobId })
      assert.strictEqual((yield* post("/v1/deliveries/replay", body)).status, 200)
      const again = yield* post("/v1/deliveries/replay", body)
      assert.deepStrictEqual([again.status, again.json.code], [401, "2205"])
      assert.include(again.json.error, "already used")
      // Delivered first time, then replayed: two deliveries of the same id, both verified by the partner.
      assert.deepStrictEqual(endpoint.received.map((request) => request.headers["webhook-id"]), [`sa_${smileJobId}_machine`, `sa_${smileJobId}_machine`])

      // A job submitted without a callback URL has nothing to replay.
      const silent = newSmileJobId()
      yield* seedUploadedAuthentication(silent, endpoint.url)
      const jobs = yield* JobStore
      const stored = Option.getOrThrow(yield* jobs.findBySmileJobId(partnerId, silent))
      const { callbackUrl: _url, ...withoutCallback } = stored
      yield* jobs.update(withoutCallback)
      yield* (yield* JobPipeline).start({ partnerId, smileJobId: silent })
      yield* settled(silent)
      const noUrl = yield* post("/v1/deliveries/replay", signedBody({ job_id: `job-${silent}` }))
      assert.deepStrictEqual([noUrl.status, noUrl.json.reason], [409, "NoCallbackUrl"])
      assert.include(noUrl.json.error, "poll POST /v1/job_status")
    })), 60_000)

  it.live("refuses to replay a delivery whose scheduled attempts are still running", () =>
    run(
      Effect.gen(function*() {
        const endpoint = yield* partnerEndpoint
        const smileJobId = newSmileJobId()
        yield* seedUploadedAuthentication(smileJobId, endpoint.url)
        const pipeline = yield* JobPipeline
        yield* pipeline.start({ partnerId, smileJobId })
        // The first attempt fails; the second is an hour away.
        for (;;) {
          const listed = yield* post("/v1/deliveries", signedBody({ job_id: `job-${smileJobId}` }))
          if (listed.json.attempts.length === 1 && (yield* pipeline.status({ partnerId, smileJobId }))._tag === "Waiting") break
          yield* Effect.sleep("20 millis")
        }
        const refused = yield* post("/v1/deliveries/replay", signedBody({ job_id: `job-${smileJobId}` }))
        assert.deepStrictEqual([refused.status, refused.json.reason], [409, "DeliveryInProgress"])
        assert.include(refused.json.error, "1 attempts so far")
        const listed = yield* post("/v1/deliveries", signedBody({ job_id: `job-${smileJobId}` }))
        assert.deepStrictEqual(listed.json.deliveries.map((delivery: any) => [delivery.state, delivery.failure]), [["pending", null]])
        assert.strictEqual(endpoint.received.length, 0)
      }).pipe(Effect.timeout("20 seconds")),
      ["1 hour"]
    ), 60_000)
})
