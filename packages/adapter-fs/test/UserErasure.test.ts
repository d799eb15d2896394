/**
 * Deleting a user deletes their images: the core's `manageUser` delete,
 * run over the encrypted filesystem store, leaves no file of that user on
 * disk and every file of their neighbour.
 */
import { assert, it } from "@effect/vitest"
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { BlobKey, BlobStore, Ids, UseCases, User, UserStore } from "@selfie-auth/core"
import { Effect, Either, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const keyring = Either.getOrThrow(
  BlobStoreEncrypted.keyringFromBase64({ current: Redacted.make(Buffer.alloc(32, 3).toString("base64")) })
)

const filesUnder = (folder: string): Array<string> =>
  fs.existsSync(folder)
    ? fs.readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
      .sort()
    : []

it.scoped("deleting a user erases their selfie and job uploads from disk, and nobody else's", () =>
  Effect.gen(function*() {
    const directory = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-erasure-"))),
      (folder) => Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))
    )
    const partnerId = Ids.PartnerId.make("001")
    const registered = (userId: string) =>
      Effect.gen(function*() {
        const user = User.make({ partnerId, userId: Ids.UserId.make(userId), at: 0 })
        const smileJobId = Ids.SmileJobId.make("0000000001")
        const selfieKey = User.selfieBlobKeyOf(user, smileJobId)
        const next = Either.getOrThrow(
          User.transition(user, { _tag: "Register", at: 1, selfie: { blobKey: selfieKey, jobId: Ids.JobId.make("j-1"), smileJobId } })
        )
        yield* (yield* UserStore).save(next.user)
        const blobs = yield* BlobStore
        yield* blobs.put(BlobKey.make(selfieKey), Uint8Array.of(0xff, 0xd8))
        yield* blobs.put(BlobKey.make(`${User.blobPrefixOf(user)}jobs/${smileJobId}/upload.zip`), Uint8Array.of(0x50, 0x4b))
      })

    const run = Effect.gen(function*() {
      yield* registered("u-1")
      yield* registered("u-10")
      const { erased, user } = yield* UseCases.ManageUser.manageUser({ partnerId, userId: Ids.UserId.make("u-1"), action: "delete" })
      assert.strictEqual(User.stateOf(user), "deleted")
      // The selfie is removed by key, then the prefix removes what is left: the upload.
      assert.strictEqual(erased, 2)
    })
    yield* Effect.provide(
      run,
      Layer.mergeAll(
        UserStore.layerMemory,
        BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(BlobStoreFs.layer({ directory })))
      )
    )
    assert.deepStrictEqual(filesUnder(path.join(directory, "objects")), [
      "partners/001/users/u-10/jobs/0000000001/upload.zip",
      "partners/001/users/u-10/selfies/0000000001.jpg"
    ])
  }))
