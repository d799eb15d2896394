import { assert, describe, it } from "@effect/vitest"
import { Wire } from "@selfie-auth/core"
import { Either, FastCheck as fc, Option, Schema } from "effect"
import { resultWire } from "./ResultWire.js"

const { acceptJobStatusRequest, decodeJobStatusRequest, JobStatusRequestFromWire, JobStatusResponseFromWire } = Wire.JobStatus

/** The schema alone, as the decoder ran it before it had a fast path. */
const decodeBySchema = Schema.decodeUnknownEither(JobStatusRequestFromWire, { errors: "all", onExcessProperty: "ignore" })

const whitespace = fc.constantFrom(" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u3000", "\ufeff", "\u2028")
const whitespaceOnly = fc.array(whitespace, { minLength: 1, maxLength: 8 }).map((chars) => chars.join(""))
const isNonBlank = (s: string) => s.trim().length > 0

/** Ids `NonBlank` accepts, 255 characters and whitespace around them included. */
const validId = fc.oneof(
  fc.stringMatching(/^[a-z0-9-]{1,24}$/),
  fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }).filter((s) => isNonBlank(s) && s.length <= 255),
  fc.string({ minLength: 255, maxLength: 255 }).filter(isNonBlank),
  fc.tuple(whitespaceOnly, fc.stringMatching(/^[a-z0-9]{1,8}$/), whitespaceOnly).map(([a, b, c]) => a + b + c),
  fc.constant(`${" ".repeat(254)}x`)
)

/** Timestamps and signatures `NonEmptyString` accepts: whitespace alone is a non-empty string. */
const validText = fc.oneof(
  fc.constantFrom("2026-11-25T21:46:08.089Z", "2024-01-02 03:04:05 +0000", "uKy8MyXsGEILbxiWjNUxbxd9vB2YbunxJSHV10mRFXQ="),
  fc.string({ minLength: 1, maxLength: 60 }),
  whitespaceOnly
)

/** The ways of sending the partner id that the schema accepts. */
const validPartner = validId.chain((id) =>
  fc.constantFrom<Record<string, unknown>>(
    { partner_id: id },
    { smile_client_id: id },
    { partner_id: id, smile_client_id: id },
    { partner_id: id, smile_client_id: undefined },
    { partner_id: undefined, smile_client_id: id }
  )
)

const validFlag = fc.constantFrom<Record<string, unknown>>({}, { f: true }, { f: false }, { f: undefined })
const flagAs = (key: string) => validFlag.map((flag): Record<string, unknown> => ("f" in flag ? { [key]: flag["f"] } : {}))

const knownKeys = ["user_id", "job_id", "partner_id", "smile_client_id", "history", "image_links", "signature", "timestamp"]

/** Keys the schema ignores, such as Ruby's and PHP's `source_sdk`. */
const extraKeys = fc.dictionary(
  fc.oneof(fc.constantFrom("source_sdk", "source_sdk_version", "constructor", "toString", "__proto__"), fc.string()),
  fc.anything(),
  { maxKeys: 3 }
).map((extra) => Object.fromEntries(Object.entries(extra).filter(([key]) => !knownKeys.includes(key))))

/** Bodies the schema accepts, keys in a shuffled order. */
const validBody: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    user_id: validId,
    job_id: validId,
    partner: validPartner,
    history: flagAs("history"),
    imageLinks: flagAs("image_links"),
    signature: validText,
    timestamp: validText,
    extra: extraKeys
  })
  .chain(({ extra, history, imageLinks, job_id, partner, signature, timestamp, user_id }) => {
    const entries = Object.entries({ ...extra, user_id, job_id, ...partner, ...history, ...imageLinks, signature, timestamp })
    return fc.shuffledSubarray(entries, { minLength: entries.length })
  })
  .map((entries) => Object.fromEntries(entries))

/** Values a field may be replaced with: wrong types, empty, whitespace only, 255 and 256 characters, valid ones. */
const fieldValue = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    "",
    0,
    1,
    Number.NaN,
    true,
    false,
    "true",
    [],
    ["001"],
    {},
    " ".repeat(255),
    "x".repeat(255),
    "x".repeat(256),
    ` ${"x".repeat(255)}`,
    new String("001")
  ),
  whitespaceOnly,
  fc.string({ minLength: 256, maxLength: 300 }),
  validId,
  validText,
  fc.anything()
)

/** A change of one field: left out, or replaced. */
const mutation = fc.tuple(fc.constantFrom(...knownKeys), fc.option(fieldValue, { nil: "delete" as const }))

