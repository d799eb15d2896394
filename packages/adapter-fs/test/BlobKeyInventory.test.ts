import { assert, describe, it } from "@effect/vitest"
import { BlobKeyInventory, BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { BlobKey, type BlobStoreService } from "@selfie-auth/core"
import { Effect, Either, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const keyOf = (fill: number) =>
  Either.getOrThrow(BlobStoreEncrypted.keyFromBase64(Redacted.make(Buffer.alloc(32, fill).toString("base64"))))
const [oldKey, middleKey, newKey, lostKey] = [keyOf(1), keyOf(2), keyOf(3), keyOf(4)]
const legacyId = "k1"
const ring = BlobStoreEncrypted.makeKeyring({ current: newKey, previous: [oldKey, middleKey], legacyIds: [legacyId] })

/** A filesystem store in a fresh folder, removed when the test ends. */
const freshStore = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-key-inventory-"))),
  (folder) => Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))
).pipe(Effect.flatMap((directory) => Effect.map(BlobStoreFs.make({ directory }), (store) => ({ store, directory }))))

const text = (value: string) => new TextEncoder().encode(value)
const key = (rest: string) => BlobKey.make(`partners/001/${rest}`)

/** Puts `plaintext` sealed with `sealer` (under its own id, or `asId`) straight into the raw store. */
const putSealed = (store: BlobStoreService, blobKey: BlobKey, sealer: BlobStoreEncrypted.EncryptionKey, plaintext: string, asId?: string) =>
  store.put(blobKey, BlobStoreEncrypted.seal(asId === undefined ? sealer : { ...sealer, id: asId }, blobKey, text(plaintext)))

/** A store holding blobs under every kind of key id, and the blobs' plaintexts by key. */
const populated = Effect.gen(function*() {
  const { directory, store } = yield* freshStore
  const plaintexts = new Map<string, string>()
  const put = (rest: string, sealer: BlobStoreEncrypted.EncryptionKey, asId?: string) =>
    Effect.gen(function*() {
      const plaintext = `image ${rest}`
      plaintexts.set(key(rest), plaintext)
      yield* putSealed(store, key(rest), sealer, plaintext, asId)
    })
  for (let i = 0; i < 7; i++) yield* put(`users/u-${i}/selfies/0000000001.jpg`, oldKey)
  yield* put("users/u-a/jobs/0000000002/upload.zip", middleKey)
  yield* put("users/u-b/jobs/0000000003/upload.zip", newKey)
  yield* put("users/u-c/selfies/0000000004.jpg", middleKey, legacyId)
  return { store, directory, plaintexts }
})

