import { assert, describe, it } from "@effect/vitest"
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { BlobKey, BlobPrefix, BlobStore } from "@selfie-auth/core"
import { Cause, Effect, Either, Exit, Layer, Option, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { blobStoreContract } from "../../core/test/contracts/BlobStoreContract.js"

/** A fresh folder for the test, removed afterwards. */
const temporaryFolder = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-blobs-"))),
  (folder) => Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))
)

const onFreshFolder = Layer.unwrapScoped(Effect.map(temporaryFolder, (directory) => BlobStoreFs.layer({ directory })))

const keyring = Either.getOrThrow(
  BlobStoreEncrypted.keyringFromBase64({ current: Redacted.make(Buffer.alloc(32, 7).toString("base64")) })
)

blobStoreContract("filesystem", onFreshFolder)
blobStoreContract("filesystem, encrypted", BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(onFreshFolder)))
blobStoreContract("memory, encrypted", BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(BlobStore.layerMemory)))

const key = (text: string) => BlobKey.make(text)

/** Every file under `folder`, as paths relative to it. */
const filesUnder = (folder: string): Array<string> =>
  fs.readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
    .sort()

const dies = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.exit(effect), (exit) => (Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined))

describe("BlobStoreFs", () => {
  it.scoped("keeps each blob as a file at its key's path, private to the server, and nothing else once writes are done", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryFolder
      const store = yield* BlobStoreFs.make({ directory })
      yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => store.put(key("partners/p/users/u/selfies/1.jpg"), Uint8Array.of(i))),
        { concurrency: "unbounded" }
      )
      yield* store.put(key("partners/p/users/u/jobs/0000000001/upload.zip"), Uint8Array.of(1, 2))
      assert.deepStrictEqual(filesUnder(directory), [
        "objects/partners/p/users/u/jobs/0000000001/upload.zip",
        "objects/partners/p/users/u/selfies/1.jpg"
      ])
      assert.strictEqual(fs.statSync(path.join(directory, "objects/partners/p/users/u/selfies/1.jpg")).mode & 0o777, 0o600)
      assert.strictEqual((yield* store.get(key("partners/p/users/u/selfies/1.jpg"))).length, 1, "one whole write won")
    }))

  it.scoped("finds its blobs again after a restart, and sweeps only old orphaned temporary files", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryFolder
      const first = yield* BlobStoreFs.make({ directory })
      yield* first.put(key("a/b.bin"), Uint8Array.of(4, 5, 6))
      const old = path.join(directory, "incoming", "crashed-write.tmp")
      const recent = path.join(directory, "incoming", "write-in-progress.tmp")
      fs.writeFileSync(old, "half")
      fs.writeFileSync(recent, "half")
      const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
      fs.utimesSync(old, twoHoursAgo, twoHoursAgo)

      const second = yield* BlobStoreFs.make({ directory })
      assert.deepStrictEqual(yield* second.get(key("a/b.bin")), Uint8Array.of(4, 5, 6))
      assert.isFalse(fs.existsSync(old))
      assert.isTrue(fs.existsSync(recent), "another process may still be writing it")
    }))

  it.scoped("refuses keys that escape its folder even when their brand was forged, touching nothing", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryFolder
      const store = yield* BlobStoreFs.make({ directory: path.join(directory, "store") })
      const outside = path.join(directory, "outside.txt")
      fs.writeFileSync(outside, "keep me")
      for (const forged of ["../outside.txt", "../../outside.txt", `${outside}`, "a/../../outside.txt", "a\\..\\x"]) {
        const defect = yield* dies(store.put(forged as BlobKey, Uint8Array.of(1)))
        assert.include(String(defect), "is not a valid blob key", forged)
        assert.include(String(yield* dies(store.get(forged as BlobKey))), "is not a valid blob key")
        assert.include(String(yield* dies(store.delete(forged as BlobKey))), "is not a valid blob key")
      }
      assert.include(String(yield* dies(store.deletePrefix("../" as BlobPrefix))), "is not a valid blob prefix")
      assert.include(String(yield* dies(store.deletePrefix("objects" as BlobPrefix))), "is not a valid blob prefix")
      assert.strictEqual(fs.readFileSync(outside, "utf8"), "keep me")
    }))

  it.scoped("erases a user's folder entirely, and says so when a key would need a blob to be a folder", () =>
    Effect.gen(function*() {
      const directory = yield* temporaryFolder
      const store = yield* BlobStoreFs.make({ directory })
      yield* store.put(key("partners/p/users/u/selfies/1.jpg"), Uint8Array.of(1))
      yield* store.put(key("partners/p/users/u/jobs/1/upload.zip"), Uint8Array.of(2))
      assert.strictEqual(yield* store.deletePrefix(BlobPrefix.make("partners/p/users/u/")), 2)
      assert.isFalse(fs.existsSync(path.join(directory, "objects/partners/p/users/u")), "no empty folder left behind")
      assert.strictEqual(yield* store.deletePrefix(BlobPrefix.make("partners/p/users/u/")), 0)

      yield* store.put(key("x/blob"), Uint8Array.of(1))
      assert.include(String(yield* dies(store.put(key("x/blob/inner"), Uint8Array.of(2)))), "cannot also be a folder of blobs")
      assert.strictEqual((yield* Effect.flip(store.get(key("x/blob/inner"))))._tag, "BlobNotFound")
      yield* store.put(key("y/folder/inner"), Uint8Array.of(1))
      assert.include(String(yield* dies(store.put(key("y/folder"), Uint8Array.of(2)))), "is already a folder of blobs")
      assert.strictEqual((yield* Effect.flip(store.get(key("y/folder"))))._tag, "BlobNotFound")
      assert.deepStrictEqual(filesUnder(path.join(directory, "incoming")), [], "the failed write left no temporary file")
    }))
})
