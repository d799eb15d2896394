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
 * A key's id is derived from the key ({@link keyIdOf}: `fp-` and 16 hex
 * digits of a domain-separated SHA-256), so every blob names the key that
 * sealed it and two keys never share an id. Keys rotate: blobs are sealed
 * with the keyring's `current` key and opened with whichever key their
 * header names, `current` or one of `previous`. Retire a key only once
 * nothing sealed with it is left (`previous` keeps old blobs readable
 * meanwhile). Blobs written before ids were derived from keys name a fixed
 * id (`legacyIds`, the reference server's `k1`) and open with whichever key
 * of the ring authenticates them.
 *
 * Through the port, a blob that does not open is a defect carrying a
 * {@link BlobUndecryptable} (the `BlobStore` port admits only `BlobNotFound`
 * on `get`, and an unreadable selfie is an incident, not a user error);
 * {@link open} answers it as a typed value for tools that check a store.
 * There is no plaintext fallback: a blob without the header is refused,
 * so nobody can plant an unencrypted image.
 *
 * @example
 * const keyring = Either.getOrThrow(BlobStoreEncrypted.keyringFromBase64({ current: Redacted.make(base64), previous: [Redacted.make(oldBase64)] }))
 * const blobs = BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(BlobStoreFs.layer({ directory })))
 */
import type { BlobKey, BlobPrefix } from "@selfie-auth/core"
import { BlobStore } from "@selfie-auth/core"
import { Effect, Either, Encoding, Layer, Redacted, Schema } from "effect"
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"

/** A key's name as written into every blob it seals: 1 to 64 of `A-Z a-z 0-9 . _ -`. */
export const KeyId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._-]{1,64}$/, { message: () => "must be 1 to 64 letters, digits, '.', '_' or '-'" })
)

/** One AES-256 key and its id (from {@link keyFromBytes} or {@link keyFromBase64}: the id is {@link keyIdOf} the key). */
export interface EncryptionKey {
  readonly id: string
  /** 32 bytes. */
  readonly secret: Redacted.Redacted<Uint8Array>
}

/**
 * The key that seals new blobs, older ones still able to open what they
 * sealed, and the ids that name no key in particular.
 */
export interface Keyring {
  readonly current: EncryptionKey
  readonly previous: ReadonlyArray<EncryptionKey>
  /**
   * Ids written before ids were derived from keys (the reference server once
   * wrote `k1` whatever the key). A blob naming one opens with whichever key
   * of the ring authenticates it: GCM's tag decides, and a blob opens under
   * at most one key unless someone holding two keys crafted it.
   */
  readonly legacyIds?: ReadonlyArray<string> | undefined
  /** Where an operator supplies a missing key, appended to `UnknownKey` errors (e.g. the flag to use). */
  readonly missingKeyAdvice?: string | undefined
}

/** A configured key is unusable; `detail` says how to fix it (the key itself is never printed). */
export class InvalidEncryptionKey extends Schema.TaggedError<InvalidEncryptionKey>()("InvalidEncryptionKey", {
  /** Where the key came from, e.g. `--blob-key`. */
  source: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Blob encryption key from ${this.source}: ${this.detail}`
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
  /** Sealed under a legacy id (see {@link Keyring.legacyIds}) and no key of the ring opens it: its key is missing, or the bytes changed. */
  "NoLegacyKeyOpens",
  /** Authentication failed: bytes changed, or sealed under another blob key. */
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

const utf8 = new TextEncoder()

/** The hash input's prefix, so that a key id is never a hash of the key usable elsewhere. */
const keyIdDomain = utf8.encode("selfie-auth blob key id v1\0")

/**
 * The id of a key: `fp-` and the first 8 bytes, in hex, of
 * SHA-256("selfie-auth blob key id v1" NUL key). It names the key in every
 * blob the key seals, so a blob always says which key opens it, and the same
 * key has the same id on every server and every start. It reveals nothing
 * usable about the key (a truncated hash of 256 secret bits).
 */
export const keyIdOf = (secret: Uint8Array): string =>
  `fp-${createHash("sha256").update(keyIdDomain).update(secret).digest("hex").slice(0, 16)}`

/** A key from its 32 bytes; `source` names where it came from in errors. */
export const keyFromBytes = (
  secret: Redacted.Redacted<Uint8Array>,
  source = "configuration"
): Either.Either<EncryptionKey, InvalidEncryptionKey> => {
  const bytes = Redacted.value(secret)
  if (bytes.length !== keyLength) {
    return Either.left(
      new InvalidEncryptionKey({
        source,
        detail: `is ${bytes.length} bytes; AES-256 needs exactly 32 (generate one with \`openssl rand -base64 32\`)`
      })
    )
  }
  return Either.right({ id: keyIdOf(bytes), secret })
}

/**
 * A key from configuration: `base64` must decode (standard alphabet, with
 * padding) to exactly 32 bytes, e.g. the output of `openssl rand -base64 32`.
 * `source` names where it came from in errors (`--blob-key`).
 */
export const keyFromBase64 = (
  base64: Redacted.Redacted<string>,
  source = "configuration"
): Either.Either<EncryptionKey, InvalidEncryptionKey> => {
  const decoded = Encoding.decodeBase64(Redacted.value(base64).trim())
  if (Either.isLeft(decoded)) {
    return Either.left(new InvalidEncryptionKey({ source, detail: "is not base64; generate one with `openssl rand -base64 32`" }))
  }
  if (decoded.right.length !== keyLength) {
    return Either.left(
      new InvalidEncryptionKey({
        source,
        detail: `decodes to ${decoded.right.length} bytes; AES-256 needs exactly 32 (generate one with \`openssl rand -base64 32\`)`
      })
    )
  }
  return keyFromBytes(Redacted.make(decoded.right), source)
}

