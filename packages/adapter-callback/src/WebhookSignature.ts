/**
 * The body-binding callback signature, in the Standard Webhooks form
 * (https://www.standardwebhooks.com):
 *
 *     webhook-id:        dlv_0000000001_0840            (stable across retries)
 *     webhook-timestamp: 1704164645                     (unix seconds of this attempt)
 *     webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">
 *
 * The v1 `signature` inside the body covers only `timestamp + partner id +
 * "sid_request"`, no body bytes; this signature covers the exact body bytes,
 * so an altered body is detected. It is sent in addition to the v1
 * signature, never instead (WIRE.md).
 *
 * The key. Standard Webhooks keys are random bytes handed out as
 * `whsec_<base64>`; our partners only have their v1 API key. The HMAC key is
 * derived from it (decision record 0007):
 *
 *     webhook key = HMAC-SHA256(key = API key as UTF-8, message = "selfie-auth:webhook-signature:v1")
 *
 * so one key never serves two signature schemes, and the derived key has the
 * 32 bytes Standard Webhooks expects. {@link webhookSecret} writes it as a
 * `whsec_` secret that any Standard Webhooks library accepts.
 *
 * @example
 * // The secret to give a Standard Webhooks library, for the API key "test-api-key":
 * Effect.runPromise(webhookSecret(Redacted.make("test-api-key")).pipe(Effect.provide(SignerNode.layer)))
 * // "whsec_1Ar3i2NoZckmx8Ip7w93St66C8tKrqgPoDKdIrUBymw="
 */
import { Signature, Signer } from "@selfie-auth/core"
import { Effect, Either, Encoding, Redacted } from "effect"

/** The header names, lower-case as HTTP/2 and the Fetch API report them. */
export const headerNames = {
  id: "webhook-id",
  timestamp: "webhook-timestamp",
  signature: "webhook-signature"
} as const

/** The only signature version this module writes and reads (symmetric HMAC-SHA256). */
export const version = "v1"

/** What the webhook key is derived with: the message of the derivation HMAC. */
export const keyDerivationLabel = "selfie-auth:webhook-signature:v1"

/** Prefix of Standard Webhooks secrets. */
export const secretPrefix = "whsec_"

/**
 * A delivery id: letters, digits, `_` and `-`, 1 to 255 characters. No `.`,
 * so the signed content `id.timestamp.body` reads one way only.
 */
export const deliveryIdPattern = /^[A-Za-z0-9_-]{1,255}$/

/** The signed content `id.timestamp.body` as bytes: UTF-8 of id and timestamp, then the body bytes untouched. */
export const signedContent = (input: {
  readonly id: string
  readonly timestampSeconds: number
  readonly body: Uint8Array
}): Uint8Array => {
  const prefix = Signature.utf8Encode(`${input.id}.${input.timestampSeconds}.`)
  const content = new Uint8Array(prefix.length + input.body.length)
  content.set(prefix, 0)
  content.set(input.body, prefix.length)
  return content
}

/** The 32-byte webhook key of an API key (see the module comment). */
export const deriveKey = Effect.fn("WebhookSignature.deriveKey")(function*(apiKey: Redacted.Redacted<string>) {
  const signer = yield* Signer
  return yield* signer.hmacSha256(
    Signature.utf8Encode(Redacted.value(apiKey)),
    Signature.utf8Encode(keyDerivationLabel)
  )
})

/**
 * The webhook key of an API key as a Standard Webhooks secret (`whsec_` +
 * base64), for partners who verify with a Standard Webhooks library instead
 * of this package.
 */
export const webhookSecret = Effect.fn("WebhookSignature.webhookSecret")(function*(apiKey: Redacted.Redacted<string>) {
  return Redacted.make(secretPrefix + Encoding.encodeBase64(yield* deriveKey(apiKey)))
})

/** One `v1,<base64>` entry of the header, computed under a raw key (already derived). */
export const signWithKey = Effect.fn("WebhookSignature.signWithKey")(function*(
  key: Uint8Array,
  content: { readonly id: string; readonly timestampSeconds: number; readonly body: Uint8Array }
) {
  const signer = yield* Signer
  const digest = yield* signer.hmacSha256(key, signedContent(content))
  return `${version},${Encoding.encodeBase64(digest)}`
})

/**
 * The `webhook-signature` header value: one `v1,` entry per API key,
 * space-separated, the current key first. Several keys are listed while a
 * partner's key is being rotated, so a receiver holding either key verifies.
 */
export const sign = Effect.fn("WebhookSignature.sign")(function*(
  apiKeys: ReadonlyArray<Redacted.Redacted<string>>,
  content: { readonly id: string; readonly timestampSeconds: number; readonly body: Uint8Array }
) {
  const entries: Array<string> = []
  for (const apiKey of apiKeys) entries.push(yield* signWithKey(yield* deriveKey(apiKey), content))
  return entries.join(" ")
})

/** Why a `webhook-signature` header cannot be read. */
export interface UnreadableSignatureHeader {
  readonly detail: string
}

/**
 * Reads the digests of the `v1` entries of a `webhook-signature` header.
 * Entries of other versions (`v1a,` asymmetric signatures) are skipped, as
 * the Standard Webhooks specification asks; an entry that is not
 * `<version>,<base64>`, or a header without any `v1` entry, is refused with a
 * detail. A `v1` digest that is not 32 bytes of base64 is kept as an empty
 * array: it cannot match, and the comparison stays in one place.
 */
export const parseHeader = (header: string): Either.Either<ReadonlyArray<Uint8Array>, UnreadableSignatureHeader> => {
  const entries = header.trim().split(/ +/).filter((entry) => entry.length > 0)
  const digests: Array<Uint8Array> = []
  for (const entry of entries) {
    const comma = entry.indexOf(",")
    if (comma <= 0) {
      return Either.left({
        detail: `${headerNames.signature} entry ${JSON.stringify(entry.slice(0, 60))} is not "<version>,<base64>"; ` +
          "send space-separated entries \"v1,<base64 of the 32-byte HMAC-SHA256>\""
      })
    }
    if (entry.slice(0, comma) !== version) continue
    const decoded = Encoding.decodeBase64(entry.slice(comma + 1))
    digests.push(Either.isRight(decoded) && decoded.right.length === Signature.digestLength ? decoded.right : new Uint8Array())
  }
  if (digests.length === 0) {
    return Either.left({
      detail: `${headerNames.signature} holds no "${version},<base64>" entry; this receiver verifies only ${version} ` +
        "(HMAC-SHA256) signatures"
    })
  }
  return Either.right(digests)
}

/**
 * Whether any of the received digests is the signature of the content under
 * any of the API keys. Every pair is compared, in constant time, whatever
 * matched before: the time taken depends on the number of entries and keys,
 * never on the bytes.
 */
export const verify = Effect.fn("WebhookSignature.verify")(function*(
  apiKeys: ReadonlyArray<Redacted.Redacted<string>>,
  received: ReadonlyArray<Uint8Array>,
  content: { readonly id: string; readonly timestampSeconds: number; readonly body: Uint8Array }
) {
  const signer = yield* Signer
  const message = signedContent(content)
  let matched = false
  for (const apiKey of apiKeys) {
    const expected = yield* signer.hmacSha256(yield* deriveKey(apiKey), message)
    for (const digest of received) matched = signer.equal(expected, digest) || matched
  }
  return matched
})
