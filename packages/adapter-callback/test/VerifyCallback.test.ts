import { assert, describe, it } from "@effect/vitest"
import { VerifyCallback } from "@selfie-auth/adapter-callback"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { DateTime, Effect, Redacted, TestClock } from "effect"
import * as V from "./vectors.js"

const options = { apiKey: V.apiKey, partnerId: V.partnerId }

/** Runs with the test clock one second after the sample was signed, on node:crypto. */
const at = <A, E>(effect: Effect.Effect<A, E, never>, offsetMillis = 1000) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(V.signedAtMillis + offsetMillis)
    return yield* effect
  })

const verify = (
  request: VerifyCallback.ReceivedCallback,
  overrides: Partial<VerifyCallback.VerifyOptions> = {}
) => VerifyCallback.verifyCallback(request, { ...options, ...overrides }).pipe(Effect.provide(SignerNode.layer))

const sample = { body: new TextEncoder().encode(V.callbackBody), headers: V.sampleHeaders }

describe("verifyCallback", () => {
  it.effect("accepts the sample delivery and decodes it into the typed result", () =>
    at(Effect.gen(function*() {
      const callback = yield* verify(sample)
      assert.strictEqual(callback.deliveryId, V.deliveryId)
      assert.strictEqual(callback.deliveryIdSource, "webhook-id")
      assert.isTrue(callback.bodyBound)
      assert.strictEqual(DateTime.toEpochMillis(callback.signedAt), V.signedAtMillis)
      assert.strictEqual(callback.smileJobId, "0000000001")
      assert.strictEqual(callback.jobType, 4)
      assert.strictEqual(callback.resultCode, "0840")
      assert.strictEqual(callback.category, "approved")
      assert.strictEqual(callback.confidence, 99)
      assert.isTrue(callback.isFinal)
      assert.isTrue(callback.isMachineResult)
      assert.deepStrictEqual(callback.partnerParams, { userId: "user-1", jobId: "job-1", jobType: 4, extras: { branch: "lagos" } } as never)
      assert.strictEqual(callback.actions.actions.Register_Selfie, "Approved")
      assert.strictEqual(callback.actions.actions.Liveness_Check, "Passed")
    })))

  it.effect("accepts a plain v1 callback (no webhook headers) under a derived delivery id", () =>
    at(Effect.gen(function*() {
      const callback = yield* verify({ body: V.callbackBody, headers: {} })
      assert.isFalse(callback.bodyBound)
      assert.strictEqual(callback.deliveryIdSource, "derived")
      assert.strictEqual(callback.deliveryId, `v1:0000000001:0840:${V.signedAt}:${V.v1Signature}`)
    })))

  it.effect("reads Fetch Headers as well as node's header records (any case)", () =>
    at(Effect.gen(function*() {
      const fetchHeaders = yield* verify({ body: V.callbackBody, headers: new Headers(V.sampleHeaders) })
      assert.isTrue(fetchHeaders.bodyBound)
      const upper = yield* verify({
        body: V.callbackBody,
        headers: { "Webhook-Id": V.deliveryId, "WEBHOOK-TIMESTAMP": String(V.webhookTimestamp), "webhook-signature": V.bodySignature }
      })
      assert.isTrue(upper.bodyBound)
    })))

  it.effect("rejects a tampered body as BodyAltered although the v1 signature matches", () =>
    at(Effect.gen(function*() {
      const tampered = V.callbackBody.replace("\"ResultCode\":\"0840\"", "\"ResultCode\":\"0841\"")
      const error = yield* Effect.flip(verify({ body: tampered, headers: V.sampleHeaders }))
      assert.strictEqual(error._tag, "BodyAltered")
      assert.include(error.message, "altered after signing")
    })))

  it.effect("rejects a replayed old delivery with the skew in seconds, and a future one", () =>
    Effect.gen(function*() {
      const old = yield* Effect.flip(at(verify(sample), 10 * 60_000))
      assert.strictEqual(old._tag, "ClockSkew")
      if (old._tag === "ClockSkew") {
        assert.deepStrictEqual([old.source, old.direction, old.skewSeconds, old.allowedSeconds], ["timestamp", "past", 600, 300])
      }
      assert.include(old.message, "600 s old")
      const future = yield* Effect.flip(at(verify(sample), -6 * 60_000))
      assert.strictEqual(future._tag, "ClockSkew")
      if (future._tag === "ClockSkew") assert.deepStrictEqual([future.direction, future.skewSeconds], ["future", 360])
      // A wider tolerance accepts the same delivery.
      const accepted = yield* at(verify(sample, { tolerance: "15 minutes" }), 10 * 60_000)
      assert.strictEqual(accepted.deliveryId, V.deliveryId)
    }))

  it.effect("checks the webhook-timestamp too, not only the body's timestamp", () =>
    at(Effect.gen(function*() {
      const headers = { ...V.sampleHeaders, "webhook-timestamp": String(V.webhookTimestamp - 3600) }
      const error = yield* Effect.flip(verify({ body: V.callbackBody, headers }))
      assert.strictEqual(error._tag, "ClockSkew")
      if (error._tag === "ClockSkew") assert.strictEqual(error.source, "webhook-timestamp")
    })))

  it.effect("rejects a wrong key, saying which key and partner to check", () =>
    at(Effect.gen(function*() {
      const error = yield* Effect.flip(verify(sample, { apiKey: Redacted.make("sandbox-key") }))
      assert.strictEqual(error._tag, "WrongKey")
      assert.include(error.message, "does not match the configured API key for partner id \"001\"")
    })))

  it.effect("tells a wrong partner id from a wrong key when the body signature verifies", () =>
    at(Effect.gen(function*() {
      const error = yield* Effect.flip(verify(sample, { partnerId: "002" }))
      assert.strictEqual(error._tag, "WrongKey")
      assert.include(error.message, "signed for another partner id")
    })))

  it.effect("accepts a previous key during a rotation", () =>
    at(Effect.gen(function*() {
      const rotated = { ...V.sampleHeaders, "webhook-signature": `${V.bodySignatureNewKey} ${V.bodySignature}` }
      const callback = yield* verify({ body: V.callbackBody, headers: rotated }, { apiKey: V.newApiKey, previousApiKeys: [V.apiKey] })
      assert.isTrue(callback.bodyBound)
      const error = yield* Effect.flip(verify({ body: V.callbackBody, headers: rotated }, { apiKey: V.newApiKey }))
      assert.strictEqual(error._tag, "WrongKey") // the v1 signature is under the old key only
    })))

  it.effect("names what is missing or malformed", () =>
    at(Effect.gen(function*() {
      const notJson = yield* Effect.flip(verify({ body: "signature=abc", headers: {} }))
      assert.strictEqual(notJson._tag, "NotJson")
      const array = yield* Effect.flip(verify({ body: "[1]", headers: {} }))
      assert.strictEqual(array._tag, "NotJson")
      const notUtf8 = yield* Effect.flip(verify({ body: Uint8Array.of(0x7b, 0xff, 0x7d), headers: {} }))
      assert.include(notUtf8.message, "not UTF-8")

      const withoutSignature = V.callbackBody.replace(`"signature":"${V.v1Signature}",`, "")
      const missing = yield* Effect.flip(verify({ body: withoutSignature, headers: {} }))
      assert.deepStrictEqual([missing._tag, missing._tag === "MissingField" && missing.field], ["MissingField", "signature"])

      const partial = yield* Effect.flip(verify({ body: V.callbackBody, headers: { "webhook-id": V.deliveryId } }))
      assert.deepStrictEqual([partial._tag, partial._tag === "MissingHeader" && partial.header], ["MissingHeader", "webhook-timestamp"])

      const required = yield* Effect.flip(verify({ body: V.callbackBody, headers: {} }, { requireBodySignature: true }))
      assert.deepStrictEqual([required._tag, required._tag === "MissingHeader" && required.header], ["MissingHeader", "webhook-signature"])

      const milliseconds = yield* Effect.flip(verify({ body: V.callbackBody, headers: { ...V.sampleHeaders, "webhook-timestamp": "1704164645678.5" } }))
      assert.strictEqual(milliseconds._tag, "MalformedHeader")

      const hexSignature = V.callbackBody.replace(V.v1Signature, "a5".repeat(32))
      const malformed = yield* Effect.flip(verify({ body: hexSignature, headers: {} }))
      assert.strictEqual(malformed._tag, "MalformedField")
      assert.include(malformed.message, "looks like hex")
    })))

  it.effect("decodes only after verifying: a verified body that is not a result is InvalidResult", () =>
    at(Effect.gen(function*() {
      const notAResult = JSON.stringify({ signature: V.v1Signature, timestamp: V.signedAt, SmileJobID: "12" })
      const error = yield* Effect.flip(verify({ body: notAResult, headers: {} }))
      assert.strictEqual(error._tag, "InvalidResult")
      assert.include(error.message, "SmileJobID")
      // The same body under a wrong key never reaches decoding.
      const unverified = yield* Effect.flip(verify({ body: notAResult, headers: {} }, { apiKey: Redacted.make("x") }))
      assert.strictEqual(unverified._tag, "WrongKey")
    })))

  it.effect("classifies the code through the core taxonomy (provisional, unknown)", () =>
    at(Effect.gen(function*() {
      const provisional = V.callbackBody
        .replace("\"ResultCode\":\"0840\"", "\"ResultCode\":\"0844\"")
        .replace(",\"IsFinalResult\":\"true\"", "")
      const callback = yield* verify({ body: provisional, headers: {} })
      assert.strictEqual(callback.category, "provisional")
      assert.isFalse(callback.isFinal) // from the taxonomy, since IsFinalResult is absent
      const unknown = yield* verify({ body: V.callbackBody.replace("\"0840\"", "\"0830\""), headers: {} })
      assert.strictEqual(unknown.category, "unknown")
    })))
})
