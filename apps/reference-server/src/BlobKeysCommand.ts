/**
 * `selfie-auth-server blob-keys [--reseal]`: which blob keys the stored
 * images and zips still need, and moving them all to the current key.
 *
 * It reads the server's own configuration (the same flags and variables:
 * `--data`, `--blob-key`, `--blob-previous-keys`, `--s3-*`,
 * `--database-url`), builds the keyring exactly as the server does, and walks
 * the store under the encryption (`BlobKeyInventory`):
 * - without `--reseal`: one line per key id (current, previous, legacy or
 *   missing) with the number of blobs it seals, every blob the keyring cannot
 *   open, and what the operator can do next. Read-only; safe beside a running
 *   server.
 * - with `--reseal`: every blob not under the current key is opened and put
 *   back sealed with it. It first takes the pipeline's lock (the data folder's
 *   `pipeline.lock`, or the Postgres advisory lock), so it refuses to run
 *   while a server runs on the same data: a user erased between a blob's read
 *   and its re-sealed write would get that image back.
 *
 * Exit status: 0 when every blob opens; 1 when some do not (they are listed),
 * a server holds the lock, or the store cannot be reached; 2 for a
 * configuration mistake (no data folder, no key).
 */
import { BlobKeyInventory, type BlobStoreEncrypted } from "@selfie-auth/adapter-fs"
import { BlobStore } from "@selfie-auth/core"
import { Effect, Layer, Option, Schema } from "effect"
import * as fs from "node:fs"
import * as DataDir from "./DataDir.js"
import { WorkflowStorage } from "./pipeline/index.js"
import { blobKeyring, unsealedBlobStore } from "./ProductBackend.js"
import type { BlobKeysConfig } from "./ServerConfig.js"

/** Blobs that do not open, listed one per line up to this many; the rest are counted. */
const listedUnopenable = 20

