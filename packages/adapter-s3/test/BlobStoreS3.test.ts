/**
 * The S3 BlobStore against s3rver, in process. s3rver does not check SigV4
 * signatures, so these tests prove the requests and their handling, not
 * authentication; each layer build is a server and a bucket of its own.
 *
 * s3rver 3.7.1 cannot answer a truncated listing on Node 20 (its continuation
 * token uses DES, which OpenSSL 3 no longer offers: a 500), so erasure and
 * listing in pages are proven on a small in-memory stand-in for the calls
 * they make. s3rver also lists in its own folder order rather than S3's
 * (UTF-8 bytes), so the contract compares its listings as sets; the
 * stand-in answers in S3's order.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3"
import { assert, describe, it } from "@effect/vitest"
import { BlobStoreS3 } from "@selfie-auth/adapter-s3"
import { BlobKey, BlobPrefix, BlobStore, Ids, UseCases, User, UserStore } from "@selfie-auth/core"
import { Cause, Effect, Either, Exit, Layer, Option, Redacted } from "effect"
import * as fs from "node:fs"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
// @ts-expect-error s3rver ships no declaration file
import S3rver from "s3rver"
import { blobStoreContract } from "../../core/test/contracts/BlobStoreContract.js"

const bucket = "blobs"

/** An s3rver on a free loopback port with an empty bucket `blobs`; answers its endpoint. */
const s3rver = Effect.acquireRelease(
  Effect.promise(async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-s3rver-"))
    const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: bucket }] })
    const address = (await server.run()) as AddressInfo
    return { server, directory, endpoint: `http://127.0.0.1:${address.port}` }
  }),
  ({ server, directory }) =>
    Effect.promise(async () => {
      await server.close()
      fs.rmSync(directory, { recursive: true, force: true })
    })
)

const optionsFor = (endpoint: string, more: Partial<BlobStoreS3.BlobStoreS3Options> = {}): BlobStoreS3.BlobStoreS3Options => ({
  bucket,
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "S3RVER", secretAccessKey: Redacted.make("S3RVER") },
  ...more
})

blobStoreContract(
  "S3 (s3rver)",
  Layer.unwrapScoped(Effect.map(s3rver, ({ endpoint }) => BlobStoreS3.layer(optionsFor(endpoint)))),
  { truncatedListings: false, orderedListings: false }
)
blobStoreContract(
  "S3 (s3rver), under a key prefix",
  Layer.unwrapScoped(Effect.map(s3rver, ({ endpoint }) => BlobStoreS3.layer(optionsFor(endpoint, { keyPrefix: "deploy/a/" })))),
  { truncatedListings: false, orderedListings: false }
)

const storeOn = (options: BlobStoreS3.BlobStoreS3Options) => Effect.provide(BlobStore, BlobStoreS3.layer(options))

