import { createRequire } from "node:module"
import { assert, describe, it } from "@effect/vitest"
import { CallbackSenderHttp, OutboundPolicy, VerifyCallback } from "@selfie-auth/adapter-callback"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { CallbackSender, isRetryable, signNow, Wire } from "@selfie-auth/core"
import { Effect, Layer, Redacted, Schema } from "effect"
import { freePort, partnerEndpoint, status } from "./PartnerEndpoint.js"
import * as V from "./vectors.js"

const require = createRequire(import.meta.url)
const { Signature: OfficialSignature } = require("smile-identity-core") as {
  readonly Signature: new(partnerId: string, apiKey: string) => { confirm_signature(timestamp: string, signature: string): boolean }
}

const sender = (policy: OutboundPolicy.OutboundPolicy = OutboundPolicy.localEvaluation) =>
  CallbackSenderHttp.layer({ apiKeysFor: () => Effect.succeed([V.apiKey]), policy, timeout: "300 millis" }).pipe(
    Layer.provideMerge(SignerNode.layer)
  )

/** The body the pipeline hands the port: the result, signed now with `Signer.signNow`. */
const signedResult = Effect.gen(function*() {
  const signed = yield* signNow({ partnerId: V.partnerId, apiKey: V.apiKey })
  return { ...Schema.encodeSync(Wire.ResultObject.ResultObject)(V.sampleResult), ...signed }
})

describe("CallbackSenderHttp.layer (the core CallbackSender port)", () => {
  it.live("delivers a signed body that the partner side, and the official SDK, accept", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint(status(202))
      const port = yield* CallbackSender
      const attempt = yield* port.deliver({ url: endpoint.url, body: yield* signedResult, deliveryId: V.deliveryId, partnerId: V.partnerId })
      assert.strictEqual(attempt.status, 202)
      assert.strictEqual(attempt.deliveryId, V.deliveryId)
      const [received] = endpoint.received
      assert.isDefined(received)
      if (received === undefined) return
      const verified = yield* VerifyCallback.verifyCallback(received, { apiKey: V.apiKey, partnerId: V.partnerId, requireBodySignature: true })
      assert.strictEqual(verified.deliveryId, V.deliveryId)
      const body = JSON.parse(received.body) as { timestamp: string; signature: string }
      assert.isTrue(new OfficialSignature(V.partnerId, Redacted.value(V.apiKey)).confirm_signature(body.timestamp, body.signature))
    }).pipe(Effect.scoped, Effect.provide(sender())))

  it.live("maps statuses, refused connections, timeouts and the policy onto CallbackFailed", () =>
    Effect.gen(function*() {
      const port = yield* CallbackSender
      const body = yield* signedResult
      const deliver = (url: string) => Effect.flip(port.deliver({ url, body, deliveryId: V.deliveryId, partnerId: V.partnerId }))

      const gone = yield* deliver((yield* partnerEndpoint(status(410, "unsubscribed"))).url)
      assert.deepStrictEqual([gone.reason, gone.status, isRetryable(gone)], ["Rejected", 410, false])
      assert.include(gone.detail, "unsubscribed")

      const unavailable = yield* deliver((yield* partnerEndpoint(status(503))).url)
      assert.deepStrictEqual([unavailable.reason, unavailable.status, isRetryable(unavailable)], ["Rejected", 503, true])

      const refused = yield* deliver(`http://127.0.0.1:${yield* freePort}/cb`)
      assert.deepStrictEqual([refused.reason, isRetryable(refused)], ["Unreachable", true])
      assert.include(refused.detail, "ECONNREFUSED")

      const slow = yield* deliver((yield* partnerEndpoint(() => {})).url)
      assert.deepStrictEqual([slow.reason, isRetryable(slow)], ["Timeout", true])

      const metadata = yield* deliver("http://169.254.169.254/latest/meta-data/")
      assert.deepStrictEqual([metadata.reason, isRetryable(metadata)], ["InvalidUrl", false])
    }).pipe(Effect.scoped, Effect.provide(sender())))

  it.live("chooses each delivery's policy from its partner: loopback for one partner, refused for another and for unknown partners", () =>
    Effect.gen(function*() {
      const endpoint = yield* partnerEndpoint(status(200))
      const port = yield* CallbackSender
      const body = yield* signedResult
      const deliverFor = (partnerId: string) =>
        Effect.either(port.deliver({ url: endpoint.url, body, deliveryId: V.deliveryId, partnerId }))

      const evaluating = yield* deliverFor("evaluating-partner")
      assert.isTrue(evaluating._tag === "Right" && evaluating.right.status === 200)
      for (const partnerId of ["production-partner", "unknown-partner"]) {
        const refused = yield* deliverFor(partnerId)
        assert.isTrue(refused._tag === "Left", `${partnerId}: loopback must be refused`)
        if (refused._tag === "Left") {
          assert.deepStrictEqual([refused.left.reason, isRetryable(refused.left)], ["InvalidUrl", false])
        }
      }
      // Only the evaluating partner's delivery reached the endpoint.
      assert.strictEqual(endpoint.received.length, 1)
    }).pipe(
      Effect.scoped,
      Effect.provide(
        CallbackSenderHttp.layer({
          apiKeysFor: () => Effect.succeed([V.apiKey]),
          policyFor: (partnerId) =>
            partnerId === "evaluating-partner"
              ? OutboundPolicy.localEvaluation
              : partnerId === "production-partner"
              ? OutboundPolicy.strict
              : undefined,
          timeout: "300 millis"
        }).pipe(Layer.provideMerge(SignerNode.layer))
      )
    ))
})
