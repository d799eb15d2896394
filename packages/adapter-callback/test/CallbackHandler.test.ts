/**
 * The three handler forms (node:http, fetch-style, Effect HttpApp) answer
 * the same way: 2xx only after the handler succeeded, 4xx for a bad
 * signature without running it, 5xx when it fails, duplicates 2xx without
 * re-running. Callbacks are signed with the current time (the handlers read
 * the real clock).
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { HttpApp } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import {
  CallbackDelivery,
  CallbackHandler,
  OutboundPolicy,
  RetrySchedule,
  SeenDeliveries,
  type VerifyCallback,
  WebhookSignature
} from "@selfie-auth/adapter-callback"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { Duration, Effect, Either, Layer, Redacted } from "effect"
import * as V from "./vectors.js"

interface Sent {
  readonly body: string
  readonly headers: Record<string, string>
}

interface Answer {
  readonly status: number
  readonly json: Record<string, string>
}

/** A freshly signed callback of the sample result, as our server sends it. */
const signedNow = (deliveryId = `dlv_${Math.random().toString(36).slice(2)}`) =>
  Effect.gen(function*() {
    const { body, signedAtMillis } = yield* CallbackDelivery.signedBody({ result: V.sampleResult, partnerId: V.partnerId, apiKey: V.apiKey })
    const timestampSeconds = Math.floor(signedAtMillis / 1000)
    const signature = yield* WebhookSignature.sign([V.apiKey], { id: deliveryId, timestampSeconds, body })
    return {
      body: new TextDecoder().decode(body),
      headers: { "content-type": "application/json", "webhook-id": deliveryId, "webhook-timestamp": String(timestampSeconds), "webhook-signature": signature }
    } satisfies Sent
  }).pipe(Effect.provide(SignerNode.layer))

const toAnswer = async (response: Response): Promise<Answer> => ({
  status: response.status,
  json: (await response.json()) as Record<string, string>
})

const asRequest = (sent: Sent, method = "POST") =>
  new Request("http://partner.test/smile/callback", method === "POST" ? { method, body: sent.body, headers: sent.headers } : { method })

type Form = (onResult: (callback: VerifyCallback.VerifiedCallback) => Promise<void>) => Effect.Effect<
  { readonly url?: string; readonly send: (sent: Sent, method?: string) => Promise<Answer> },
  never,
  import("effect").Scope.Scope
>

const options = { apiKey: V.apiKey, partnerId: V.partnerId, maxBodyBytes: 64 * 1024 }

