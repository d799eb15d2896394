import { createRequire } from "node:module"
import { assert, describe, it } from "@effect/vitest"
import { CallbackDelivery, OutboundPolicy, RetrySchedule, VerifyCallback } from "@selfie-auth/adapter-callback"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { Deferred, Duration, Effect, Either, Exit, Fiber, Logger, LogLevel, Redacted, TestClock } from "effect"
import { freePort, partnerEndpoint, status } from "./PartnerEndpoint.js"
import * as V from "./vectors.js"

const require = createRequire(import.meta.url)
const { Signature: OfficialSignature } = require("smile-identity-core") as {
  readonly Signature: new(partnerId: string, apiKey: string) => {
    confirm_signature(timestamp: string, signature: string): boolean
  }
}

/** Short delays so a real schedule fires within a test. */
const quickSchedule = (...millis: ReadonlyArray<number>) =>
  Either.getOrThrow(RetrySchedule.make(millis.map((value) => Duration.millis(value))))

const local = { policy: OutboundPolicy.localEvaluation }

const request = (url: string): CallbackDelivery.DeliveryRequest => ({
  url,
  deliveryId: CallbackDelivery.deliveryIdOf(V.sampleResult),
  result: V.sampleResult,
  partnerId: V.partnerId,
  apiKey: V.apiKey
})

describe("the signed body", () => {
  it.effect("is byte for byte the known callback body when signed at the known instant", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(V.signedAtMillis)
      const { body, signedAtMillis } = yield* CallbackDelivery.signedBody({
        result: V.sampleResult,
        partnerId: V.partnerId,
        apiKey: V.apiKey
      })
      assert.strictEqual(new TextDecoder().decode(body), V.callbackBody)
      assert.strictEqual(signedAtMillis, V.signedAtMillis)
      assert.strictEqual(CallbackDelivery.deliveryIdOf(V.sampleResult), V.deliveryId)
    }).pipe(Effect.provide(SignerNode.layer)))
})

