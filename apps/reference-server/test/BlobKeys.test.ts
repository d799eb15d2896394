/**
 * Blob keys across restarts, on a real data folder: each "start" builds the
 * keyring from the configuration exactly as the server does and seals over
 * the real filesystem store (`support/BlobStores.ts`).
 */
import { assert, describe, it } from "@effect/vitest"
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { BlobKey, BlobStore } from "@selfie-auth/core"
import { Cause, Effect, Either, Exit, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { blobKeyring, legacyBlobKeyId } from "../src/ProductBackend.js"
import { parseCommand } from "../src/ServerConfig.js"
import { type KeyConfig, selfieKey, serverBlobStore, temporaryDataDir, utf8 } from "./support/BlobStores.js"

const freshKey = () => randomBytes(32)
const base64 = (key: Uint8Array) => Buffer.from(key).toString("base64")
const idOf = (key: Uint8Array) => BlobStoreEncrypted.keyIdOf(key)
const config = (current: Uint8Array | undefined, previous: ReadonlyArray<Uint8Array> = []): KeyConfig => ({
  blobKey: current === undefined ? undefined : Redacted.make(base64(current)),
  blobPreviousKeys: previous.map((key) => Redacted.make(base64(key)))
})

const fileOf = (dataDir: string, key: BlobKey) => path.join(dataDir, "blobs", "objects", key)
/** The key id written in a stored blob's header. */
const idOnDisk = (dataDir: string, key: BlobKey) => {
  const sealed = fs.readFileSync(fileOf(dataDir, key))
  return sealed.subarray(5, 5 + sealed[4]!).toString("latin1")
}

/** Why `get` died, as the typed error the encrypted store carries. */
const failureOf = (store: BlobStore["Type"], key: BlobKey) =>
  Effect.map(Effect.exit(store.get(key)), (exit) => {
    const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
    if (!(defect instanceof BlobStoreEncrypted.BlobUndecryptable)) return assert.fail(`expected BlobUndecryptable, got ${String(defect)}`)
    return defect
  })

describe("blob keys across restarts", () => {
  it.scoped("generated key, then --blob-key: old images still open, new ones name the new key", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      const first = yield* serverBlobStore(dataDir, config(undefined))
      yield* first.put(selfieKey("u-1"), utf8("selfie sealed with the generated key"))
      const folderKey = fs.readFileSync(path.join(dataDir, "blob-encryption.key"))
      assert.strictEqual(idOnDisk(dataDir, selfieKey("u-1")), idOf(folderKey))

      const configured = freshKey()
      const second = yield* serverBlobStore(dataDir, config(configured))
      assert.deepStrictEqual(yield* second.get(selfieKey("u-1")), utf8("selfie sealed with the generated key"))
      yield* second.put(selfieKey("u-2"), utf8("selfie sealed with --blob-key"))
      assert.strictEqual(idOnDisk(dataDir, selfieKey("u-2")), idOf(configured))
      assert.notStrictEqual(idOf(configured), idOf(folderKey))

      // The next start reads both, and the generated key file is neither replaced nor removed.
      const third = yield* serverBlobStore(dataDir, config(configured))
      assert.deepStrictEqual(yield* third.get(selfieKey("u-1")), utf8("selfie sealed with the generated key"))
      assert.deepStrictEqual(yield* third.get(selfieKey("u-2")), utf8("selfie sealed with --blob-key"))
      assert.deepStrictEqual(fs.readFileSync(path.join(dataDir, "blob-encryption.key")), folderKey)
    }))

  it.scoped("--blob-key makes no key file in a data folder that has none", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      const store = yield* serverBlobStore(dataDir, config(freshKey()))
      yield* store.put(selfieKey("u-1"), utf8("x"))
      assert.isFalse(fs.existsSync(path.join(dataDir, "blob-encryption.key")))
    }))

  it.scoped("rotation: the old --blob-key moves to --blob-previous-keys; retiring it too early names the missing key and the flag", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      const [x, y, z] = [freshKey(), freshKey(), freshKey()]
      yield* (yield* serverBlobStore(dataDir, config(x))).put(selfieKey("u-x"), utf8("sealed with x"))

      const rotated = yield* serverBlobStore(dataDir, config(y, [x]))
      assert.deepStrictEqual(yield* rotated.get(selfieKey("u-x")), utf8("sealed with x"))
      yield* rotated.put(selfieKey("u-y"), utf8("sealed with y"))
      assert.strictEqual(idOnDisk(dataDir, selfieKey("u-y")), idOf(y))
      // An image rewritten after the rotation is sealed with the new key.
      yield* rotated.put(selfieKey("u-x"), utf8("sealed with x, rewritten"))
      assert.strictEqual(idOnDisk(dataDir, selfieKey("u-x")), idOf(y))

      yield* (yield* serverBlobStore(dataDir, config(z, [y]))).put(selfieKey("u-old"), utf8("z"))
      const withoutY = yield* serverBlobStore(dataDir, config(z, [x]))
      const missing = yield* failureOf(withoutY, selfieKey("u-y"))
      assert.strictEqual(missing.reason, "UnknownKey")
      assert.include(missing.message, `sealed with key id "${idOf(y)}"`)
      assert.include(missing.message, `${idOf(z)} (current), ${idOf(x)}`)
      assert.include(missing.message, "--blob-previous-keys (or SELFIE_AUTH_BLOB_PREVIOUS_KEYS)")
      assert.notInclude(missing.message, base64(y))
      assert.deepStrictEqual(yield* (yield* serverBlobStore(dataDir, config(z, [y]))).get(selfieKey("u-y")), utf8("sealed with y"))
    }))

  it.scoped("upgrade: a data folder written the old way (every blob under \"k1\") opens, even one where --blob-key changed", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      // The old server: the generated key file, blobs sealed under "k1" with it; then an operator who
      // switched to --blob-key, whose blobs were also sealed under "k1" (the defect this fixes).
      const folderKey = freshKey()
      fs.writeFileSync(path.join(dataDir, "blob-encryption.key"), folderKey, { mode: 0o600 })
      const oldBlobKey = freshKey()
      const legacy = (secret: Uint8Array): BlobStoreEncrypted.EncryptionKey => ({ id: legacyBlobKeyId, secret: Redacted.make(secret) })
      const plain = yield* Effect.provide(BlobStore, BlobStoreFs.layer({ directory: path.join(dataDir, "blobs") }))
      yield* plain.put(selfieKey("u-1"), BlobStoreEncrypted.seal(legacy(folderKey), selfieKey("u-1"), utf8("old, generated key")))
      yield* plain.put(selfieKey("u-2"), BlobStoreEncrypted.seal(legacy(oldBlobKey), selfieKey("u-2"), utf8("old, --blob-key")))
      assert.strictEqual(idOnDisk(dataDir, selfieKey("u-1")), "k1")

      const upgraded = yield* serverBlobStore(dataDir, config(oldBlobKey))
      assert.deepStrictEqual(yield* upgraded.get(selfieKey("u-1")), utf8("old, generated key"))
      assert.deepStrictEqual(yield* upgraded.get(selfieKey("u-2")), utf8("old, --blob-key"))
      yield* upgraded.put(selfieKey("u-3"), utf8("new"))
      assert.strictEqual(idOnDisk(dataDir, selfieKey("u-3")), idOf(oldBlobKey))

      // Back on the generated key alone, the "k1" blob of the missing --blob-key says what to supply.
      const folderOnly = yield* serverBlobStore(dataDir, config(undefined))
      assert.deepStrictEqual(yield* folderOnly.get(selfieKey("u-1")), utf8("old, generated key"))
      const missing = yield* failureOf(folderOnly, selfieKey("u-2"))
      assert.strictEqual(missing.reason, "NoLegacyKeyOpens")
      assert.include(missing.message, `legacy key id "k1"`)
      assert.include(missing.message, "--blob-previous-keys")
      assert.deepStrictEqual(yield* (yield* serverBlobStore(dataDir, config(undefined, [oldBlobKey]))).get(selfieKey("u-2")), utf8("old, --blob-key"))
    }))

  it.scoped("a changed byte is still refused as tampering, and a blob moved to another user's key too", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      const [x, y] = [freshKey(), freshKey()]
      yield* (yield* serverBlobStore(dataDir, config(x))).put(selfieKey("u-1"), utf8("selfie one"))
      const store = yield* serverBlobStore(dataDir, config(y, [x]))
      yield* store.put(selfieKey("u-2"), utf8("selfie two"))
      for (const user of ["u-1", "u-2"]) {
        const file = fileOf(dataDir, selfieKey(user))
        const bytes = fs.readFileSync(file)
        bytes[bytes.length - 20]! ^= 0x04
        fs.writeFileSync(file, bytes)
        assert.strictEqual((yield* failureOf(store, selfieKey(user))).reason, "Tampered", user)
      }
      yield* store.put(selfieKey("u-3"), utf8("selfie three"))
      fs.copyFileSync(fileOf(dataDir, selfieKey("u-3")), fileOf(dataDir, selfieKey("u-1")))
      assert.strictEqual((yield* failureOf(store, selfieKey("u-1"))).reason, "Tampered")
    }))

  it.scoped("a damaged data-folder key stops the start with what to do, never replaced", () =>
    Effect.gen(function*() {
      const dataDir = yield* temporaryDataDir
      fs.writeFileSync(path.join(dataDir, "blob-encryption.key"), Buffer.alloc(16))
      const error = yield* Effect.flip(blobKeyring({ config: config(freshKey()), dataDir }))
      assert.include(error.message, "holds 16 bytes, not 32; restore it from a backup")
      assert.strictEqual(fs.statSync(path.join(dataDir, "blob-encryption.key")).size, 16)
    }))
})

