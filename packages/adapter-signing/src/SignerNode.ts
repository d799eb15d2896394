/**
 * `Signer` on `node:crypto`: OpenSSL's HMAC-SHA256 and `timingSafeEqual`.
 * The default for servers and Node clients.
 *
 * @example
 * import { SignerNode } from "@selfie-auth/adapter-signing"
 * Effect.provide(program, SignerNode.layer)
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Signer } from "@selfie-auth/core"
import { Effect, Layer } from "effect"

const hmacSha256 = (key: Uint8Array, message: Uint8Array): Effect.Effect<Uint8Array> =>
  Effect.sync(() => new Uint8Array(createHmac("sha256", key).update(message).digest()))

/**
 * `timingSafeEqual` throws on a length mismatch, so lengths are compared
 * first; that answers early on length alone, which is public (32 bytes for
 * every HMAC-SHA256 digest), never on content.
 */
const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b)

/** The `Signer` service on node:crypto. */
export const layer: Layer.Layer<Signer> = Layer.succeed(Signer, Signer.make({ hmacSha256, equal }))
