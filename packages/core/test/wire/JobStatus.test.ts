import { assert, describe, it } from "@effect/vitest"
import { GeneralError, Wire } from "@selfie-auth/core"
import { Either, Option, Schema } from "effect"
import { resultWire } from "./ResultWire.js"

const { decodeJobStatusRequest } = Wire.JobStatus

const pollBody = {
  user_id: "user-002",
  job_id: "job-jt4-b",
  partner_id: "001",
  signature: "uKy8MyXsGEILbxiWjNUxbxd9vB2YbunxJSHV10mRFXQ=",
  timestamp: "2026-11-25T21:46:08.089Z"
}

describe("job_status request", () => {
  it("reads absent history and image_links as false, and ignores source_sdk (Ruby, PHP)", () => {
    const request = Either.getOrThrow(decodeJobStatusRequest({ ...pollBody, source_sdk: "ruby" }))
    assert.isFalse(request.history)
    assert.isFalse(request.imageLinks)
    assert.strictEqual(request.partnerId, "001")
  })

  it("accepts smile_client_id as the partner id's other spelling", () => {
    const { partner_id: _, ...rest } = pollBody
    assert.strictEqual(Either.getOrThrow(decodeJobStatusRequest({ ...rest, smile_client_id: "001" })).partnerId, "001")
  })

  it("2213 names a missing id", () => {
    const { job_id: _, ...rest } = pollBody
    const error = Either.getLeft(decodeJobStatusRequest(rest)).pipe(Option.getOrThrow)
    assert.deepStrictEqual(GeneralError.toErrorBody(error), {
      code: "2213",
      error: "Error - A required parameter is missing: POST /v1/job_status body: job_id is required"
    })
  })

  it("2204 for flags that are not booleans", () => {
    const error = Either.getLeft(decodeJobStatusRequest({ ...pollBody, history: "true" })).pipe(Option.getOrThrow)
    assert.strictEqual(error._tag, "WrongDataType")
    assert.include(error.detail, 'history must be true or false (a JSON boolean) (got "true")')
  })
})

describe("job_status response", () => {
  const codec = Wire.JobStatus.JobStatusResponseFromWire

  it("writes a pending job's result as the plain string and leaves out history and image_links", () => {
    const encoded = Schema.encodeSync(codec)({
      timestamp: "2026-11-25T21:46:08.100Z",
      signature: "c2ln",
      jobComplete: false,
      jobSuccess: false,
      code: "2302",
      result: Wire.JobStatus.NoZipUploaded,
      history: Option.none(),
      imageLinks: Option.none()
    })
    assert.strictEqual(
      JSON.stringify(encoded),
      '{"timestamp":"2026-11-25T21:46:08.100Z","signature":"c2ln","job_complete":false,"job_success":false,"code":"2302","result":"No zip uploaded"}'
    )
  })

  it("round-trips a finished job with history, image links and the partner's extra params", () => {
    const wire = {
      timestamp: "2026-11-25T21:46:10.098Z",
      signature: "c2ln",
      job_complete: true,
      job_success: true,
      code: "2302",
      result: resultWire,
      history: [resultWire],
      image_links: { selfie_image: "https://results.example/selfie.jpg" }
    }
    const response = Schema.decodeUnknownSync(codec)(wire)
    assert.isTrue(response.jobComplete)
    const result = response.result
    assert.isTrue(typeof result !== "string" && result.PartnerParams.extras["branch"] === "lagos")
    assert.strictEqual(JSON.stringify(Schema.encodeSync(codec)(response)), JSON.stringify(wire))
  })

  it("refuses a numeric code: codes are 4-digit strings", () => {
    const wire = { timestamp: "t", signature: "s", job_complete: true, job_success: true, code: 2302, result: "No zip uploaded" }
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(codec)(wire)))
  })
})

describe("job_status response encoder (makeResponseEncoder)", () => {
  const codec = Wire.JobStatus.JobStatusResponseFromWire
  const decodeResult = Schema.decodeUnknownSync(Wire.ResultObject.ResultObject)
  const base = {
    timestamp: "2026-11-25T21:46:10.098Z",
    signature: "c2ln",
    jobComplete: true,
    jobSuccess: true,
    code: "2302",
    history: Option.none(),
    imageLinks: Option.none()
  } as const
  const links = Option.some({ selfie_image: "https://results.example/selfie.jpg" })

  it("writes exactly what the schema writes, key order included, for every shape of answer", () => {
    const result = decodeResult(resultWire)
    const older = decodeResult({ ...resultWire, ResultCode: "0841", ResultText: "Enroll User - Under Review", IsFinalResult: "false" })
    const answers: ReadonlyArray<Wire.JobStatus.JobStatusResponse> = [
      { ...base, jobComplete: false, jobSuccess: false, code: "2314", result: Wire.JobStatus.NoZipUploaded },
      { ...base, jobComplete: false, jobSuccess: false, result: "Processing", imageLinks: links },
      { ...base, result },
      { ...base, result, history: Option.some([older, result]) },
      { ...base, result, history: Option.some([]), imageLinks: links },
      { ...base, result, imageLinks: links }
    ]
    const encode = Wire.JobStatus.makeResponseEncoder()
    for (const answer of answers) {
      const expected = JSON.stringify(Schema.encodeSync(codec)(answer))
      assert.strictEqual(JSON.stringify(encode(answer)), expected)
      assert.strictEqual(JSON.stringify(encode(answer)), expected, "and again, from what it kept")
    }
  })

  it("encodes a result object once, and answers the same object with the wire JSON it made", () => {
    const encode = Wire.JobStatus.makeResponseEncoder()
    const result = decodeResult(resultWire)
    const first = encode({ ...base, result, history: Option.some([result]) })
    const second = encode({ ...base, timestamp: "2026-11-25T21:46:11.000Z", result })
    assert.strictEqual(second.result, first.result)
    assert.strictEqual(first.history?.[0], first.result)
    assert.strictEqual(second.timestamp, "2026-11-25T21:46:11.000Z")
    // An equal but distinct object is encoded on its own.
    assert.notStrictEqual(encode({ ...base, result: decodeResult(resultWire) }).result, first.result)
  })

  it("throws on an invalid part as the schema does: the rest, the result, a history entry", () => {
    const encode = Wire.JobStatus.makeResponseEncoder()
    const result = decodeResult(resultWire)
    const invalid = { ...result, ConfidenceValue: "high" }
    assert.throws(() => encode({ ...base, code: "23020", result }))
    assert.throws(() => encode({ ...base, result: invalid }))
    assert.throws(() => encode({ ...base, result, history: Option.some([result, invalid]) }))
    // The schema refuses it too.
    assert.throws(() => Schema.encodeSync(codec)({ ...base, result: invalid }))
  })
})