describe("BlobStoreS3", () => {
  it.scoped("erases a user's images, and keeps deployments under other key prefixes apart", () =>
    Effect.gen(function*() {
      const { endpoint } = yield* s3rver
      const store = yield* storeOn(optionsFor(endpoint, { keyPrefix: "prod/" }))
      const neighbour = yield* storeOn(optionsFor(endpoint, { keyPrefix: "staging/" }))
      const user = "partners/001/users/u-1/"
      const keys = Array.from({ length: 8 }, (_, i) => BlobKey.make(`${user}jobs/000000000${i}/selfie.jpg`))
      for (const key of keys) yield* store.put(key, Uint8Array.of(1), { contentType: "image/jpeg" })
      yield* neighbour.put(keys[0]!, Uint8Array.of(2))

      assert.strictEqual(yield* store.deletePrefix(BlobPrefix.make(user)), 8)
      for (const key of keys) assert.strictEqual((yield* Effect.flip(store.get(key)))._tag, "BlobNotFound")
      assert.deepStrictEqual(yield* neighbour.get(keys[0]!), Uint8Array.of(2), "the other deployment's blob stays")

      const raw = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } })
      const listed = yield* Effect.promise(() => raw.send(new ListObjectsV2Command({ Bucket: bucket })))
      assert.deepStrictEqual((listed.Contents ?? []).map((object) => object.Key), [`staging/${keys[0]}`])
      raw.destroy()
    }))

  it.scoped("fails as a defect naming the bucket when the bucket does not exist", () =>
    Effect.gen(function*() {
      const { endpoint } = yield* s3rver
      const store = yield* storeOn(optionsFor(endpoint, { bucket: "no-such-bucket" }))
      const exit = yield* Effect.exit(store.put(BlobKey.make("a/b"), Uint8Array.of(1)))
      const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
      assert.include(String(defect), `S3 bucket "no-such-bucket": putting a/b failed`)
    }))

  it.scoped("deleting a user erases their selfie and job uploads from the bucket, and nobody else's", () =>
    Effect.gen(function*() {
      const { endpoint } = yield* s3rver
      const partnerId = Ids.PartnerId.make("001")
      const smileJobId = Ids.SmileJobId.make("0000000001")
      const register = (userId: string) =>
        Effect.gen(function*() {
          const user = User.make({ partnerId, userId: Ids.UserId.make(userId), at: 0 })
          const selfieKey = User.selfieBlobKeyOf(user, smileJobId)
          const next = Either.getOrThrow(
            User.transition(user, { _tag: "Register", at: 1, selfie: { blobKey: selfieKey, jobId: Ids.JobId.make("j-1"), smileJobId } })
          )
          yield* (yield* UserStore).save(next.user)
          const blobs = yield* BlobStore
          yield* blobs.put(BlobKey.make(selfieKey), Uint8Array.of(0xff, 0xd8), { contentType: "image/jpeg" })
          yield* blobs.put(BlobKey.make(`${User.blobPrefixOf(user)}jobs/${smileJobId}/upload.zip`), Uint8Array.of(0x50, 0x4b))
        })
      const erased = yield* Effect.gen(function*() {
        yield* register("u-1")
        yield* register("u-10")
        return (yield* UseCases.ManageUser.manageUser({ partnerId, userId: Ids.UserId.make("u-1"), action: "delete" })).erased
      }).pipe(Effect.provide(Layer.mergeAll(UserStore.layerMemory, BlobStoreS3.layer(optionsFor(endpoint, { keyPrefix: "prod/" })))))
      assert.strictEqual(erased, 2)

      const raw = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } })
      const listed = yield* Effect.promise(() => raw.send(new ListObjectsV2Command({ Bucket: bucket })))
      raw.destroy()
      assert.deepStrictEqual((listed.Contents ?? []).map((object) => object.Key).sort(), [
        "prod/partners/001/users/u-10/jobs/0000000001/upload.zip",
        "prod/partners/001/users/u-10/selfies/0000000001.jpg"
      ])
    }))

  it.effect("erases in pages of at most pageSize keys, and dies naming a key S3 refused to delete", () =>
    Effect.gen(function*() {
      const objects = new Set(Array.from({ length: 8 }, (_, i) => `p/users/u/${i}.jpg`).concat(["p/users/u-2/0.jpg"]))
      const batches: Array<number> = []
      let refuse: string | undefined
      // Answers the two calls deletePrefix makes, like S3: sorted keys, at most MaxKeys.
      const standIn = {
        send: async (command: unknown) => {
          if (command instanceof ListObjectsV2Command) {
            const { Prefix = "", MaxKeys = 1000 } = command.input
            const keys = [...objects].filter((key) => key.startsWith(Prefix)).sort().slice(0, MaxKeys)
            return { Contents: keys.map((Key) => ({ Key })) }
          }
          if (command instanceof DeleteObjectsCommand) {
            const keys = (command.input.Delete?.Objects ?? []).map((object) => object.Key ?? "")
            batches.push(keys.length)
            const refused = keys.filter((key) => key === refuse)
            for (const key of keys) if (key !== refuse) objects.delete(key)
            return { Deleted: keys.filter((key) => key !== refuse).map((Key) => ({ Key })), Errors: refused.map((Key) => ({ Key, Code: "AccessDenied", Message: "Access Denied" })) }
          }
          throw new Error("unexpected command")
        }
      }
      const store = BlobStoreS3.make(standIn as unknown as S3Client, { bucket, pageSize: 3 })
      assert.strictEqual(yield* store.deletePrefix(BlobPrefix.make("p/users/u/")), 8)
      assert.deepStrictEqual(batches, [3, 3, 2])
      assert.deepStrictEqual([...objects], ["p/users/u-2/0.jpg"])

      refuse = "p/users/u-2/0.jpg"
      const exit = yield* Effect.exit(store.deletePrefix(BlobPrefix.make("p/users/u-2/")))
      const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
      assert.include(String(defect), "refused to delete 1 object(s) under p/users/u-2/, e.g. p/users/u-2/0.jpg: AccessDenied")
    }))

  it.effect("lists in pages with StartAfter, at most 1000 keys per request, only under its key prefix", () =>
    Effect.gen(function*() {
      const mine = Array.from({ length: 2500 }, (_, i) => `prod/partners/001/k${String(i).padStart(5, "0")}`)
      const objects = [...mine, "prod/partners/002/x", "staging/partners/001/k00000"].sort()
      const requests: Array<{ readonly prefix: string; readonly startAfter: string | undefined; readonly maxKeys: number }> = []
      // Answers ListObjectsV2 like S3: sorted keys under Prefix, after StartAfter, at most MaxKeys, IsTruncated when more remain.
      const standIn = {
        send: async (command: unknown) => {
          if (!(command instanceof ListObjectsV2Command)) throw new Error("unexpected command")
          const { MaxKeys = 1000, Prefix = "", StartAfter } = command.input
          requests.push({ prefix: Prefix, startAfter: StartAfter, maxKeys: MaxKeys })
          const matching = objects.filter((key) => key.startsWith(Prefix) && (StartAfter === undefined || key > StartAfter))
          return { Contents: matching.slice(0, MaxKeys).map((Key) => ({ Key })), IsTruncated: matching.length > MaxKeys }
        }
      }
      const store = BlobStoreS3.make(standIn as unknown as S3Client, { bucket, keyPrefix: "prod/" })
      const withoutPrefix = mine.map((key) => key.slice("prod/".length))

      const first = yield* store.list({ prefix: BlobPrefix.make("partners/001/"), limit: 2048 })
      assert.deepStrictEqual<ReadonlyArray<string>>(first, withoutPrefix.slice(0, 2048))
      assert.deepStrictEqual(requests.map((request) => request.maxKeys), [1000, 1000, 48], "S3's 1,000 per request, then the rest of the page")
      assert.strictEqual(requests[1]?.startAfter, mine[999], "each request starts after the last key of the one before")

      const second = yield* store.list({ prefix: BlobPrefix.make("partners/001/"), after: first[first.length - 1], limit: 2048 })
      assert.deepStrictEqual<ReadonlyArray<string>>(second, withoutPrefix.slice(2048))
      assert.strictEqual(requests[3]?.startAfter, mine[2047], "the page's after, with the key prefix")

      const everything = yield* store.list({ limit: 5000 })
      assert.deepStrictEqual<ReadonlyArray<string>>(everything, [...withoutPrefix, "partners/002/x"], "the other deployment's objects are not listed")
      assert.isTrue(requests.every((request) => request.prefix.startsWith("prod/")))
    }))

  it("refuses a key prefix without a trailing slash and a page size S3 does not allow", () => {
    const client = new S3Client({ region: "us-east-1" })
    assert.throws(() => BlobStoreS3.make(client, { bucket, keyPrefix: "prod" }), /must end with "\/"/)
    assert.throws(() => BlobStoreS3.make(client, { bucket, pageSize: 1001 }), /pageSize must be an integer from 1 to 1000/)
    client.destroy()
  })
})
