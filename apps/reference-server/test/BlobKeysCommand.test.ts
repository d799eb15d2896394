/**
 * `selfie-auth-server blob-keys [--reseal]` as a process, on a real data
 * folder: blobs sealed through the server's own keyring and filesystem store,
 * a key rotation, the report, the refusal while a server holds the data
 * folder, the re-seal, and retiring the old key afterwards.
 */
import { assert, describe, it } from "@effect/vitest"
import { BlobStoreEncrypted } from "@selfie-auth/adapter-fs"
import { Effect, Layer, Redacted } from "effect"
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { WorkflowStorage } from "../src/pipeline/index.js"
import * as PostgresSchema from "./pipeline/PostgresSchema.js"
import { selfieKey, serverBlobStore, temporaryDataDir, utf8 } from "./support/BlobStores.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const child = path.join(here, "support/child/ServerChild.ts")
const childTsconfig = path.join(here, "support/child/tsconfig.json")

interface Finished {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `selfie-auth-server <args>` (the command as main.ts runs it) to its end. */
const command = (args: ReadonlyArray<string>) =>
  Effect.async<Finished>((resume) => {
    execFile(process.execPath, ["--import", "tsx", child, ...args], {
      cwd: path.resolve(here, ".."),
      env: { ...process.env, TSX_TSCONFIG_PATH: childTsconfig },
      timeout: 60_000
    }, (error, stdout, stderr) => resume(Effect.succeed({ code: error === null ? 0 : Number(error.code), stdout, stderr })))
  })

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

describe("selfie-auth-server blob-keys", () => {
  it.scoped("reports the keys a rotation left in use, refuses --reseal beside a server, re-seals, and the old key can go", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      // First the data folder's own key (made on the first start), then a rotation to --blob-key.
      const before = yield* serverBlobStore(dataDir, { blobKey: undefined })
      for (const user of ["u-1", "u-2", "u-3"]) yield* before.put(selfieKey(user), utf8(`selfie of ${user}`))
      const folderKeyId = BlobStoreEncrypted.keyIdOf(fs.readFileSync(path.join(dataDir, "blob-encryption.key")))
      const newKey = randomBytes(32)
      const newKeyId = BlobStoreEncrypted.keyIdOf(newKey)
      const flags = ["--data", dataDir, "--blob-key", base64(newKey)]
      const after = yield* serverBlobStore(dataDir, { blobKey: Redacted.make(base64(newKey)) })
      yield* after.put(selfieKey("u-4"), utf8("selfie of u-4"))

      const report = yield* command(["blob-keys", ...flags])
      assert.strictEqual(report.code, 0, report.stderr)
      assert.match(report.stdout, /^4 blob\(s\) read\./)
      assert.match(report.stdout, new RegExp(`${newKeyId}\\s+1\\s+current`))
      assert.match(report.stdout, new RegExp(`${folderKeyId}\\s+3\\s+previous`))
      assert.include(report.stdout, "blob-keys --reseal")

      // A server on the same data folder holds the pipeline's lock: --reseal refuses, the report still runs.
      const refused = yield* Effect.scoped(
        Effect.gen(function*() {
          yield* Layer.build(WorkflowStorage.onePipelinePerDataFolder(dataDir))
          return {
            reseal: yield* command(["blob-keys", "--reseal", ...flags]),
            report: yield* command(["blob-keys", ...flags])
          }
        })
      )
      assert.strictEqual(refused.reseal.code, 1)
      assert.include(refused.reseal.stderr, "a selfie-auth-server is running on this data folder")
      assert.strictEqual(refused.report.code, 0)
      assert.strictEqual(BlobStoreEncrypted.keyIdOf(fs.readFileSync(path.join(dataDir, "blob-encryption.key"))), folderKeyId)

      const resealed = yield* command(["blob-keys", "--reseal", ...flags])
      assert.strictEqual(resealed.code, 0, resealed.stderr)
      assert.include(resealed.stdout, `4 blob(s) read: 3 re-sealed with ${newKeyId}, 1 already were.`)

      // Retire the old key: without the data folder's key file, every image still opens.
      fs.rmSync(path.join(dataDir, "blob-encryption.key"))
      const retired = yield* command(["blob-keys", ...flags])
      assert.strictEqual(retired.code, 0, retired.stderr)
      assert.notInclude(retired.stdout, folderKeyId)
      assert.match(retired.stdout, new RegExp(`${newKeyId}\\s+4\\s+current`))
      const only = yield* serverBlobStore(dataDir, { blobKey: Redacted.make(base64(newKey)) })
      for (const user of ["u-1", "u-2", "u-3", "u-4"]) assert.deepStrictEqual(yield* only.get(selfieKey(user)), utf8(`selfie of ${user}`))
    }))

