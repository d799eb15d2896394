import { assert, describe, it } from "@effect/vitest"
import { GeneralError, Ids, Wire } from "@selfie-auth/core"
import { Either, Schema } from "effect"

const { ResultObject, CallbackBody, booleanString } = Wire.ResultObject

const result: Wire.ResultObject.ResultObject = {
  Actions: {
    Human_Review_Liveness_Check: "Not Applicable",
    Selfie_Check: "Passed",
    Liveness_Check: "Passed",
    Selfie_Provided: "Passed",
    Selfie_To_Registered_Selfie_Compare: "Completed"
  },
  ConfidenceValue: "99",
  PartnerParams: {
    userId: Schema.decodeSync(Ids.UserId)("user-001"),
    jobId: Schema.decodeSync(Ids.JobId)("job-jt2-a"),
    jobType: 2,
    extras: { custom_field: "abc" }
  },
  ResultCode: "0820",
  ResultText: "Authenticate User",
  ResultType: "SAIA",
  SmileJobID: Schema.decodeSync(Ids.SmileJobId)("0000000042"),
  Source: "WebAPI",
  JSONVersion: "1.0.0",
  IsFinalResult: booleanString(true),
  IsMachineResult: booleanString(true)
}

describe("result object", () => {
  it("encodes with the v1 string typing, job_type as the number, and the partner's extras echoed", () => {
    assert.strictEqual(
      JSON.stringify(Schema.encodeSync(ResultObject)(result)),
      '{"Actions":{"Human_Review_Liveness_Check":"Not Applicable","Selfie_Check":"Passed","Liveness_Check":"Passed","Selfie_Provided":"Passed","Selfie_To_Registered_Selfie_Compare":"Completed"},' +
        '"ConfidenceValue":"99","PartnerParams":{"user_id":"user-001","job_id":"job-jt2-a","job_type":2,"custom_field":"abc"},' +
        '"ResultCode":"0820","ResultText":"Authenticate User","ResultType":"SAIA","SmileJobID":"0000000042","Source":"WebAPI",' +
        '"JSONVersion":"1.0.0","IsFinalResult":"true","IsMachineResult":"true"}'
    )
  })

  it("refuses to encode the types partners' code does not expect", () => {
    const encode = Schema.encodeUnknownEither(ResultObject)
    const wrong = (patch: Record<string, unknown>) => Either.isLeft(encode({ ...result, ...patch }))
    assert.isTrue(wrong({ ResultCode: "820" }), "ResultCode is four digits")
    assert.isTrue(wrong({ ConfidenceValue: "101" }), "ConfidenceValue is 0..100")
    assert.isTrue(wrong({ ConfidenceValue: "high" }))
    assert.isTrue(wrong({ IsFinalResult: "yes" }))
    assert.isTrue(wrong({ Actions: { Selfie_Check: true } }))
  })

  it("decodes results as the SDK READMEs show them (ConfidenceValue \"100.000000\", job_type number or string)", () => {
    const decode = Schema.decodeUnknownEither(ResultObject)
    const wire = { ...Schema.encodeSync(ResultObject)(result), ConfidenceValue: "100.000000" }
    assert.isTrue(Either.isRight(decode(wire)))
    const stringJobType = { ...wire, PartnerParams: { user_id: "u", job_id: "j", job_type: "2" } }
    assert.strictEqual(Either.getOrThrow(decode(stringJobType)).PartnerParams.jobType, 2)
    assert.isTrue(Either.isLeft(decode({ ...wire, ConfidenceValue: 99 })), "a numeric ConfidenceValue is not v1")
    assert.isTrue(Either.isLeft(decode({ ...wire, IsFinalResult: true })), "IsFinalResult is a string")
    assert.isTrue(Either.isLeft(decode({ ...wire, ResultCode: 820 })), "ResultCode is a string")
  })

  it("signs callbacks with a string timestamp", () => {
    const body = Schema.encodeSync(CallbackBody)({ ...result, signature: "c2ln", timestamp: "2026-11-25T21:46:08.100Z" })
    assert.strictEqual(body.timestamp, "2026-11-25T21:46:08.100Z")
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(CallbackBody)({ ...body, timestamp: 1764107168100 })))
  })
})

describe("error body", () => {
  it("is {code, error} with the table's text and the detail", () => {
    const body = Wire.ErrorBody.fromGeneralError(new GeneralError.InvalidJobType({ detail: "partner_params.job_type is 5" }))
    assert.strictEqual(JSON.stringify(body), '{"code":"2212","error":"Error - Invalid job type: partner_params.job_type is 5"}')
  })

  it("reads a hosted answer back into the condition, 24xx forms included", () => {
    const body = Schema.decodeUnknownSync(Wire.ErrorBody.ErrorBody)({ code: "2413", error: "Error - A required parameter is missing" })
    assert.strictEqual(Wire.ErrorBody.toGeneralError(body)?._tag, "MissingParameter")
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Wire.ErrorBody.ErrorBody)({ code: 2213, error: "x" })))
  })
})

describe("hosted result object", () => {
  it("reads the abridged results Smile ID's READMEs show, with the same string typing", () => {
    const decode = Schema.decodeUnknownEither(Wire.ResultObject.HostedResultObject)
    // As in the official SDK READMEs' job_status example: no Actions, ResultCode or Source.
    const readme = {
      ResultText: "Enroll User",
      ResultType: "SAIA",
      SmileJobID: "0000001897",
      JSONVersion: "1.0.0",
      IsFinalResult: "true",
      PartnerParams: { job_id: "52d0de86", user_id: "e54e0e98", job_type: 4 },
      ConfidenceValue: "100",
      IsMachineResult: "true"
    }
    const result = Either.getOrThrow(decode(readme))
    assert.strictEqual(result.PartnerParams.jobType, 4)
    assert.isUndefined(result.ResultCode)
    assert.isTrue(Either.isLeft(decode({ ...readme, IsFinalResult: true })))
    assert.isTrue(Either.isLeft(decode({ ...readme, ResultCode: 840 })))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(ResultObject)(readme)), "our own results carry every field")
  })
})
