import { assert, describe, it } from "@effect/vitest"
import { WebhookSignature } from "@selfie-auth/adapter-callback"
import { SignerNode, SignerWebCrypto } from "@selfie-auth/adapter-signing"
import { Effect, Either, Encoding, Redacted } from "effect"
import * as V from "./vectors.js"

const body = new TextEncoder().encode(V.callbackBody)
const content = { id: V.deliveryId, timestampSeconds: V.webhookTimestamp, body }

for (const [name, layer] of [["SignerNode", SignerNode.layer], ["SignerWebCrypto", SignerWebCrypto.layer]] as const) {
  describe(`WebhookSignature on ${name}`, () => {
    it.effect("derives the webhook key from the API key (known answer)", () =>
      Effect.gen(function*() {
        assert.strictEqual(V.hex(yield* WebhookSignature.deriveKey(V.apiKey)), V.derivedKeyHex)
        assert.strictEqual(Redacted.value(yield* WebhookSignature.webhookSecret(V.apiKey)), V.webhookSecret)
        assert.strictEqual(Redacted.value(yield* WebhookSignature.webhookSecret(V.newApiKey)), V.newWebhookSecret)
      }).pipe(Effect.provide(layer)))

    it.effect("signs the Standard Webhooks specification's example", () =>
      Effect.gen(function*() {
        const key = Encoding.decodeBase64(V.standardWebhooksExample.secret.slice("whsec_".length)).pipe(Either.getOrThrow)
        const entry = yield* WebhookSignature.signWithKey(key, {
          id: V.standardWebhooksExample.id,
          timestampSeconds: V.standardWebhooksExample.timestampSeconds,
          body: new TextEncoder().encode(V.standardWebhooksExample.body)
        })
        assert.strictEqual(entry, V.standardWebhooksExample.signature)
      }).pipe(Effect.provide(layer)))

    it.effect("lists one entry per key, current first, during a rotation (known answers)", () =>
      Effect.gen(function*() {
        assert.strictEqual(yield* WebhookSignature.sign([V.apiKey], content), V.bodySignature)
        assert.strictEqual(
          yield* WebhookSignature.sign([V.apiKey, V.newApiKey], content),
          `${V.bodySignature} ${V.bodySignatureNewKey}`
        )
      }).pipe(Effect.provide(layer)))

    it.effect("verifies a header holding the signature under any listed key, and nothing else", () =>
      Effect.gen(function*() {
        const both = Either.getOrThrow(WebhookSignature.parseHeader(`${V.bodySignature} ${V.bodySignatureNewKey}`))
        assert.isTrue(yield* WebhookSignature.verify([V.newApiKey], both, content))
        assert.isTrue(yield* WebhookSignature.verify([V.apiKey], both, content))
        assert.isFalse(yield* WebhookSignature.verify([Redacted.make("other-key")], both, content))
        const altered = { ...content, body: new TextEncoder().encode(V.callbackBody.replace("\"99\"", "\"98\"")) }
        assert.isFalse(yield* WebhookSignature.verify([V.apiKey], both, altered))
        assert.isFalse(yield* WebhookSignature.verify([V.apiKey], both, { ...content, timestampSeconds: V.webhookTimestamp + 1 }))
        assert.isFalse(yield* WebhookSignature.verify([V.apiKey], both, { ...content, id: "dlv_0000000001_0841" }))
      }).pipe(Effect.provide(layer)))
  })
}

describe("WebhookSignature.parseHeader", () => {
  it("skips entries of other versions, as the specification asks", () => {
    const digests = Either.getOrThrow(WebhookSignature.parseHeader(`v1a,c2lnbmF0dXJl ${V.bodySignature}`))
    assert.strictEqual(digests.length, 1)
  })

  it("keeps an undecodable v1 digest as an entry that cannot match", () => {
    const digests = Either.getOrThrow(WebhookSignature.parseHeader("v1,not-base64!"))
    assert.deepStrictEqual(digests.map((digest) => digest.length), [0])
  })

  it("refuses a header without a v1 entry or with an entry that is not version,base64", () => {
    const none = WebhookSignature.parseHeader("v1a,c2lnbmF0dXJl")
    assert.isTrue(Either.isLeft(none) && none.left.detail.includes("no \"v1,<base64>\" entry"))
    const bare = WebhookSignature.parseHeader("hJqYQiAc+0pBMtQKwfd1nSIukIZznKIpD9f/Le4bB3A=")
    assert.isTrue(Either.isLeft(bare) && bare.left.detail.includes("is not \"<version>,<base64>\""))
  })

  it("builds the signed content as id.timestamp.body bytes", () => {
    const signed = WebhookSignature.signedContent({ id: "a", timestampSeconds: 1, body: Uint8Array.of(0xff, 0x00) })
    assert.deepStrictEqual([...signed], [0x61, 0x2e, 0x31, 0x2e, 0xff, 0x00])
  })
})
