/**
 * The BlobStore contract, run by each adapter with its own layer
 * (`blobStoreContract("memory", BlobStore.layerMemory)`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { BlobKey, BlobPrefix, BlobStore, compareBlobKeys } from "@selfie-auth/core"
import { uniquePartnerId } from "./fixtures.js"

const bytes = (...values: ReadonlyArray<number>) => Uint8Array.from(values)

export interface BlobStoreContractOptions {
  /**
   * Whether the store can answer a listing cut short by the page limit.
   * s3rver (the S3 stand-in of the tests) cannot on Node 20; its adapter
   * proves paging on a scripted client instead. Default `true`.
   */
  readonly truncatedListings?: boolean
  /**
   * Whether the store lists in the port's order. s3rver lists in its own
   * folder order, not S3's (UTF-8 bytes); its listings are compared as sets.
   * Default `true`.
   */
  readonly orderedListings?: boolean
}

export const blobStoreContract = (name: string, layer: Layer.Layer<BlobStore>, options: BlobStoreContractOptions = {}) =>
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
    /** Every key under `prefix`, read in pages of `limit`. */
    const listAll = (prefix: BlobPrefix, limit: number) =>
      Effect.gen(function*() {
        const store = yield* BlobStore
        const keys: Array<string> = []
        let after: BlobKey | undefined
        for (let pages = 0; pages < 100; pages++) {
          const page = yield* store.list({ prefix, after, limit })
          assert.isAtMost(page.length, limit)
          keys.push(...page)
          if (page.length < limit) return keys
          after = page[page.length - 1]
        }
        return assert.fail("list did not end within 100 pages")
      })

    test(
      "lists the keys under a folder in ascending order, page by page, each exactly once, at every page size",
      Effect.gen(function*() {
        const store = yield* BlobStore
        const partner = uniquePartnerId()
        // Chosen so that a folder walk in name order would differ from key order: "a-b" < "a/b" < "a0".
        const rests = ["a-b", "a/b", "a/c/d", "a/c-d", "a0", "b", "users/u-1/selfies/1.jpg", "users/u-10/x", "users/u-1.jpg"]
        for (const rest of rests) yield* store.put(keyIn(partner, rest), bytes(1))
        yield* store.put(keyIn(uniquePartnerId(), "a/b"), bytes(2))
        const expected = rests.map((rest) => `partners/${partner}/${rest}`).sort(compareBlobKeys)
        assert.deepStrictEqual([...expected], [...expected].sort(), "ASCII keys: code-unit order is byte order")
        const limits = options.truncatedListings === false ? [10, 1000] : [1, 2, 3, 4, 9, 10, 1000]
        const inOrder = (keys: ReadonlyArray<string>) => (options.orderedListings === false ? [...keys].sort(compareBlobKeys) : keys)
        for (const limit of limits) {
          assert.deepStrictEqual(inOrder(yield* listAll(BlobPrefix.make(`partners/${partner}/`), limit)), expected, `pages of ${limit}`)
        }
        assert.deepStrictEqual(
          yield* listAll(BlobPrefix.make(`partners/${partner}/users/u-1/`), options.truncatedListings === false ? 10 : 1),
          [`partners/${partner}/users/u-1/selfies/1.jpg`],
          "a folder, not a sibling sharing its first characters"
        )
        assert.deepStrictEqual(yield* listAll(BlobPrefix.make(`partners/${partner}/none/`), 5), [])
      })
    )

    test(
      "starts a page strictly after the given key, whether or not that key still exists",
      Effect.gen(function*() {
        const store = yield* BlobStore
        const partner = uniquePartnerId()
        const prefix = BlobPrefix.make(`partners/${partner}/`)
        for (const rest of ["k1", "k2", "k3", "k4"]) yield* store.put(keyIn(partner, rest), bytes(1))
        assert.deepStrictEqual(yield* store.list({ prefix, after: keyIn(partner, "k2"), limit: 10 }), [keyIn(partner, "k3"), keyIn(partner, "k4")])
        yield* store.delete(keyIn(partner, "k3"))
        assert.deepStrictEqual(yield* store.list({ prefix, after: keyIn(partner, "k3"), limit: 10 }), [keyIn(partner, "k4")])
        assert.deepStrictEqual(yield* store.list({ prefix, after: keyIn(partner, "k4"), limit: 10 }), [])
        if (options.truncatedListings === false) return
        // Without a prefix the whole store is listed; this partner's keys appear in order among the rest.
        const everything = yield* store.list({ after: BlobKey.make(`partners/${partner}`), limit: 3 })
        assert.deepStrictEqual(everything.slice(0, 3), [keyIn(partner, "k1"), keyIn(partner, "k2"), keyIn(partner, "k4")])
      })
    )

    test(
      "refuses a page limit below 1 or not whole, as a defect",
      Effect.gen(function*() {
        const store = yield* BlobStore
        for (const limit of [0, -1, 1.5]) {
          const exit = yield* Effect.exit(store.list({ limit }))
          assert.isTrue(exit._tag === "Failure" && exit.cause._tag === "Die", `limit ${limit}`)
        }
      })
    )
  })
