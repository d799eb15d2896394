/**
 * `Signer` on WebCrypto (`globalThis.crypto.subtle`), for runtimes without
 * `node:crypto`: browsers, Deno, Bun, Cloudflare Workers and other edge
 * runtimes. It must import nothing from `node:` (a test reads this file to
 * hold it to that).
 *
 * @example
 * import { SignerWebCrypto } from "@selfie-auth/adapter-signing"
 * Effect.provide(program, SignerWebCrypto.layer)
 */
import { Signer } from "@selfie-auth/core"
import { Effect, Layer } from "effect"

/** SHA-256's block size: HMAC pads every shorter key with zero bytes to this length. */
const sha256BlockBytes = 64

/**
 * WebCrypto refuses to import an empty HMAC key, yet HMAC defines one: it is
 * zero-padded to a block like any short key (RFC 2104), so a block of zero
 * bytes is the same key.
 */
const importableKey = (key: Uint8Array): Uint8Array<ArrayBuffer> =>
  key.length === 0 ? new Uint8Array(sha256BlockBytes) : Uint8Array.from(key)

/** A rejected WebCrypto promise is a broken runtime, not bad input: a defect. */
const hmacSha256 = (key: Uint8Array, message: Uint8Array): Effect.Effect<Uint8Array> =>
  Effect.promise(async () => {
    const { subtle } = globalThis.crypto
    const cryptoKey = await subtle.importKey("raw", importableKey(key), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign"
    ])
    return new Uint8Array(await subtle.sign("HMAC", cryptoKey, Uint8Array.from(message)))
  })

/**
 * Constant-time equality: every byte of `a` is visited and its difference
 * accumulated with XOR/OR, whatever the content. When the lengths differ, the
 * loop still runs over `a` (comparing against zeros past the end of `b`) and
 * the length difference itself makes the answer false, so there is no early
 * exit that depends on content.
 */
const equal = (a: Uint8Array, b: Uint8Array): boolean => {
  let difference = a.length ^ b.length
  for (let index = 0; index < a.length; index++) {
    difference |= (a[index] ?? 0) ^ (b[index] ?? 0)
  }
  return difference === 0
}

/** The `Signer` service on WebCrypto. */
export const layer: Layer.Layer<Signer> = Layer.succeed(Signer, Signer.make({ hmacSha256, equal }))