  it.scoped("on Postgres, --reseal takes the database's pipeline lock: refused while a server holds it", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      const { schema, url } = yield* Effect.acquireRelease(PostgresSchema.create, ({ schema }) => PostgresSchema.drop(schema))
      const key = randomBytes(32)
      const store = yield* serverBlobStore(dataDir, { blobKey: Redacted.make(base64(key)) })
      yield* store.put(selfieKey("u-1"), utf8("selfie"))
      const flags = ["--data", dataDir, "--blob-key", base64(key), "--database-url", url]

      const refused = yield* Effect.scoped(
        Effect.gen(function*() {
          yield* Layer.build(
            WorkflowStorage.onePipelinePerDatabase.pipe(Layer.provide(WorkflowStorage.sqlLayer({ _tag: "Postgres", url: Redacted.make(url) })))
          )
          return yield* command(["blob-keys", "--reseal", ...flags])
        })
      )
      assert.strictEqual(refused.code, 1, `schema ${schema}`)
      assert.include(refused.stderr, "a selfie-auth-server is running on this database")

      const resealed = yield* command(["blob-keys", "--reseal", ...flags])
      assert.strictEqual(resealed.code, 0, resealed.stderr)
      assert.include(resealed.stdout, "1 blob(s) read: 0 re-sealed")
    }))

  it.scoped("exits 1 and names every blob the configured keys cannot open, and the key id that is missing", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      const lostKey = randomBytes(32)
      const key = randomBytes(32)
      const lost = yield* serverBlobStore(dataDir, { blobKey: Redacted.make(base64(lostKey)) })
      yield* lost.put(selfieKey("u-1"), utf8("sealed by a key that was then lost"))
      const current = yield* serverBlobStore(dataDir, { blobKey: Redacted.make(base64(key)) })
      yield* current.put(selfieKey("u-2"), utf8("fine"))

      const report = yield* command(["blob-keys", "--data", dataDir, "--blob-key", base64(key)])
      assert.strictEqual(report.code, 1)
      assert.match(report.stdout, new RegExp(`${BlobStoreEncrypted.keyIdOf(lostKey)}\\s+1\\s+MISSING`))
      assert.include(report.stdout, `${selfieKey("u-1")}: UnknownKey`)
      assert.notInclude(report.stdout, selfieKey("u-2"))
      assert.notInclude(report.stdout, "--reseal", "a re-seal cannot move blobs whose key is missing")

      const resealed = yield* command(["blob-keys", "--reseal", "--data", dataDir, "--blob-key", base64(key)])
      assert.strictEqual(resealed.code, 1)
      assert.include(resealed.stdout, `${selfieKey("u-1")}: UnknownKey`)
      assert.include(resealed.stdout, "left as they were")
    }))

  it.scoped("says what to fix when the data folder or its key is missing, and --reseal is only a blob-keys flag", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      const noFolder = yield* command(["blob-keys", "--data", path.join(dataDir, "absent")])
      assert.strictEqual(noFolder.code, 2)
      assert.include(noFolder.stderr, "blob-keys could not start")
      assert.include(noFolder.stderr, "does not exist: give the data folder the server uses")

      const noKey = yield* command(["blob-keys", "--data", dataDir])
      assert.strictEqual(noKey.code, 2)
      assert.include(noKey.stderr, "blob-encryption.key does not exist and no --blob-key is given")
      assert.isFalse(fs.existsSync(path.join(dataDir, "blob-encryption.key")), "the report never makes a key")

      const misplaced = yield* command(["--reseal", "--data", dataDir, "--partners", "p.json"])
      assert.strictEqual(misplaced.code, 2)
      assert.include(misplaced.stderr, "--reseal")
    }))
})
