/**
 * Signer: HMAC-SHA256 and constant-time comparison, and on top of them the v1
 * request signature (see `Signature`) and the check of a signed request.
 *
 * Adapters (`@selfie-auth/adapter-signing`) supply only the two primitives,
 * `hmacSha256` and `equal`; {@link Signer.make} builds `digest`, `sign` and
 * `verify` from them, so every adapter signs and verifies through the same code. The
 * primitives stay on the port for other HMAC schemes (Standard Webhooks
 * signatures on callbacks).
 *
 * @example
 * import { Effect, Redacted } from "effect"
 *
 * // signerLayer: an adapter's layer, such as adapter-signing's SignerNode.layer
 * const program = Signer.pipe(
 *   Effect.flatMap((signer) =>
 *     signer.sign({ partnerId: "001", apiKey: Redacted.make("test-api-key"), timestamp: "2024-01-02T03:04:05.678Z" })
 *   )
 * ) // "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8="
 * Effect.runPromise(Effect.provide(program, signerLayer))
 */
import { Clock, Context, Effect, Either, Redacted } from "effect"
import { NotAuthorized } from "../GeneralError.js"
import * as Signature from "../Signature.js"
import * as Timestamp from "../Timestamp.js"

/** What a v1 signature is computed from. */
export interface SignInput {
  readonly partnerId: string
  readonly apiKey: Redacted.Redacted<string>
  /** The timestamp string exactly as it is (or was) sent. */
  readonly timestamp: string
}

/** A received signature and what it claims to be computed from. */
export interface VerifyInput extends SignInput {
  /** The `signature` field as received. */
  readonly signature: string
}

/** The two primitives an adapter provides. */
export interface SignerPrimitives {
  /** HMAC-SHA256 of `message` under `key` (any key length, the empty key included): 32 bytes. */
  readonly hmacSha256: (key: Uint8Array, message: Uint8Array) => Effect.Effect<Uint8Array>
  /**
   * Whether two byte arrays are equal, in time that does not depend on where
   * they differ. Arrays of different lengths are unequal; the lengths
   * themselves are not treated as secret.
   */
  readonly equal: (a: Uint8Array, b: Uint8Array) => boolean
}

export interface SignerService extends SignerPrimitives {
  /**
   * The HMAC-SHA256 digest that the v1 signature of a partner's timestamp
   * carries: 32 bytes, what `sign` writes as base64. For a caller that has
   * already decoded a received signature, to compare the two with `equal`.
   */
  readonly digest: (input: SignInput) => Effect.Effect<Uint8Array>
  /** The v1 signature of a partner's timestamp: base64, 44 characters. */
  readonly sign: (input: SignInput) => Effect.Effect<string>
  /**
   * Whether `signature` is the v1 signature of the timestamp under the key,
   * compared in constant time over the decoded bytes. A signature that is not
   * canonical base64 of 32 bytes is simply `false`, never a failure.
   */
  readonly verify: (input: VerifyInput) => Effect.Effect<boolean>
}