/** `blob-keys` cannot start: the message says what to fix. */
export class BlobKeysUnavailable extends Schema.TaggedError<BlobKeysUnavailable>()("BlobKeysUnavailable", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** `--reseal` refused: a server holds the pipeline's lock on the same data, or the lock cannot be taken. */
export class BlobStoreInUse extends Schema.TaggedError<BlobStoreInUse>()("BlobStoreInUse", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** Holds the lock a running server holds on the same data, for as long as the scope is open. */
const pipelineLock = (config: BlobKeysConfig): Layer.Layer<never, BlobStoreInUse> => {
  const database = config.database ?? { _tag: "Sqlite" }
  const lock = database._tag === "Postgres"
    ? WorkflowStorage.onePipelinePerDatabase.pipe(Layer.provide(WorkflowStorage.sqlLayer({ _tag: "Postgres", url: database.url })))
    : WorkflowStorage.onePipelinePerDataFolder(config.dataDir)
  return lock.pipe(
    Layer.catchAll((error) =>
      Layer.fail(
        new BlobStoreInUse({
          detail: error._tag === "JournalInUse"
            ? `a selfie-auth-server is running on this ${database._tag === "Postgres" ? "database" : "data folder"}: ` +
              "stop it (and every server sharing the blob store) before --reseal, which could otherwise write back an image the server erases"
            : `cannot take the pipeline's lock: ${error instanceof Error ? error.message : String(error)}`
        })
      )
    )
  )
}

const roleText: Record<BlobKeyInventory.KeyRole, string> = {
  current: "current (seals new blobs)",
  previous: "previous (opens only)",
  legacy: "legacy id (opened by whichever configured key fits)",
  missing: "MISSING: no configured key has this id"
}

const unopenableLines = (unopenable: ReadonlyArray<BlobStoreEncrypted.BlobUndecryptable>): Array<string> =>
  unopenable.length === 0 ? [] : [
    "",
    `${unopenable.length} blob(s) do not open with the configured keys:`,
    ...unopenable.slice(0, listedUnopenable).map((error) => `  ${error.key}: ${error.reason}: ${error.detail}`),
    ...(unopenable.length > listedUnopenable ? [`  ... and ${unopenable.length - listedUnopenable} more`] : [])
  ]

/** The report's text: a table of key ids, the blobs that do not open, and what to do next. */
export const inventoryText = (report: BlobKeyInventory.Inventory): string => {
  const width = Math.max(6, ...report.keys.map((usage) => usage.keyId.length))
  const table = [
    `${"key id".padEnd(width)}  ${"blobs".padStart(7)}  role`,
    ...report.keys.map((usage) => `${usage.keyId.padEnd(width)}  ${String(usage.blobs).padStart(7)}  ${roleText[usage.role]}`)
  ]
  const retirable = report.keys.filter((usage) => usage.role === "previous" && usage.blobs === 0)
  const toMove = report.keys.filter((usage) => (usage.role === "previous" || usage.role === "legacy") && usage.blobs > 0)
  const advice = [
    ...retirable.map((usage) =>
      `${usage.keyId} seals no stored blob: it can be retired (drop it from --blob-previous-keys, ` +
      "or delete the data folder's blob-encryption.key if it is that key)."
    ),
    ...(toMove.length === 0 ? [] : [
      `${toMove.reduce((sum, usage) => sum + usage.blobs, 0)} blob(s) are sealed with a key other than the current one: ` +
      "stop the server and run `selfie-auth-server blob-keys --reseal` with the same configuration to move them to it."
    ]),
    ...(report.keys.some((usage) => usage.role === "missing")
      ? ["A missing key's blobs cannot be read until the key is configured again (--blob-previous-keys)."]
      : [])
  ]
  return [
    `${report.blobs} blob(s) read.`,
    "",
    ...table,
    ...unopenableLines(report.unopenable),
    ...(advice.length === 0 ? [] : ["", ...advice])
  ].join("\n")
}

/** The re-seal's text: what moved, what stayed, and the blobs that do not open. */
export const resealText = (report: BlobKeyInventory.ResealReport, currentKeyId: string): string =>
  [
    `${report.blobs} blob(s) read: ${report.resealed} re-sealed with ${currentKeyId}, ${report.alreadyCurrent} already were.`,
    ...unopenableLines(report.unopenable),
    ...(report.unopenable.length === 0
      ? ["", "Every blob is now sealed with the current key: the earlier keys can be retired from the configuration."]
      : ["", "The blobs above were left as they were; the keys they name are still needed."])
  ].join("\n")

/** Runs `blob-keys`; answers the exit status (0 when every blob opens, 1 when some do not). */
export const run = (config: BlobKeysConfig, reseal: boolean) =>
  Effect.gen(function*() {
    if (!fs.existsSync(config.dataDir)) {
      return yield* new BlobKeysUnavailable({ detail: `--data ${config.dataDir} does not exist: give the data folder the server uses` })
    }
    if (config.blobKey === undefined && Option.isNone(yield* DataDir.existingBlobEncryptionKey(config.dataDir))) {
      return yield* new BlobKeysUnavailable({
        detail: `${DataDir.blobEncryptionKeyFile(config.dataDir)} does not exist and no --blob-key is given: ` +
          "give the configuration the server runs with (this data folder has never sealed a blob with its own key)"
      })
    }
    const keyring = yield* blobKeyring({ config, dataDir: config.dataDir })
    const progress = (blobs: number) => Effect.sync(() => process.stderr.write(`read ${blobs} blob(s)\n`))
    const program = Effect.gen(function*() {
      const store = yield* BlobStore
      if (!reseal) {
        const report = yield* BlobKeyInventory.inventory(store, keyring, { onPage: progress })
        process.stdout.write(`${inventoryText(report)}\n`)
        return report.unopenable.length === 0 ? 0 : 1
      }
      const report = yield* BlobKeyInventory.reseal(store, keyring, { onPage: progress })
      process.stdout.write(`${resealText(report, keyring.current.id)}\n`)
      return report.unopenable.length === 0 ? 0 : 1
    })
    const store = unsealedBlobStore({ blobs: config.blobs, dataDir: config.dataDir })
    const layer = reseal ? Layer.merge(store, pipelineLock(config)) : store
    return yield* Effect.scoped(Layer.build(layer).pipe(Effect.flatMap((context) => Effect.provide(program, context))))
  })
