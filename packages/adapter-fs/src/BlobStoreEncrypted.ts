/**
 * Encryption at rest for any `BlobStore`: selfies are biometric data, so the
 * bytes a store holds (on disk, in a bucket, in a backup) are AES-256-GCM
 * ciphertext that only the server's keys open.
 *
 * Every blob is sealed on its own, in this format (version 1):
 *
 * | bytes | field |
 * |---|---|
 * | 3 | magic `SAB` (0x53 0x41 0x42) |
 * | 1 | format version, `0x01` |
 * | 1 | length n of the key id (1..64) |
 * | n | key id, ASCII |
 * | 12 | nonce, random per blob (never reused: a fresh 96-bit draw per put) |
 * | rest - 16 | ciphertext, as long as the plaintext |
 * | 16 | GCM authentication tag |
 *
 * The additional authenticated data is the header (everything before the
 * ciphertext) followed by the blob key's UTF-8 bytes. So any changed byte,
 * a key id swapped for another, or a sealed blob copied to another blob key
 * (one user's selfie presented as another's) fails to open.
 *
 * Keys rotate: blobs are sealed with the keyring's `current` key and opened
 * with whichever key their header names, `current` or one of `previous`.
 * Retire a key only once nothing sealed with it is left (`previous` keeps
 * old blobs readable meanwhile).
 *
 * Through the port, a blob that does not open is a defect carrying a
 * {@link BlobUndecryptable} (the `BlobStore` port admits only `BlobNotFound`
 * on `get`, and an unreadable selfie is an incident, not a user error);
 * {@link open} answers it as a typed value for tools that check a store.
 * There is no plaintext fallback: a blob without the header is refused,
 * so nobody can plant an unencrypted image.
 *
 * @example
 * const keyring = Either.getOrThrow(BlobStoreEncrypted.keyringFromBase64({ current: { id: "2026-11", key: Redacted.make(base64) } }))
 * const blobs = BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(BlobStoreFs.layer({ directory })))
 */
import type { BlobKey, BlobPrefix } from "@selfie-auth/core"
import { BlobStore } from "@selfie-auth/core"
import { Effect, Either, Encoding, Layer, Redacted, Schema } from "effect"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"

/** A key's name as written into every blob it seals: 1 to 64 of `A-Z a-z 0-9 . _ -`. */
export const KeyId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._-]{1,64}$/, { message: () => "must be 1 to 64 letters, digits, '.', '_' or '-'" })
)

/** One AES-256 key and its id. */
export interface EncryptionKey {
  readonly id: string
  /** 32 bytes. */
  readonly secret: Redacted.Redacted<Uint8Array>
}

/** The key that seals new blobs, and older ones still able to open what they sealed. */
export interface Keyring {
  readonly current: EncryptionKey
  readonly previous: ReadonlyArray<EncryptionKey>
}

/** A configured key is unusable; `detail` says how to fix it (the key itself is never printed). */
export class InvalidEncryptionKey extends Schema.TaggedError<InvalidEncryptionKey>()("InvalidEncryptionKey", {
  id: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Blob encryption key ${JSON.stringify(this.id)}: ${this.detail}`
  }
}

/** Why a stored blob did not open. */
export const UndecryptableReason = Schema.Literal(
  /** Too short, or without the `SAB` magic: not sealed by this module. */
  "NotSealed",
  /** A format version this code does not know. */
  "UnsupportedVersion",
  /** Sealed with a key id that is not in the keyring. */
  "UnknownKey",
  /** Authentication failed: bytes changed, sealed under another blob key, or other key material under the same id. */
  "Tampered"
)
export type UndecryptableReason = typeof UndecryptableReason.Type

/** The blob under `key` did not open; see {@link UndecryptableReason}. */
export class BlobUndecryptable extends Schema.TaggedError<BlobUndecryptable>()("BlobUndecryptable", {
  key: Schema.String,
  reason: UndecryptableReason,
  detail: Schema.String
}) {
  override get message(): string {
    return `Blob ${JSON.stringify(this.key)} cannot be decrypted (${this.reason}): ${this.detail}`
  }
}

const magic = Uint8Array.of(0x53, 0x41, 0x42)
/** The format this module writes. */
export const formatVersion = 1
const nonceLength = 12
const tagLength = 16
const keyLength = 32

const isKeyId = Schema.is(KeyId)
const utf8 = new TextEncoder()

/**
 * A key from configuration: `base64` must decode (standard alphabet, with
 * padding) to exactly 32 bytes, e.g. the output of `openssl rand -base64 32`.
 */
export const keyFromBase64 = (id: string, base64: Redacted.Redacted<string>): Either.Either<EncryptionKey, InvalidEncryptionKey> => {
  if (!isKeyId(id)) {
    return Either.left(new InvalidEncryptionKey({ id, detail: "the id must be 1 to 64 letters, digits, '.', '_' or '-'" }))
  }
  const decoded = Encoding.decodeBase64(Redacted.value(base64).trim())
  if (Either.isLeft(decoded)) {
    return Either.left(new InvalidEncryptionKey({ id, detail: "is not base64; generate one with `openssl rand -base64 32`" }))
  }
  if (decoded.right.length !== keyLength) {
    return Either.left(
      new InvalidEncryptionKey({
        id,
        detail: `decodes to ${decoded.right.length} bytes; AES-256 needs exactly 32 (generate one with \`openssl rand -base64 32\`)`
      })
    )
  }
  return Either.right({ id, secret: Redacted.make(decoded.right) })
}