const forms: ReadonlyArray<readonly [string, Form]> = [
  ["node:http", (onResult) =>
    Effect.acquireRelease(
      Effect.async<{ server: Http.Server; handler: ReturnType<typeof CallbackHandler.toNodeHandler> }>((resume) => {
        const handler = CallbackHandler.toNodeHandler(options, onResult)
        const server = Http.createServer(handler)
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, handler })))
      }),
      ({ handler, server }) =>
        Effect.promise(async () => {
          server.closeAllConnections()
          await new Promise((resolve) => server.close(resolve))
          await handler.dispose()
        })
    ).pipe(Effect.map(({ server }) => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/smile/callback`
      return {
        url,
        send: async (sent: Sent, method = "POST") =>
          toAnswer(await fetch(url, method === "POST" ? { method, body: sent.body, headers: sent.headers } : { method }))
      }
    }))],
  ["fetch-style", (onResult) =>
    Effect.acquireRelease(
      Effect.sync(() => CallbackHandler.toFetchHandler(options, onResult)),
      (handler) => Effect.promise(() => handler.dispose())
    ).pipe(Effect.map((handler) => ({ send: async (sent: Sent, method?: string) => toAnswer(await handler(asRequest(sent, method))) })))],
  ["Effect HttpApp", (onResult) =>
    Effect.acquireRelease(
      Effect.sync(() =>
        HttpApp.toWebHandlerLayer(
          CallbackHandler.toHttpApp(options, (callback) => Effect.promise(() => onResult(callback))),
          Layer.mergeAll(SignerNode.layer, SeenDeliveries.layerMemory())
        )
      ),
      (web) => Effect.promise(() => web.dispose())
    ).pipe(Effect.map((web) => ({ send: async (sent: Sent, method?: string) => toAnswer(await web.handler(asRequest(sent, method))) })))]
]

for (const [name, form] of forms) {
  describe(`CallbackHandler (${name})`, () => {
    it.live("answers 200 after the handler ran, and 200 duplicate without running it again", () =>
      Effect.gen(function*() {
        const seen: Array<VerifyCallback.VerifiedCallback> = []
        const endpoint = yield* form(async (callback) => void seen.push(callback))
        const sent = yield* signedNow()
        const first = yield* Effect.promise(() => endpoint.send(sent))
        assert.deepStrictEqual(first, { status: 200, json: { status: "accepted", deliveryId: sent.headers["webhook-id"] ?? "" } })
        assert.strictEqual(seen.length, 1)
        assert.strictEqual(seen[0]?.category, "approved")
        const again = yield* Effect.promise(() => endpoint.send(sent))
        assert.deepStrictEqual([again.status, again.json.status], [200, "duplicate"])
        assert.strictEqual(seen.length, 1)
      }).pipe(Effect.scoped))

    it.live("answers 401 to a tampered body and to a wrong key, never running the handler", () =>
      Effect.gen(function*() {
        let runs = 0
        const endpoint = yield* form(async () => void runs++)
        const sent = yield* signedNow()
        const tampered = yield* Effect.promise(() => endpoint.send({ ...sent, body: sent.body.replace("\"0840\"", "\"0841\"") }))
        assert.deepStrictEqual([tampered.status, tampered.json.error], [401, "BodyAltered"])
        const other = yield* CallbackDelivery.signedBody({ result: V.sampleResult, partnerId: V.partnerId, apiKey: Redacted.make("not-the-key") })
        const wrongKey = yield* Effect.promise(() => endpoint.send({ body: new TextDecoder().decode(other.body), headers: { "content-type": "application/json" } }))
        assert.deepStrictEqual([wrongKey.status, wrongKey.json.error], [401, "WrongKey"])
        const notJson = yield* Effect.promise(() => endpoint.send({ body: "ResultCode=0840", headers: {} }))
        assert.deepStrictEqual([notJson.status, notJson.json.error], [400, "NotJson"])
        assert.strictEqual(runs, 0)
      }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

    it.live("answers 401 to a replayed old delivery", () =>
      Effect.gen(function*() {
        let runs = 0
        const endpoint = yield* form(async () => void runs++)
        // The known sample, signed in 2024: its signatures are right, its time is long past.
        const replay = yield* Effect.promise(() => endpoint.send({ body: V.callbackBody, headers: V.sampleHeaders }))
        assert.deepStrictEqual([replay.status, replay.json.error], [401, "ClockSkew"])
        assert.match(replay.json.message ?? "", /timestamp is \d+ s old, beyond the tolerance of 300 s/)
        assert.strictEqual(runs, 0)
      }).pipe(Effect.scoped))

    it.live("answers 500 when the handler fails, and runs it again on the retry", () =>
      Effect.gen(function*() {
        let runs = 0
        const endpoint = yield* form(async () => {
          runs++
          if (runs === 1) throw new Error("database unavailable")
        })
        const sent = yield* signedNow()
        const failed = yield* Effect.promise(() => endpoint.send(sent))
        assert.deepStrictEqual([failed.status, failed.json.error], [500, "HandlerFailed"])
        assert.notInclude(failed.json.message ?? "", "database")
        const retried = yield* Effect.promise(() => endpoint.send(sent))
        assert.deepStrictEqual([retried.status, retried.json.status], [200, "accepted"])
        assert.strictEqual(runs, 2)
      }).pipe(Effect.scoped))

    it.live("refuses other methods and bodies above the limit", () =>
      Effect.gen(function*() {
        const endpoint = yield* form(async () => {})
        const get = yield* Effect.promise(() => endpoint.send({ body: "", headers: {} }, "GET"))
        assert.strictEqual(get.status, 405)
        const huge = yield* Effect.promise(() => endpoint.send({ body: JSON.stringify({ pad: "x".repeat(100 * 1024) }), headers: {} }))
        assert.strictEqual(huge.status, 413)
      }).pipe(Effect.scoped))
  })
}

describe("delivery into a node:http handler, end to end", () => {
  it.live("retries a 500 from a failing handler and is accepted once it succeeds, the handler succeeding once", () =>
    Effect.gen(function*() {
      const outcomes: Array<string> = []
      const handler = CallbackHandler.toNodeHandler({ apiKey: V.apiKey, partnerId: V.partnerId, requireBodySignature: true }, async (callback) => {
        if (outcomes.length === 0) {
          outcomes.push("failed")
          throw new Error("not yet")
        }
        outcomes.push(`handled ${callback.deliveryId}`)
      })
      const server = Http.createServer(handler)
      yield* Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void)))
      yield* Effect.addFinalizer(() =>
        Effect.promise(async () => {
          server.closeAllConnections()
          await new Promise((resolve) => server.close(resolve))
          await handler.dispose()
        })
      )
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/smile/callback`
      const schedule = Either.getOrThrow(RetrySchedule.make([0, Duration.millis(30), Duration.millis(30)]))
      const report = yield* CallbackDelivery.deliver(
        { url, deliveryId: V.deliveryId, result: V.sampleResult, partnerId: V.partnerId, apiKey: V.apiKey },
        { policy: OutboundPolicy.localEvaluation, schedule }
      )
      assert.strictEqual(report.outcome._tag, "Delivered")
      assert.deepStrictEqual(report.attempts.map((attempt) => attempt.status), [500, 200])
      assert.deepStrictEqual(outcomes, ["failed", `handled ${V.deliveryId}`])
      assert.include(report.attempts[1]?.response?.text ?? "", "\"accepted\"")
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))
})
