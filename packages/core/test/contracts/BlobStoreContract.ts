/**
 * The BlobStore contract, run by each adapter with its own layer
 * (`blobStoreContract("memory", BlobStore.layerMemory)`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { BlobKey, BlobPrefix, BlobStore } from "@selfie-auth/core"
import { uniquePartnerId } from "./fixtures.js"

const bytes = (...values: ReadonlyArray<number>) => Uint8Array.from(values)

export const blobStoreContract = (name: string, layer: Layer.Layer<BlobStore>) =>
  describe(`BlobStore contract (${name})`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, BlobStore>) =>
      it.effect(title, () => Effect.provide(body, layer))
    const keyIn = (partner: string, rest: string) => BlobKey.make(`partners/${partner}/${rest}`)

    test(
      "returns exactly the bytes put, empty and binary included, and replaces on a second put",
      Effect.gen(function*() {
        const store = yield* BlobStore
        const partner = uniquePartnerId()
        const all = Uint8Array.from({ length: 256 }, (_, i) => i)
        yield* store.put(keyIn(partner, "all.bin"), all, { contentType: "application/octet-stream" })
        yield* store.put(keyIn(partner, "empty.bin"), bytes())
        assert.deepStrictEqual(yield* store.get(keyIn(partner, "all.bin")), all)
        assert.deepStrictEqual(yield* store.get(keyIn(partner, "empty.bin")), bytes())
        yield* store.put(keyIn(partner, "all.bin"), bytes(1, 2, 3))
        assert.deepStrictEqual(yield* store.get(keyIn(partner, "all.bin")), bytes(1, 2, 3))
      })
    )

    test(
      "is not changed by mutating the arrays passed in or handed out",
      Effect.gen(function*() {
        const store = yield* BlobStore
        const key = keyIn(uniquePartnerId(), "selfie.jpg")
        const original = bytes(9, 9, 9)
        yield* store.put(key, original)
        original[0] = 0
        const read = yield* store.get(key)
        read[1] = 0
        assert.deepStrictEqual(yield* store.get(key), bytes(9, 9, 9))
      })
    )

    test(
      "answers BlobNotFound, naming the key, for a key never put or deleted",
      Effect.gen(function*() {
        const store = yield* BlobStore
        const key = keyIn(uniquePartnerId(), "missing.jpg")
        const error = yield* Effect.flip(store.get(key))
        assert.strictEqual(error._tag, "BlobNotFound")
        assert.strictEqual(error.key, key)
        yield* store.put(key, bytes(1))
        yield* store.delete(key)
        yield* store.delete(key) // idempotent
        assert.strictEqual((yield* Effect.flip(store.get(key)))._tag, "BlobNotFound")
      })
    )

    test(
      "deletes by prefix exactly the blobs under the folder, not a sibling sharing its first characters",
      Effect.gen(function*() {
        const store = yield* BlobStore
        const [partner, other] = [uniquePartnerId(), uniquePartnerId()]
        const under = ["users/u-1/selfies/1.jpg", "users/u-1/jobs/0000000001/upload.zip", "users/u-1/x"]
        const kept = ["users/u-10/selfies/1.jpg", "users/u-1.jpg", "users/u-2/selfies/1.jpg"]
        for (const rest of [...under, ...kept]) yield* store.put(keyIn(partner, rest), bytes(1))
        yield* store.put(keyIn(other, "users/u-1/selfies/1.jpg"), bytes(2))

        assert.strictEqual(yield* store.deletePrefix(BlobPrefix.make(`partners/${partner}/users/u-1/`)), under.length)
        for (const rest of under) assert.strictEqual((yield* Effect.flip(store.get(keyIn(partner, rest))))._tag, "BlobNotFound")
        for (const rest of kept) assert.deepStrictEqual(yield* store.get(keyIn(partner, rest)), bytes(1))
        assert.deepStrictEqual(yield* store.get(keyIn(other, "users/u-1/selfies/1.jpg")), bytes(2), "another partner's blob stays")
        assert.strictEqual(yield* store.deletePrefix(BlobPrefix.make(`partners/${partner}/users/u-1/`)), 0)
      })
    )
  })