/** A keyring from configured base64 keys; ids must be distinct. */
export const keyringFromBase64 = (config: {
  readonly current: { readonly id: string; readonly key: Redacted.Redacted<string> }
  readonly previous?: ReadonlyArray<{ readonly id: string; readonly key: Redacted.Redacted<string> }> | undefined
}): Either.Either<Keyring, InvalidEncryptionKey> =>
  Either.gen(function*() {
    const current = yield* keyFromBase64(config.current.id, config.current.key)
    const previous: Array<EncryptionKey> = []
    const seen = new Set([current.id])
    for (const entry of config.previous ?? []) {
      if (seen.has(entry.id)) {
        return yield* Either.left(
          new InvalidEncryptionKey({ id: entry.id, detail: "is configured twice; give every key its own id" })
        )
      }
      seen.add(entry.id)
      previous.push(yield* keyFromBase64(entry.id, entry.key))
    }
    return { current, previous }
  })

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * Seals `plaintext` for the blob `blobKey` with `key`. `nonce` is for
 * known-answer tests only: leave it out and a fresh random one is drawn.
 */
export const seal = (key: EncryptionKey, blobKey: string, plaintext: Uint8Array, nonce: Uint8Array = randomBytes(nonceLength)): Uint8Array => {
  if (nonce.length !== nonceLength) throw new RangeError(`the nonce must be ${nonceLength} bytes`)
  const id = utf8.encode(key.id)
  const header = concat(magic, Uint8Array.of(formatVersion, id.length), id, nonce)
  const cipher = createCipheriv("aes-256-gcm", Redacted.value(key.secret), nonce, { authTagLength: tagLength })
  cipher.setAAD(concat(header, utf8.encode(blobKey)))
  return concat(header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag())
}

/** Opens what {@link seal} sealed for `blobKey` with a key of `keyring`, or says why it cannot. */
export const open = (keyring: Keyring, blobKey: string, sealed: Uint8Array): Either.Either<Uint8Array, BlobUndecryptable> => {
  const refuse = (reason: UndecryptableReason, detail: string) => Either.left(new BlobUndecryptable({ key: blobKey, reason, detail }))
  if (sealed.length < magic.length + 2 || magic.some((byte, i) => sealed[i] !== byte)) {
    return refuse("NotSealed", "the bytes do not start with the SAB header; the blob was not written through BlobStoreEncrypted")
  }
  const version = sealed[3]!
  if (version !== formatVersion) {
    return refuse("UnsupportedVersion", `format version ${version} is newer than this server reads (${formatVersion}); upgrade it`)
  }
  const idLength = sealed[4]!
  const headerLength = 5 + idLength + nonceLength
  if (idLength === 0 || sealed.length < headerLength + tagLength) {
    return refuse("NotSealed", "the header is truncated")
  }
  const id = new TextDecoder().decode(sealed.subarray(5, 5 + idLength))
  const key = [keyring.current, ...keyring.previous].find((candidate) => candidate.id === id)
  if (key === undefined) {
    return refuse("UnknownKey", `sealed with key ${JSON.stringify(id)}, which is not configured; add it to the previous keys`)
  }
  const header = sealed.subarray(0, headerLength)
  const decipher = createDecipheriv("aes-256-gcm", Redacted.value(key.secret), sealed.subarray(5 + idLength, headerLength), {
    authTagLength: tagLength
  })
  decipher.setAAD(concat(header, utf8.encode(blobKey)))
  decipher.setAuthTag(sealed.subarray(sealed.length - tagLength))
  try {
    return Either.right(concat(decipher.update(sealed.subarray(headerLength, sealed.length - tagLength)), decipher.final()))
  } catch {
    return refuse("Tampered", "authentication failed: the bytes were changed, or they were sealed for another blob key")
  }
}

/** `inner`, sealing what it stores and opening what it returns. */
export const encrypt = (inner: BlobStore["Type"], keyring: Keyring): BlobStore["Type"] => ({
  put: (key: BlobKey, bytes: Uint8Array) =>
    Effect.suspend(() =>
      // The stored bytes are opaque; the caller's content type would only tell what is inside.
      inner.put(key, seal(keyring.current, key, bytes), { contentType: "application/octet-stream" })
    ).pipe(Effect.withSpan("BlobStoreEncrypted.put")),
  get: (key: BlobKey) =>
    inner.get(key).pipe(
      Effect.flatMap((sealed) => Either.match(open(keyring, key, sealed), { onLeft: Effect.die, onRight: Effect.succeed })),
      Effect.withSpan("BlobStoreEncrypted.get")
    ),
  delete: (key: BlobKey) => inner.delete(key),
  deletePrefix: (prefix: BlobPrefix) => inner.deletePrefix(prefix)
})

/** Encrypts the `BlobStore` it is provided with: `layer(keyring).pipe(Layer.provide(BlobStoreFs.layer(...)))`. */
export const layer = (keyring: Keyring): Layer.Layer<BlobStore, never, BlobStore> =>
  Layer.effect(BlobStore, Effect.map(BlobStore, (inner) => encrypt(inner, keyring)))
