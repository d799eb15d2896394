import { assert, describe, it } from "@effect/vitest"
import { GeneralError, Wire } from "@selfie-auth/core"
import { Either, Option, Schema } from "effect"

const { decodeJobStatusRequest } = Wire.JobStatus

const pollBody = {
  user_id: "user-002",
  job_id: "job-jt4-b",
  partner_id: "001",
  signature: "uKy8MyXsGEILbxiWjNUxbxd9vB2YbunxJSHV10mRFXQ=",
  timestamp: "2026-11-25T21:46:08.089Z"
}

/** A result object as our server sends it, in wire form. */
const resultWire = {
  Actions: { Register_Selfie: "Approved", Selfie_Check: "Passed", Selfie_Provided: "Passed", Liveness_Check: "Not Applicable" },
  ConfidenceValue: "99",
  PartnerParams: { user_id: "user-002", job_id: "job-jt4-b", job_type: 4, branch: "lagos" },
  ResultCode: "0840",
  ResultText: "Enroll User",
  ResultType: "SAIA",
  SmileJobID: "0000000001",
  Source: "WebAPI",
  JSONVersion: "1.0.0",
  IsFinalResult: "true",
  IsMachineResult: "true"
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
