/**
 * Interop with the official Node SDK (`smile-identity-core@3.2.1`, loaded with
 * `createRequire`): its `Signature` class and ours agree both ways, and its
 * `confirm_signature` accepts job_status answers signed the way our server
 * signs them (`signNow` on the core `Signer`).
 */
import { assert, describe, it } from "@effect/vitest"
import { SignerNode, SignerWebCrypto } from "@selfie-auth/adapter-signing"
import { signNow, Signer } from "@selfie-auth/core"
import { Effect, FastCheck, Layer, Redacted, TestClock } from "effect"
import { OfficialSignature } from "./support.js"

const signers = [
  ["node:crypto", SignerNode.layer],
  ["WebCrypto", SignerWebCrypto.layer]
] as const

/** Timestamps of every SDK's style (WIRE.md) and a few partner ids and keys. */
const timestamps = [
  "2024-01-02T03:04:05.678Z",
  "2024-01-02T03:04:05.678000+00:00",
  "2024-01-02T03:04:05+00:00",
  "2026-11-25T21:46:10.121Z"
]

describe.each(signers)("our Signer (%s) and the official SDK's Signature", (_name, layer: Layer.Layer<Signer>) => {
  it.effect("the official SDK confirms our signatures, and its signatures are ours", () =>
    Effect.gen(function*() {
      const signer = yield* Signer
      for (const [partnerId, apiKey] of [["001", "test-api-key"], ["2345", "sk_live_0f9e8d7c6b5a"], ["0", "ключ-🔑"]] as const) {
        const official = new OfficialSignature(partnerId, apiKey)
        for (const timestamp of timestamps) {
          const ours = yield* signer.sign({ partnerId, apiKey: Redacted.make(apiKey), timestamp })
          assert.isTrue(official.confirm_signature(timestamp, ours), `official rejects ours for ${timestamp}`)
          const theirs = official.generate_signature(timestamp)
          assert.strictEqual(theirs.signature, ours)
          assert.isTrue(yield* signer.verify({ partnerId, apiKey: Redacted.make(apiKey), timestamp, signature: theirs.signature }))
        }
      }
    }).pipe(Effect.provide(layer)))

  it.effect("they agree on arbitrary ids, keys and ISO timestamps", () =>
    Effect.gen(function*() {
      const signer = yield* Signer
      const cases = FastCheck.sample(
        FastCheck.record({
          partnerId: FastCheck.stringMatching(/^\d{1,6}$/),
          apiKey: FastCheck.string({ minLength: 1, maxLength: 64 }),
          millis: FastCheck.integer({ min: 0, max: 4_102_444_800_000 })
        }),
        100
      )
      for (const { apiKey, millis, partnerId } of cases) {
        const timestamp = new Date(millis).toISOString()
        const ours = yield* signer.sign({ partnerId, apiKey: Redacted.make(apiKey), timestamp })
        assert.strictEqual(new OfficialSignature(partnerId, apiKey).generate_signature(timestamp).signature, ours)
      }
    }).pipe(Effect.provide(layer)))

  it.effect("the official SDK rejects what it must: another key, another timestamp, another partner", () =>
    Effect.gen(function*() {
      const signer = yield* Signer
      const timestamp = "2024-01-02T03:04:05.678Z"
      const ours = yield* signer.sign({ partnerId: "001", apiKey: Redacted.make("test-api-key"), timestamp })
      assert.strictEqual(ours, "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8=") // WIRE.md's known answer
      assert.isFalse(new OfficialSignature("001", "other-key").confirm_signature(timestamp, ours))
      assert.isFalse(new OfficialSignature("001", "test-api-key").confirm_signature("2024-01-02T03:04:05.679Z", ours))
      assert.isFalse(new OfficialSignature("01", "test-api-key").confirm_signature(timestamp, ours))
    }).pipe(Effect.provide(layer)))

  it.effect("the official SDK's confirm_signature accepts a job_status answer signed the way our server signs it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 10, 25, 23, 30, 0, 123))
      const apiKey = Redacted.make("test-api-key")
      const { signature, timestamp } = yield* signNow({ partnerId: "001", apiKey })
      assert.strictEqual(timestamp, "2026-11-25T23:30:00.123Z")
      // what the official SDK does with a job_status answer (utilities.js): confirm_signature(body.timestamp, body.signature)
      const answer = JSON.parse(JSON.stringify({ timestamp, signature, job_complete: true, job_success: true, code: "2302" }))
      assert.isTrue(new OfficialSignature("001", "test-api-key").confirm_signature(answer.timestamp, answer.signature))
      assert.isFalse(new OfficialSignature("001", "wrong-key").confirm_signature(answer.timestamp, answer.signature))
    }).pipe(Effect.provide(layer)))
})