/**
 * A keyring: `current` seals, every key opens what it sealed. A key given
 * twice (as current and previous, or twice as previous) is kept once, so an
 * operator may list keys generously.
 */
export const makeKeyring = (config: {
  readonly current: EncryptionKey
  readonly previous?: ReadonlyArray<EncryptionKey> | undefined
  readonly legacyIds?: ReadonlyArray<string> | undefined
  readonly missingKeyAdvice?: string | undefined
}): Keyring => {
  const seen = new Set([config.current.id])
  const previous = (config.previous ?? []).filter((key) => !seen.has(key.id) && seen.add(key.id))
  return { current: config.current, previous, legacyIds: config.legacyIds, missingKeyAdvice: config.missingKeyAdvice }
}

/** A keyring from configured base64 keys (see {@link makeKeyring}). */
export const keyringFromBase64 = (config: {
  readonly current: Redacted.Redacted<string>
  readonly previous?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  readonly legacyIds?: ReadonlyArray<string> | undefined
  readonly missingKeyAdvice?: string | undefined
}): Either.Either<Keyring, InvalidEncryptionKey> =>
  Either.gen(function*() {
    const current = yield* keyFromBase64(config.current, "the current key")
    const previous: Array<EncryptionKey> = []
    for (const [index, key] of (config.previous ?? []).entries()) {
      previous.push(yield* keyFromBase64(key, `previous key ${index + 1}`))
    }
    return makeKeyring({ current, previous, legacyIds: config.legacyIds, missingKeyAdvice: config.missingKeyAdvice })
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

/** The plaintext if `key` authenticates the sealed bytes, undefined if not. */
const decrypt = (key: EncryptionKey, blobKey: string, sealed: Uint8Array, headerLength: number): Uint8Array | undefined => {
  const decipher = createDecipheriv("aes-256-gcm", Redacted.value(key.secret), sealed.subarray(headerLength - nonceLength, headerLength), {
    authTagLength: tagLength
  })
  decipher.setAAD(concat(sealed.subarray(0, headerLength), utf8.encode(blobKey)))
  decipher.setAuthTag(sealed.subarray(sealed.length - tagLength))
  try {
    return concat(decipher.update(sealed.subarray(headerLength, sealed.length - tagLength)), decipher.final())
  } catch {
    return undefined
  }
}

/** The keyring's ids for messages: `fp-1 (current), fp-2, fp-3`. */
const describeKeys = (keyring: Keyring): string =>
  [`${keyring.current.id} (current)`, ...keyring.previous.map((key) => key.id)].join(", ")

/** The header of sealed bytes: the key id it names and where the ciphertext starts. */
const readHeader = (
  blobKey: string,
  sealed: Uint8Array
): Either.Either<{ readonly id: string; readonly headerLength: number }, BlobUndecryptable> => {
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
  return Either.right({ id: new TextDecoder().decode(sealed.subarray(5, 5 + idLength)), headerLength })
}

/**
 * The id of the key that sealed the blob `blobKey` (its header's; nothing is
 * decrypted, so a changed byte elsewhere is not noticed here), or why the
 * bytes are not a sealed blob this code reads.
 */
export const sealedKeyId = (blobKey: string, sealed: Uint8Array): Either.Either<string, BlobUndecryptable> =>
  Either.map(readHeader(blobKey, sealed), (header) => header.id)

/**
 * Opens what {@link seal} sealed for `blobKey` with a key of `keyring`, or
 * says why it cannot. A blob naming one of `keyring.legacyIds` is tried with
 * every key of the ring, the current one first.
 */
export const open = (keyring: Keyring, blobKey: string, sealed: Uint8Array): Either.Either<Uint8Array, BlobUndecryptable> => {
  const refuse = (reason: UndecryptableReason, detail: string) => Either.left(new BlobUndecryptable({ key: blobKey, reason, detail }))
  const header = readHeader(blobKey, sealed)
  if (Either.isLeft(header)) return Either.left(header.left)
  const { headerLength, id } = header.right
  const keys = [keyring.current, ...keyring.previous]
  const advice = keyring.missingKeyAdvice ?? "add that key to the keyring's previous keys"
  const key = keys.find((candidate) => candidate.id === id)
  if (key === undefined && keyring.legacyIds?.includes(id)) {
    for (const candidate of keys) {
      const plaintext = decrypt(candidate, blobKey, sealed, headerLength)
      if (plaintext !== undefined) return Either.right(plaintext)
    }
    return refuse(
      "NoLegacyKeyOpens",
      `sealed under the legacy key id ${JSON.stringify(id)} (written before key ids were derived from keys), and none of ` +
        `the configured keys (${describeKeys(keyring)}) opens it: either the key that sealed it is missing (${advice}), ` +
        "or the bytes were changed"
    )
  }
  if (key === undefined) {
    return refuse(
      "UnknownKey",
      `sealed with key id ${JSON.stringify(id)}, which is none of the configured keys (${describeKeys(keyring)}); ${advice}`
    )
  }
  const plaintext = decrypt(key, blobKey, sealed, headerLength)
  return plaintext === undefined
    ? refuse("Tampered", "authentication failed: the bytes were changed, or they were sealed for another blob key")
    : Either.right(plaintext)
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
  deletePrefix: (prefix: BlobPrefix) => inner.deletePrefix(prefix),
  list: (page) => inner.list(page)
})

/** Encrypts the `BlobStore` it is provided with: `layer(keyring).pipe(Layer.provide(BlobStoreFs.layer(...)))`. */
export const layer = (keyring: Keyring): Layer.Layer<BlobStore, never, BlobStore> =>
  Layer.effect(BlobStore, Effect.map(BlobStore, (inner) => encrypt(inner, keyring)))
