import { assert, describe, it } from "@effect/vitest"
import { Ids, ImageType, JobType } from "@selfie-auth/core"
import { Either, Schema } from "effect"

describe("JobType", () => {
  const decode = Schema.decodeUnknownEither(JobType.WireJobType)

  it("accepts 2 and 4 as numbers or strings, as the official SDKs send them", () => {
    assert.deepStrictEqual(decode(4), Either.right(4))
    assert.deepStrictEqual(decode("4"), Either.right(4))
    assert.deepStrictEqual(decode(" 2 "), Either.right(2))
  })

  it("refuses other job types and non-integers", () => {
    for (const input of [1, 5, "6", 2.5, "two", null, true, ""]) assert.isTrue(Either.isLeft(decode(input)), String(input))
  })

  it("encodes to the number", () => {
    assert.strictEqual(Schema.encodeSync(JobType.WireJobType)(2), 2)
  })
})

describe("ImageType", () => {
  it("reads image_type_id as a number or a string", () => {
    const decode = Schema.decodeUnknownSync(ImageType.WireImageTypeId)
    assert.strictEqual(decode("0"), 0)
    assert.strictEqual(decode(6), 6)
    assert.throws(() => decode(8))
    assert.throws(() => decode("x"))
  })

  it("knows selfies and liveness frames by source", () => {
    assert.deepStrictEqual(ImageType.info(2), { role: "selfie", source: "base64" })
    assert.deepStrictEqual(ImageType.info(4), { role: "liveness", source: "file" })
    assert.strictEqual(ImageType.idFor("selfie", "file"), 0)
    assert.strictEqual(ImageType.idFor("liveness", "base64"), 6)
  })
})

describe("Ids", () => {
  it("brands non-blank ids and refuses blank ones", () => {
    assert.strictEqual(Schema.decodeUnknownSync(Ids.UserId)("user-001"), "user-001")
    assert.throws(() => Schema.decodeUnknownSync(Ids.UserId)("   "))
    assert.throws(() => Schema.decodeUnknownSync(Ids.JobId)("x".repeat(256)))
  })

  it("requires ten digits for a Smile job id", () => {
    assert.strictEqual(Schema.decodeUnknownSync(Ids.SmileJobId)("0000000042"), "0000000042")
    assert.throws(() => Schema.decodeUnknownSync(Ids.SmileJobId)("42"))
  })
})