describe("BlobKeyInventory", () => {
  it.scoped("counts the blobs each key id seals, in pages, and lists the configured keys nothing uses", () =>
    Effect.gen(function*() {
      const { store } = yield* populated
      const pages: Array<number> = []
      const report = yield* BlobKeyInventory.inventory(store, ring, { pageSize: 3, onPage: (n) => Effect.sync(() => pages.push(n)) })
      assert.strictEqual(report.blobs, 10)
      assert.deepStrictEqual(report.keys, [
        { keyId: newKey.id, role: "current", blobs: 1 },
        ...[{ keyId: oldKey.id, role: "previous" as const, blobs: 7 }, { keyId: middleKey.id, role: "previous" as const, blobs: 1 }]
          .sort((a, b) => (a.keyId < b.keyId ? -1 : 1)),
        { keyId: legacyId, role: "legacy", blobs: 1 }
      ])
      assert.deepStrictEqual(report.unopenable, [])
      assert.deepStrictEqual(pages, [3, 6, 9, 10])

      const unused = yield* BlobKeyInventory.inventory((yield* freshStore).store, ring)
      assert.deepStrictEqual(unused.keys.map((usage) => usage.blobs), [0, 0, 0], "every configured key, none needed")
    }))

  it.scoped("reports each blob the keyring cannot open, and a key id it lacks as missing", () =>
    Effect.gen(function*() {
      const { store } = yield* populated
      yield* putSealed(store, key("users/u-d/selfies/0000000005.jpg"), lostKey, "sealed by a key no longer configured")
      yield* putSealed(store, key("users/u-e/selfies/0000000006.jpg"), lostKey, "legacy id, no configured key opens it", legacyId)
      const changed = BlobStoreEncrypted.seal(oldKey, key("users/u-f/selfies/0000000007.jpg"), text("then one byte changed"))
      changed[changed.length - 1]! ^= 1
      yield* store.put(key("users/u-f/selfies/0000000007.jpg"), changed)
      yield* store.put(key("users/u-g/notes.txt"), text("never sealed"))

      const report = yield* BlobKeyInventory.inventory(store, ring, { pageSize: 4 })
      assert.strictEqual(report.blobs, 14)
      assert.deepStrictEqual(report.keys.find((usage) => usage.keyId === lostKey.id), { keyId: lostKey.id, role: "missing", blobs: 1 })
      assert.deepStrictEqual(report.keys.find((usage) => usage.keyId === legacyId)?.blobs, 2)
      assert.deepStrictEqual(
        report.unopenable.map((error) => [error.key, error.reason]),
        [
          [key("users/u-d/selfies/0000000005.jpg"), "UnknownKey"],
          [key("users/u-e/selfies/0000000006.jpg"), "NoLegacyKeyOpens"],
          [key("users/u-f/selfies/0000000007.jpg"), "Tampered"],
          [key("users/u-g/notes.txt"), "NotSealed"]
        ]
      )
    }))

  it.scoped("re-seals every blob under the current key with the same contents, so that the earlier keys can go", () =>
    Effect.gen(function*() {
      const { directory, plaintexts, store } = yield* populated
      /** Where the filesystem store keeps a blob (its documented layout). */
      const fileOf = (blobKey: string) => path.join(directory, "objects", blobKey)
      const report = yield* BlobKeyInventory.reseal(store, ring, { pageSize: 2 })
      assert.deepStrictEqual(report, { blobs: 10, resealed: 9, alreadyCurrent: 1, unopenable: [] })

      // Only the current key is needed now: a keyring without the earlier keys (and no legacy ids) opens everything.
      const newOnly = BlobStoreEncrypted.makeKeyring({ current: newKey })
      for (const [blobKey, plaintext] of plaintexts) {
        const sealed = yield* store.get(BlobKey.make(blobKey))
        assert.deepStrictEqual(BlobStoreEncrypted.sealedKeyId(blobKey, sealed), Either.right(newKey.id))
        assert.deepStrictEqual(BlobStoreEncrypted.open(newOnly, blobKey, sealed), Either.right(text(plaintext)))
      }
      const after = yield* BlobKeyInventory.inventory(store, newOnly)
      assert.deepStrictEqual(after.keys, [{ keyId: newKey.id, role: "current", blobs: 10 }])

      // Run again: nothing left to do, nothing rewritten.
      const before = new Map([...plaintexts.keys()].map((blobKey) => [blobKey, fs.statSync(fileOf(blobKey)).mtimeMs]))
      assert.deepStrictEqual(yield* BlobKeyInventory.reseal(store, ring), { blobs: 10, resealed: 0, alreadyCurrent: 10, unopenable: [] })
      for (const [blobKey, mtime] of before) assert.strictEqual(fs.statSync(fileOf(blobKey)).mtimeMs, mtime)
    }))

  it.scoped("leaves a blob that does not open as it is, reports it, and re-seals the rest", () =>
    Effect.gen(function*() {
      const { store } = yield* populated
      const lost = key("users/u-d/selfies/0000000005.jpg")
      yield* putSealed(store, lost, lostKey, "sealed by a key no longer configured")
      const lostBytes = yield* store.get(lost)
      const changed = BlobStoreEncrypted.seal(newKey, key("users/u-h/selfies/0000000008.jpg"), text("claims the current key"))
      changed[changed.length - 1]! ^= 1
      yield* store.put(key("users/u-h/selfies/0000000008.jpg"), changed)

      const report = yield* BlobKeyInventory.reseal(store, ring, { pageSize: 3 })
      assert.strictEqual(report.resealed, 9)
      assert.strictEqual(report.alreadyCurrent, 1)
      assert.deepStrictEqual(report.unopenable.map((error) => [error.key, error.reason]), [
        [lost, "UnknownKey"],
        [key("users/u-h/selfies/0000000008.jpg"), "Tampered"]
      ])
      assert.deepStrictEqual(yield* store.get(lost), lostBytes, "left byte for byte")
    }))
})
