/**
 * The data folder (`--data`): created on first start, then holding
 * - `tls/` the self-signed certificate and its key (see `Tls.ts`);
 * - `upload-url.key` the 32-byte secret that signs upload URLs (owner-only);
 * - `blob-encryption.key` the blob key when `--blob-key` is not given (kept as a read key once it is);
 * - whatever the storage adapters keep there (SQLite file, blobs).
 */
import { Effect, Option, Redacted, Schema } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"

/** The data folder cannot be used; `message` says why and what to do. */
export class DataDirUnavailable extends Schema.TaggedError<DataDirUnavailable>()("DataDirUnavailable", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Creates the folder (and parents) if needed and checks that it is a writable directory. */
export const prepare = Effect.fn("DataDir.prepare")(function*(dataDir: string) {
  yield* Effect.tryPromise({
    try: async () => {
      await fs.mkdir(dataDir, { recursive: true, mode: 0o700 })
      await fs.access(dataDir, fs.constants.W_OK | fs.constants.R_OK)
    },
    catch: (error) =>
      new DataDirUnavailable({ detail: `--data ${dataDir} cannot be used as the data folder: ${errorText(error)}; give a writable folder` })
  })
  return path.resolve(dataDir)
})

const secretLength = 32

/**
 * The upload-URL secret of a data folder, made on first start. Keeping it in
 * the folder means upload URLs stay valid across restarts.
 */
export const uploadUrlSecret = (dataDir: string) =>
  secretFile(path.join(dataDir, "upload-url.key"), "delete it to make a new secret (outstanding upload URLs become invalid)")

const blobKeyDamaged = "restore it from a backup (the images it sealed open with no other key; delete it only if there are none)"

/** The data folder's blob key file, `blob-encryption.key`. */
export const blobEncryptionKeyFile = (dataDir: string) => path.join(dataDir, "blob-encryption.key")

/**
 * The blob encryption key kept in the data folder when none is configured,
 * made on first start. It protects images that leave the folder without it
 * (a copied blobs folder, a bucket); a deployment that keeps backups of the
 * whole folder should configure the key elsewhere (`SELFIE_AUTH_BLOB_KEY`).
 */
export const blobEncryptionKey = (dataDir: string) => secretFile(blobEncryptionKeyFile(dataDir), blobKeyDamaged)

/**
 * The data folder's blob key if one was made earlier, never making one: with
 * `--blob-key` configured it still opens the images it sealed.
 */
export const existingBlobEncryptionKey = (dataDir: string) =>
  existingSecret(blobEncryptionKeyFile(dataDir), blobKeyDamaged)

/** The secret in `file`, or none if the file does not exist. */
const existingSecret = Effect.fn("DataDir.existingSecret")(function*(file: string, ifDamaged: string) {
  const bytes = yield* Effect.tryPromise({
    try: async () => {
      try {
        return new Uint8Array(await fs.readFile(file))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
        throw error
      }
    },
    catch: (error) => new DataDirUnavailable({ detail: `cannot read ${file}: ${errorText(error)}` })
  })
  if (bytes === undefined) return Option.none<Redacted.Redacted<Uint8Array>>()
  if (bytes.length !== secretLength) {
    return yield* new DataDirUnavailable({ detail: `${file} holds ${bytes.length} bytes, not ${secretLength}; ${ifDamaged}` })
  }
  return Option.some(Redacted.make(bytes))
})

/** The secret in `file`, made (owner-only) if the file does not exist. */
const secretFile = Effect.fn("DataDir.secretFile")(function*(file: string, ifDamaged: string) {
  const existing = yield* existingSecret(file, ifDamaged)
  if (Option.isSome(existing)) return existing.value
  const fresh = new Uint8Array(randomBytes(secretLength))
  yield* Effect.tryPromise({
    // `wx`: if another process made it meanwhile, fail rather than overwrite, and read theirs on the next start.
    try: () => fs.writeFile(file, fresh, { mode: 0o600, flag: "wx" }),
    catch: (error) => new DataDirUnavailable({ detail: `cannot create ${file}: ${errorText(error)}` })
  })
  return Redacted.make(fresh)
})