describe("--blob-previous-keys", () => {
  const required = ["--data", "d", "--partners", "p"]
  const runConfig = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
    const command = parseCommand(argv, env)
    if (Either.isLeft(command) || command.right._tag !== "Run") return assert.fail("expected a configuration")
    return command.right.config
  }

  it("reads comma-separated keys from the flag or its variable, redacted, blanks and a trailing comma ignored", () => {
    const [a, b] = [base64(freshKey()), base64(freshKey())]
    const fromFlag = runConfig([...required, "--blob-previous-keys", `${a}, ${b},`])
    assert.deepStrictEqual(fromFlag.blobPreviousKeys?.map(Redacted.value), [a, b])
    assert.notInclude(String(fromFlag.blobPreviousKeys), a)
    const fromEnv = runConfig(required, { SELFIE_AUTH_BLOB_PREVIOUS_KEYS: a })
    assert.deepStrictEqual(fromEnv.blobPreviousKeys?.map(Redacted.value), [a])
    assert.isUndefined(runConfig(required).blobPreviousKeys)
  })

  it("names a bad entry by its position, never by its value", () => {
    const good = base64(freshKey())
    const command = parseCommand([...required, "--blob-previous-keys", `${good},c2hvcnQ=`], {})
    const problems = Either.isLeft(command) ? command.left.problems : []
    assert.strictEqual(problems.length, 1)
    assert.match(problems[0] ?? "", /--blob-previous-keys \(or SELFIE_AUTH_BLOB_PREVIOUS_KEYS\) entry 2 of 2 must be 32 bytes in base64/)
    assert.notInclude(problems[0] ?? "", "c2hvcnQ=")
    assert.notInclude(problems[0] ?? "", good)
  })
})
