import { assert, describe, it } from "@effect/vitest"
import { Wire } from "@selfie-auth/core"
import { Either, FastCheck, Option, Schema } from "effect"

const { PartnerParamsFromWire } = Wire.PartnerParams
const decode = Schema.decodeUnknownEither(PartnerParamsFromWire, { errors: "all" })
const encode = Schema.encodeSync(PartnerParamsFromWire)

const validBody = {
  partner_params: { user_id: "u", job_id: "j", job_type: 4 },
  smile_client_id: "001",
  signature: "c2lnbmF0dXJl",
  timestamp: "2024-01-02T03:04:05.678Z",
  source_sdk: "rest_api",
  source_sdk_version: "1.0.0"
}

describe("PartnerParams", () => {
  it("keeps extra keys apart from the fixed ones and reads job_type as a number", () => {
    const decoded = Either.getOrThrow(decode({ user_id: "user-003", job_id: "job-jt4-c", job_type: "4", custom_field: "abc" }))
    const expected = Schema.decodeSync(Wire.PartnerParams.PartnerParams)({
      userId: "user-003",
      jobId: "job-jt4-c",
      jobType: 4,
      extras: { custom_field: "abc" }
    })
    assert.deepStrictEqual(decoded, expected)
  })

  it("echoes extra keys back after user_id, job_id, job_type, in their order, with job_type as the number", () => {
    const wire = { job_type: "2", branch: "lagos", user_id: "u-1", campaign: "q4", job_id: "j-1" }
    const encoded = encode(Either.getOrThrow(decode(wire)))
    assert.strictEqual(
      JSON.stringify(encoded),
      '{"user_id":"u-1","job_id":"j-1","job_type":2,"branch":"lagos","campaign":"q4"}'
    )
  })

  it("refuses an extra key named __proto__ by name rather than dropping it silently", () => {
    const wire = JSON.parse('{"user_id":"u","job_id":"j","job_type":4,"__proto__":"lost"}') as unknown
    const result = Wire.PrepUpload.decodePrepUploadRequest({ ...validBody, partner_params: wire })
    assert.isTrue(Either.isLeft(result))
    const error = Either.getLeft(result).pipe(Option.getOrThrow)
    assert.strictEqual(error._tag, "WrongDataType")
    assert.include(error.detail, "partner_params.__proto__ is a name JavaScript reserves")
  })

  it("round-trips any string-valued extras unchanged (decode then encode)", () => {
    const extraKey = FastCheck.string({ minLength: 1 }).filter(
      (key) => !["user_id", "job_id", "job_type", "__proto__"].includes(key)
    )
    FastCheck.assert(
      FastCheck.property(
        FastCheck.dictionary(extraKey, FastCheck.string()),
        FastCheck.constantFrom(2, 4),
        (extras, jobType) => {
          const wire = { user_id: "user-1", job_id: "job-1", job_type: jobType, ...extras }
          const roundTripped = encode(Either.getOrThrow(decode(wire)))
          // Same keys, values and order.
          assert.strictEqual(JSON.stringify(roundTripped), JSON.stringify(wire))
        }
      )
    )
  })

  it("refuses non-string extras at their own path, saying what to send", () => {
    const result = decode({ user_id: "u", job_id: "j", job_type: 4, attempt: 2, tags: ["a"] })
    assert.isTrue(Either.isLeft(result))
    const problems = Wire.DecodeError.problemsOf(Either.getLeft(result).pipe(Option.getOrThrow))
    assert.deepStrictEqual(
      problems.map((p) => p.path),
      ["attempt", "tags"]
    )
    assert.include(problems[0]!.message, 'send "2"')
    assert.include(problems[1]!.message, '(got ["a"])')
  })

  it("refuses job types other than 2 and 4", () => {
    for (const jobType of [1, 5, "6", "two", null]) {
      assert.isTrue(Either.isLeft(decode({ user_id: "u", job_id: "j", job_type: jobType })), String(jobType))
    }
  })
})