export class Signer extends Context.Tag("@selfie-auth/core/Signer")<Signer, SignerService>() {
  /** The whole service from an adapter's primitives. */
  static make(primitives: SignerPrimitives): SignerService {
    // A partner's key is one `Redacted` for the life of its configuration: its bytes are encoded once.
    const keyBytes = new WeakMap<Redacted.Redacted<string>, Uint8Array>()
    const bytesOf = (apiKey: Redacted.Redacted<string>) => {
      let bytes = keyBytes.get(apiKey)
      if (bytes === undefined) {
        bytes = Signature.utf8Encode(Redacted.value(apiKey))
        keyBytes.set(apiKey, bytes)
      }
      return bytes
    }
    // The last signature made under each key. A signature is a function of the key, the partner id and the
    // timestamp alone, and a busy server signs many answers within one millisecond (one timestamp): they share it.
    const lastSigned = new WeakMap<
      Redacted.Redacted<string>,
      { readonly partnerId: string; readonly timestamp: string; readonly signature: string }
    >()
    const digestOf = ({ apiKey, partnerId, timestamp }: SignInput) =>
      primitives.hmacSha256(bytesOf(apiKey), Signature.message({ timestamp, partnerId }))
    return {
      ...primitives,
      digest: (input: SignInput) => Effect.suspend(() => digestOf(input)),
      // sign and verify run on every v1 request and every job_status answer: untraced, like the rest of that path.
      sign: (input: SignInput) =>
        Effect.suspend(() => {
          const last = lastSigned.get(input.apiKey)
          if (last !== undefined && last.timestamp === input.timestamp && last.partnerId === input.partnerId) {
            return Effect.succeed(last.signature)
          }
          return Effect.map(digestOf(input), (digest) => {
            const signature = Signature.encode(digest)
            lastSigned.set(input.apiKey, { partnerId: input.partnerId, timestamp: input.timestamp, signature })
            return signature
          })
        }),
      verify: Effect.fnUntraced(function*(input: VerifyInput) {
        const received = Signature.decode(input.signature)
        if (Either.isLeft(received)) return false
        return primitives.equal(yield* digestOf(input), received.right)
      })
    }
  }
}

/**
 * Signs with the current time (from `Clock`), for our outgoing bodies: the
 * client's requests, job_status responses and callbacks. The timestamp is
 * written Node-style (`2024-01-02T03:04:05.678Z`).
 */
export const signNow = Effect.fnUntraced(function*(input: {
  readonly partnerId: string
  readonly apiKey: Redacted.Redacted<string>
}) {
  const signer = yield* Signer
  const timestamp = Timestamp.format(yield* Clock.currentTimeMillis)
  const signature = yield* signer.sign({ ...input, timestamp })
  return { signature, timestamp } satisfies Signature.SignedFields
})

/** A signed request to authenticate. */
export interface AuthenticateRequestInput extends VerifyInput {
  /** How far from the server's clock the timestamp may be; `Timestamp.defaultWindow` when absent. */
  readonly window?: Timestamp.FreshnessWindow
}

/**
 * Authenticates a signed v1 body against the partner's key, in the order that
 * reveals least: the timestamp must parse and the signature must be well
 * formed, then the timestamp must be fresh (from `Clock`), and only then is
 * the signature compared, in constant time.
 *
 * Fails with `GeneralError.NotAuthorized` (2205) whose detail says which check
 * failed and what to fix: an unparseable timestamp, a malformed signature, a
 * stale or future timestamp with its skew in seconds, or a signature that does
 * not match.
 *
 * Untraced (no span), as is `signNow`: both run on every v1 request.
 */
export const authenticateRequest = Effect.fnUntraced(function*(
  input: AuthenticateRequestInput
) {
  const signedAt = Timestamp.parse(input.timestamp)
  if (Either.isLeft(signedAt)) return yield* new NotAuthorized({ detail: signedAt.left.detail })

  const signature = Signature.decode(input.signature)
  if (Either.isLeft(signature)) return yield* new NotAuthorized({ detail: signature.left.detail })

  const now = yield* Clock.currentTimeMillis
  const freshness = Timestamp.checkFreshness(signedAt.right, now, input.window ?? Timestamp.defaultWindow)
  if (Either.isLeft(freshness)) return yield* new NotAuthorized({ detail: freshness.left.message })

  // The signature is decoded once, above: the digest is compared with those bytes, not verified from the text again.
  const signer = yield* Signer
  if (!signer.equal(yield* signer.digest(input), signature.right)) {
    return yield* new NotAuthorized({
      detail: `signature does not match partner ${JSON.stringify(input.partnerId)} and timestamp ` +
        `${JSON.stringify(input.timestamp)}; sign timestamp + partner id + "sid_request" with HMAC-SHA256 ` +
        "under the partner's API key, over the exact timestamp string you send"
    })
  }
})