describe("delivery to a real node:http endpoint", () => {
  it.live("sends the known headers for a known body and timestamp", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint(status(204))
      const attempt = yield* CallbackDelivery.send({
        url: endpoint.url,
        deliveryId: V.deliveryId,
        body: new TextEncoder().encode(V.callbackBody),
        apiKeys: [V.apiKey, V.newApiKey],
        attempt: 1,
        timestampSeconds: V.webhookTimestamp
      }, local)
      assert.strictEqual(attempt.outcome._tag, "Delivered")
      const [received] = endpoint.received
      assert.strictEqual(received?.body, V.callbackBody)
      assert.strictEqual(received?.headers["content-type"], "application/json")
      assert.strictEqual(received?.headers["webhook-id"], V.deliveryId)
      assert.strictEqual(received?.headers["webhook-timestamp"], String(V.webhookTimestamp))
      assert.strictEqual(received?.headers["webhook-signature"], `${V.bodySignature} ${V.bodySignatureNewKey}`)
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("arrives once an endpoint that answered 503 is back, with the same delivery id", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint((_request, index, response) => {
        response.writeHead(index < 2 ? 503 : 200).end(index < 2 ? "maintenance" : "ok")
      })
      const report = yield* CallbackDelivery.deliver(request(endpoint.url), { ...local, schedule: quickSchedule(0, 50, 50, 50, 50) })
      assert.strictEqual(report.outcome._tag, "Delivered")
      assert.deepStrictEqual(report.attempts.map((attempt) => attempt.status), [503, 503, 200])
      assert.deepStrictEqual(report.attempts.map((attempt) => attempt.number), [1, 2, 3])
      assert.strictEqual(report.attempts[0]?.response?.text, "maintenance")
      assert.deepStrictEqual(endpoint.received.map((received) => received.headers["webhook-id"]), [V.deliveryId, V.deliveryId, V.deliveryId])

      // What arrived is a callback the partner side accepts, and the official SDK too.
      const official = new OfficialSignature(V.partnerId, Redacted.value(V.apiKey))
      for (const received of endpoint.received) {
        const verified = yield* VerifyCallback.verifyCallback(received, { apiKey: V.apiKey, partnerId: V.partnerId })
        assert.isTrue(verified.bodyBound)
        assert.strictEqual(verified.deliveryId, V.deliveryId)
        const body = JSON.parse(received.body) as { timestamp: string; signature: string }
        assert.isTrue(official.confirm_signature(body.timestamp, body.signature))
        assert.isFalse(new OfficialSignature("002", Redacted.value(V.apiKey)).confirm_signature(body.timestamp, body.signature))
      }
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("arrives once an endpoint that refused connections is listening again", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const url = `http://127.0.0.1:${port}/smile/callback`
      // deliver logs each attempt at debug level: start the endpoint once the first attempt has been refused.
      const firstAttempt = yield* Deferred.make<void>()
      const watcher = Logger.make(({ message }) => {
        if (String(message).includes("attempt 1:")) Deferred.unsafeDone(firstAttempt, Exit.void)
      })
      const delivery = yield* Effect.fork(
        CallbackDelivery.deliver(request(url), { ...local, schedule: quickSchedule(0, 400, 400, 400) }).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, watcher)),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
      )
      yield* Deferred.await(firstAttempt)
      const endpoint = yield* partnerEndpoint(status(200), port)
      const report = yield* Fiber.join(delivery)
      assert.strictEqual(report.outcome._tag, "Delivered")
      const first = report.attempts[0]?.outcome
      assert.deepStrictEqual(first?._tag === "NetworkError" && first.code, "ECONNREFUSED")
      assert.strictEqual(report.attempts.at(-1)?.status, 200)
      assert.strictEqual(endpoint.received.length, 1)
      assert.strictEqual(endpoint.received[0]?.headers["webhook-id"], V.deliveryId)
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("stops for good at 410 Gone", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint(status(410))
      const report = yield* CallbackDelivery.deliver(request(endpoint.url), { ...local, schedule: quickSchedule(0, 10, 10, 10) })
      assert.strictEqual(report.outcome._tag, "Gone")
      assert.strictEqual(report.attempts.length, 1)
      assert.strictEqual(endpoint.received.length, 1)
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("records the failure after the last attempt when the endpoint keeps failing", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint(status(500, "boom"))
      const report = yield* CallbackDelivery.deliver(request(endpoint.url), { ...local, schedule: quickSchedule(0, 10, 10) })
      assert.strictEqual(report.outcome._tag, "Exhausted")
      assert.deepStrictEqual(report.attempts.map((attempt) => attempt.outcome._tag), ["HttpError", "HttpError", "HttpError"])
      assert.strictEqual(endpoint.received.length, 3)
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("times out a slow endpoint", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint(() => {}) // never answers
      const attempt = yield* CallbackDelivery.attemptDelivery({ ...request(endpoint.url), attempt: 1 }, { ...local, timeout: "200 millis" })
      assert.strictEqual(attempt.outcome._tag, "TimedOut")
      assert.isAtLeast(attempt.latencyMillis, 190)
      assert.isBelow(attempt.latencyMillis, 2000)
      assert.strictEqual(attempt.summary, "attempt 1: no answer within 200 ms")
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("lets a status that arrived decide even when the body stalls past the timeout", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint((_request, _index, response) => {
        response.writeHead(200, { "content-type": "text/plain" })
        response.write("accepted, still talking")
      })
      const attempt = yield* CallbackDelivery.attemptDelivery({ ...request(endpoint.url), attempt: 1 }, { ...local, timeout: "200 millis" })
      assert.strictEqual(attempt.outcome._tag, "Delivered")
      assert.deepStrictEqual(attempt.response, { bytesRead: 23, truncated: true, text: "accepted, still talking" })
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("reads at most the cap of a huge answer", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint((_request, _index, response) => {
        response.writeHead(200, { "content-type": "text/plain" })
        response.end("x".repeat(8 * 1024 * 1024))
      })
      const attempt = yield* CallbackDelivery.attemptDelivery(
        { ...request(endpoint.url), attempt: 1 },
        { ...local, maxResponseBytes: 1024 }
      )
      assert.strictEqual(attempt.outcome._tag, "Delivered")
      assert.strictEqual(attempt.response?.bytesRead, 1024)
      assert.strictEqual(attempt.response?.text.length, 1024)
      assert.isTrue(attempt.response?.truncated)
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("refuses a loopback or private URL unless the policy allows it, sending nothing", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint(status(200))
      const strict = yield* CallbackDelivery.deliver(request(endpoint.url), { schedule: quickSchedule(0, 10) })
      assert.strictEqual(strict.outcome._tag, "Refused")
      assert.strictEqual(strict.attempts.length, 1)
      assert.strictEqual(endpoint.received.length, 0)
      const privateNet = yield* CallbackDelivery.attemptDelivery({ ...request("http://10.20.30.40/cb"), attempt: 1 }, local)
      const outcome = privateNet.outcome
      assert.isTrue(outcome._tag === "Refused" && outcome.detail.includes("private-network address"))
      const allowed = yield* CallbackDelivery.deliver(request(endpoint.url), { ...local, schedule: quickSchedule(0) })
      assert.strictEqual(allowed.outcome._tag, "Delivered")
      assert.strictEqual(endpoint.received.length, 1)
    }).pipe(Effect.scoped, Effect.provide(SignerNode.layer)))

  it.live("retries a host that does not resolve (it may resolve later) instead of giving up", () =>
    Effect.gen(function*() {
      const attempt = yield* CallbackDelivery.attemptDelivery({ ...request("http://no-such-host.invalid/cb"), attempt: 1 }, local)
      const outcome = attempt.outcome
      assert.isTrue(outcome._tag === "NetworkError" && outcome.detail.includes("does not resolve"))
    }).pipe(Effect.provide(SignerNode.layer)))
})
