import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { BlobKey, BlobPrefix, BlobStore, Ids, User } from "@selfie-auth/core"
import { blobStoreContract } from "./contracts/BlobStoreContract.js"

blobStoreContract("memory", BlobStore.layerMemory)

describe("BlobKey and BlobPrefix", () => {
  const problem = <A extends string>(schema: Schema.Schema<A, string>, value: string) =>
    Either.match(Schema.decodeUnknownEither(schema)(value), { onLeft: (error) => error.message, onRight: () => undefined })

  it("accepts the keys and prefixes our code builds", () => {
    const user = { partnerId: "001", userId: "user 1/ü" }
    assert.isUndefined(problem(BlobKey, User.selfieBlobKeyOf(user, Ids.SmileJobId.make("0000000001"))))
    assert.isUndefined(problem(BlobPrefix, User.blobPrefixOf(user)))
    assert.isUndefined(problem(BlobKey, "partners/001/a..b/.hidden"))
  })

  it("refuses keys that could escape a folder or confuse a filesystem, saying why", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["", "must not be empty"],
      ["/partners/001/x", "must not start with /"],
      ["partners//x", "empty segments"],
      ["partners/../x", ". or .. segments"],
      ["partners/./x", ". or .. segments"],
      ["partners\\x", "backslash"],
      ["partners/x\n", "control characters"],
      ["partners/001/", "that is a prefix"],
      ["x".repeat(1025), "at most 1024"]
    ]
    for (const [key, why] of cases) assert.include(problem(BlobKey, key), why, JSON.stringify(key))
  })

  it("requires a prefix to end with / so that u-1 never matches u-10", () => {
    assert.include(problem(BlobPrefix, "partners/001/users/u-1"), "must end with /")
    assert.include(problem(BlobPrefix, "partners/../"), ". or .. segments")
  })
})