const mutate = (body: Record<string, unknown>, changes: ReadonlyArray<readonly [string, unknown]>) => {
  const copy: Record<string, unknown> = { ...body }
  for (const [key, value] of changes) {
    if (value === "delete") delete copy[key]
    else copy[key] = value
  }
  return copy
}

/** Any body: a valid one with changed fields, or in another container than a plain object. */
const anyBody: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.tuple(validBody, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([body, changes]) => mutate(body, changes)), weight: 8 },
  // Both spellings of the partner id, equal or not.
  { arbitrary: fc.tuple(validBody, validId, validId).map(([body, a, b]) => ({ ...body, partner_id: a, smile_client_id: b })), weight: 2 },
  { arbitrary: fc.tuple(validBody, validId).map(([body, a]) => ({ ...body, partner_id: a, smile_client_id: a })), weight: 1 },
  // Known keys inherited rather than own: the schema reads required keys from anywhere, optional keys only when own.
  {
    arbitrary: fc.tuple(validBody, fc.subarray(knownKeys)).map(([body, inherited]) => {
      const proto = Object.fromEntries(Object.entries(body).filter(([key]) => inherited.includes(key)))
      return Object.assign(Object.create(proto), Object.fromEntries(Object.entries(body).filter(([key]) => !inherited.includes(key))))
    }),
    weight: 2
  },
  { arbitrary: validBody.map((body) => Object.assign([], body)), weight: 1 },
  { arbitrary: validBody.map((body) => Object.assign(Object.create(null), body)), weight: 1 },
  { arbitrary: validBody.map((body) => Object.assign(new Date(0), body)), weight: 1 },
  { arbitrary: fc.constantFrom<unknown>(null, undefined, "body", 42, true, [], {}), weight: 1 },
  { arbitrary: fc.anything(), weight: 1 }
)

/** Asserts that the decoder (fast path included) gives what the schema alone gives. */
const assertAgrees = (body: unknown) => {
  const expected = decodeBySchema(body)
  const fast = acceptJobStatusRequest(body)
  const actual = decodeJobStatusRequest(body)
  if (Either.isRight(expected)) {
    assert.isTrue(Either.isRight(actual), "the decoder accepts what the schema accepts")
    assert.deepStrictEqual(Either.getOrThrow(actual), expected.right)
    if (fast !== undefined) assert.deepStrictEqual(fast, expected.right)
  } else {
    assert.isUndefined(fast, "the fast path never accepts what the schema rejects")
    const error = Either.getLeft(actual).pipe(Option.getOrThrow)
    const expectedError = Wire.DecodeError.requestError(expected.left, "POST /v1/job_status body")
    assert.strictEqual(error._tag, expectedError._tag)
    assert.strictEqual(error.detail, expectedError.detail)
  }
}

describe("job_status request: the fast path agrees with the schema", () => {
  it("reads every valid body itself, into what the schema decodes (raw and after a JSON round trip)", () => {
    fc.assert(
      fc.property(validBody, (body) => {
        for (const input of [body, JSON.parse(JSON.stringify(body))]) {
          const expected = decodeBySchema(input)
          assert.isTrue(Either.isRight(expected), "the generator makes valid bodies")
          const fast = acceptJobStatusRequest(input)
          assert.isDefined(fast, "a valid plain body takes the fast path")
          assert.deepStrictEqual(fast, Either.getOrThrow(expected))
          assert.deepStrictEqual(Object.keys(fast!), Object.keys(Either.getOrThrow(expected)))
          assertAgrees(input)
        }
      }),
      { numRuns: 500 }
    )
  })

  it("gives the schema's answer, and error, for changed fields and other containers", () => {
    fc.assert(fc.property(anyBody, assertAgrees), { numRuns: 3000 })
  })

  it("gives the schema's answer at the edges, case by case", () => {
    const body = { user_id: "u", job_id: "j", partner_id: "001", signature: "s", timestamp: "t" }
    const cases: ReadonlyArray<unknown> = [
      body,
      { ...body, user_id: "x".repeat(255) },
      { ...body, user_id: "x".repeat(256) },
      { ...body, job_id: " \t\n" },
      { ...body, job_id: "" },
      { ...body, partner_id: undefined },
      { ...body, partner_id: undefined, smile_client_id: "001" },
      { ...body, smile_client_id: "001" },
      { ...body, smile_client_id: "002" },
      { ...body, partner_id: 1 },
      { ...body, history: undefined, image_links: undefined },
      { ...body, history: null },
      { ...body, signature: " " },
      { ...body, timestamp: "" },
      { ...body, user_id: undefined },
      [body],
      null,
      Object.create({ partner_id: "001" }, Object.getOwnPropertyDescriptors({ ...body, partner_id: undefined })),
      Object.create(body),
      Object.defineProperty({ ...body }, "user_id", { get: () => "from-a-getter", enumerable: true })
    ]
    for (const input of cases) assertAgrees(input)
    // Some of those must be taken by the fast path, some must not: the agreement is not only the schema's.
    assert.isDefined(acceptJobStatusRequest({ ...body, user_id: "x".repeat(255), history: undefined }))
    assert.isUndefined(acceptJobStatusRequest({ ...body, user_id: "x".repeat(256) }))
    assert.isUndefined(acceptJobStatusRequest({ ...body, smile_client_id: "002" }))
  })
})

describe("job_status answer encoder: the direct build agrees with the schema", () => {
  const encodeBySchema = Schema.encodeSync(JobStatusResponseFromWire)
  const decodeResult = Schema.decodeUnknownSync(Wire.ResultObject.ResultObject)
  const resultOf = (resultCode: string, userId: string) =>
    decodeResult({ ...resultWire, PartnerParams: { user_id: userId, job_id: "job-1", job_type: 4 }, ResultCode: resultCode })
  const results = [resultOf("0840", "user-1"), resultOf("0841", "user-2"), resultOf("0814", "user-3")]

  const validAnswer: fc.Arbitrary<Wire.JobStatus.JobStatusResponse> = fc.record({
    timestamp: validText,
    signature: validText,
    jobComplete: fc.boolean(),
    jobSuccess: fc.boolean(),
    code: fc.stringMatching(/^\d{4}$/),
    result: fc.oneof(fc.constantFrom(...results), fc.constant(Wire.JobStatus.NoZipUploaded), fc.string()),
    history: fc.option(fc.array(fc.constantFrom(...results), { maxLength: 4 }), { nil: undefined }).map(Option.fromNullable),
    imageLinks: fc.option(fc.dictionary(fc.string(), fc.webUrl(), { maxKeys: 2 }), { nil: undefined, freq: 4 })
      .map(Option.fromNullable)
  })

  it("writes what the schema writes, key order included", () => {
    const encode = Wire.JobStatus.makeResponseEncoder()
    fc.assert(
      fc.property(validAnswer, (answer) => {
        const expected = encodeBySchema(answer)
        const actual = encode(answer)
        assert.deepStrictEqual(actual, expected)
        assert.strictEqual(JSON.stringify(actual), JSON.stringify(expected))
      }),
      { numRuns: 1000 }
    )
  })

  it("throws as the schema does for an invalid rest of the answer", () => {
    const invalid = fc.tuple(validAnswer, fc.constantFrom<Record<string, unknown>>(
      { timestamp: "" },
      { signature: "" },
      { timestamp: 1 },
      { code: "12a4" },
      { code: "23020" },
      { code: "230" },
      { code: "2302\n" },
      { code: 2302 },
      { jobComplete: "true" },
      { jobSuccess: null },
      { imageLinks: Option.some({ selfie_image: 1 }) }
    )).map(([answer, change]) => ({ ...answer, ...change }) as unknown as Wire.JobStatus.JobStatusResponse)
    const encode = Wire.JobStatus.makeResponseEncoder()
    const thrownBy = (f: () => unknown) => Either.try(f).pipe(Either.flip, Either.getOrThrowWith(() => new Error("no throw")))
    fc.assert(
      fc.property(invalid, (answer) => {
        const expected = thrownBy(() => encodeBySchema(answer))
        const actual = thrownBy(() => encode(answer))
        assert.strictEqual(String(actual), String(expected))
      }),
      { numRuns: 300 }
    )
  })

  it("writes a common answer directly: without copying it, as the schema path does", () => {
    const encode = Wire.JobStatus.makeResponseEncoder()
    let copies = 0
    const watched = <A extends object>(answer: A): A =>
      new Proxy(answer, {
        ownKeys: (target) => {
          copies++
          return Reflect.ownKeys(target)
        }
      })
    const answer = {
      timestamp: "2026-11-25T21:46:10.098Z",
      signature: "c2ln",
      jobComplete: true,
      jobSuccess: true,
      code: "2302",
      result: results[0]!,
      history: Option.some([results[1]!]),
      imageLinks: Option.none()
    }
    assert.strictEqual(JSON.stringify(encode(watched(answer))), JSON.stringify(encodeBySchema(answer)))
    assert.strictEqual(copies, 0)
    // An answer with image links is left to the schema.
    const withLinks = { ...answer, imageLinks: Option.some({ selfie_image: "https://results.example/selfie.jpg" }) }
    assert.strictEqual(JSON.stringify(encode(watched(withLinks))), JSON.stringify(encodeBySchema(withLinks)))
    assert.isAbove(copies, 0)
  })
})
