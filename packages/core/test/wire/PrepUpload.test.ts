import { assert, describe, it } from "@effect/vitest"
import { GeneralError, Wire } from "@selfie-auth/core"
import { Either, Option, Schema } from "effect"

const { decodePrepUploadRequest } = Wire.PrepUpload

/** A Node SDK 3.2.1 body as captured (log/001), with `"entered": "false"` spread from id_info. */
const nodeBody = {
  callback_url: "https://partner.example/callback",
  file_name: "selfie.zip",
  model_parameters: {},
  partner_params: { user_id: "user-001", job_id: "job-jt4-a", job_type: 4 },
  smile_client_id: "001",
  use_enrolled_image: false,
  entered: "false",
  signature: "3G9g88RbkaWLp3dpoOVqBccb+CP9DCsrgf6rSa8Qu80=",
  timestamp: "2026-11-25T21:46:08.063Z",
  source_sdk: "javascript",
  source_sdk_version: "3.2.1"
}

const decoded = (body: unknown) => {
  const result = decodePrepUploadRequest(body)
  if (Either.isLeft(result)) assert.fail(`expected ${JSON.stringify(body)} to decode: ${result.left.detail}`)
  return result.right
}

const failure = (body: unknown) => {
  const result = decodePrepUploadRequest(body)
  if (Either.isRight(result)) assert.fail(`expected ${JSON.stringify(body)} to be refused`)
  return { ...result.left, body: GeneralError.toErrorBody(result.left) }
}

describe("prep upload request: lenient where the SDKs differ", () => {
  it("reads the Node body into the service's shape", () => {
    const request = decoded(nodeBody)
    assert.strictEqual(request.partnerId, "001")
    assert.deepStrictEqual(
      request.partnerParams,
      Schema.decodeSync(Wire.PartnerParams.PartnerParams)({ userId: "user-001", jobId: "job-jt4-a", jobType: 4, extras: {} })
    )
    assert.deepStrictEqual(request.callbackUrl, Option.some("https://partner.example/callback"))
    assert.strictEqual(request.timestamp, "2026-11-25T21:46:08.063Z")
    assert.strictEqual(request.sourceSdk, "javascript")
    assert.isFalse(request.useEnrolledImage)
  })

  it("reads a missing, null or empty callback_url as no callback", () => {
    const { callback_url: _, ...withoutCallback } = nodeBody
    for (const body of [withoutCallback, { ...nodeBody, callback_url: null }, { ...nodeBody, callback_url: "" }]) {
      assert.isTrue(Option.isNone(decoded(body).callbackUrl))
    }
  })

  it("accepts model_parameters as {} (Node, Python), \"\" (PHP), null or absent", () => {
    const { model_parameters: _, ...withoutModel } = nodeBody
    for (const body of [withoutModel, { ...nodeBody, model_parameters: "" }, { ...nodeBody, model_parameters: null }]) {
      decoded(body)
    }
  })

  it("accepts job_type as a numeric string", () => {
    const body = { ...nodeBody, partner_params: { ...nodeBody.partner_params, job_type: "2" } }
    assert.strictEqual(decoded(body).partnerParams.jobType, 2)
  })

  it("ignores unknown top-level keys (Android's allow_new_enroll, metadata, retry)", () => {
    const request = decoded({ ...nodeBody, allow_new_enroll: false, metadata: [{ name: "x" }], retry: "false" })
    assert.notProperty(request, "metadata")
  })

  it("takes the partner id from partner_id when smile_client_id is absent", () => {
    const { smile_client_id: _, ...rest } = nodeBody
    assert.strictEqual(decoded({ ...rest, partner_id: "001" }).partnerId, "001")
    assert.strictEqual(decoded({ ...nodeBody, partner_id: "001" }).partnerId, "001")
  })

  it("keeps any timestamp style byte for byte (Python, Ruby, PHP, Java)", () => {
    for (const timestamp of [
      "2024-01-02T03:04:05.678000+00:00",
      "2024-01-02 03:04:05 +0000",
      "2024-01-02T03:04:05+00:00",
      "2024-01-02T03:04:05.678901Z"
    ]) {
      assert.strictEqual(decoded({ ...nodeBody, timestamp }).timestamp, timestamp)
    }
  })

  it("encodes as the Node SDK does, callback_url \"\" for none and model_parameters {}", () => {
    const { callback_url: _, model_parameters: __, ...rest } = nodeBody
    const encoded = Schema.encodeSync(Wire.PrepUpload.PrepUploadRequestFromWire)(decoded(rest))
    assert.deepStrictEqual(Object.keys(encoded), [
      "callback_url",
      "file_name",
      "model_parameters",
      "partner_params",
      "smile_client_id",
      "use_enrolled_image",
      "signature",
      "timestamp",
      "source_sdk",
      "source_sdk_version"
    ])
    assert.strictEqual(encoded.callback_url, "")
    assert.deepStrictEqual(encoded.model_parameters, {})
  })
})

describe("prep upload request: errors that say what to fix", () => {
  it("2213 for a missing field, naming its path", () => {
    const { user_id: _, ...params } = nodeBody.partner_params
    const error = failure({ ...nodeBody, partner_params: params })
    assert.strictEqual(error._tag, "MissingParameter")
    assert.deepStrictEqual(error.body, {
      code: "2213",
      error: "Error - A required parameter is missing: POST /v1/upload body: partner_params.user_id is required"
    })
  })

  it("2213 when no partner id is sent under either name", () => {
    const { smile_client_id: _, ...rest } = nodeBody
    const error = failure(rest)
    assert.strictEqual(error.body.code, "2213")
    assert.include(error.detail, "smile_client_id is required")
  })

  it("2212 for a job type other than 2 or 4, with the value received", () => {
    const error = failure({ ...nodeBody, partner_params: { ...nodeBody.partner_params, job_type: 5 } })
    assert.strictEqual(error.body.code, "2212")
    assert.include(error.detail, "partner_params.job_type must be 2 (authenticate a registered user) or 4 (register a user's selfie)")
    assert.include(error.detail, "(got 5)")
  })

  it("2212 outranks other problems so the code names the first thing to fix, and every problem is listed", () => {
    const { signature: _, ...rest } = nodeBody
    const error = failure({ ...rest, timestamp: 17, partner_params: { ...nodeBody.partner_params, job_type: "1" } })
    assert.strictEqual(error.body.code, "2212")
    assert.include(error.detail, "signature is required")
    assert.include(error.detail, "timestamp must be the non-empty timestamp string that was signed")
  })

  it("2204 for a value of the wrong type, with what was sent", () => {
    const error = failure({ ...nodeBody, timestamp: 1704164645678 })
    assert.strictEqual(error._tag, "WrongDataType")
    assert.strictEqual(
      error.body.error,
      "Error - A parameter is of the wrong data type: POST /v1/upload body: timestamp must be the non-empty timestamp string that was signed, e.g. \"2024-01-02T03:04:05.678Z\" (got 1704164645678)"
    )
  })

  it("2204 for a callback_url that is not an http(s) URL", () => {
    const error = failure({ ...nodeBody, callback_url: "partner.example/callback" })
    assert.strictEqual(error.body.code, "2204")
    assert.include(error.detail, "callback_url must be an http(s) URL")
  })

  it("2204 for non-string extra partner params and for disagreeing partner ids", () => {
    const extra = failure({ ...nodeBody, partner_params: { ...nodeBody.partner_params, attempt: 2 } })
    assert.strictEqual(extra.body.code, "2204")
    assert.include(extra.detail, "partner_params.attempt must be a string")
    const ids = failure({ ...nodeBody, partner_id: "002" })
    assert.strictEqual(ids.body.code, "2204")
    assert.include(ids.detail, 'partner_id must equal smile_client_id ("001")')
  })

  it("2204 when the body is not a JSON object", () => {
    for (const body of ["hello", [], null, 42]) {
      const error = failure(body)
      assert.strictEqual(error.body.code, "2204")
      assert.include(error.detail, "POST /v1/upload body: must be a JSON object")
    }
  })
})

describe("prep upload request: every required field, as a table", () => {
  const without = (path: ReadonlyArray<string>) => {
    const [head, key] = path
    if (key !== undefined) {
      return { ...nodeBody, partner_params: Object.fromEntries(Object.entries(nodeBody.partner_params).filter(([k]) => k !== key)) }
    }
    return Object.fromEntries(Object.entries(nodeBody).filter(([k]) => k !== head))
  }
  const withValue = ([head = "", key]: ReadonlyArray<string>, value: unknown) =>
    key !== undefined
      ? { ...nodeBody, partner_params: { ...nodeBody.partner_params, [key]: value } }
      : { ...nodeBody, [head]: value }

  const required = [
    ["partner_params"],
    ["partner_params", "user_id"],
    ["partner_params", "job_id"],
    ["partner_params", "job_type"],
    ["signature"],
    ["timestamp"],
    ["source_sdk"],
    ["source_sdk_version"]
  ]

  for (const path of required) {
    const name = path.join(".")
    it(`${name}: absent -> 2213 naming it; a number instead -> ${name.endsWith("job_type") ? "2212" : "2204"} naming it`, () => {
      const missing = failure(without(path))
      assert.strictEqual(missing.body.code, "2213")
      assert.strictEqual(missing.detail, `POST /v1/upload body: ${name} is required`)
      const wrong = failure(withValue(path, 42))
      assert.strictEqual(wrong.body.code, name.endsWith("job_type") ? "2212" : "2204")
      assert.match(wrong.detail, new RegExp(`^POST /v1/upload body: ${name.replace(".", "\\.")} must be `))
      assert.include(wrong.detail, "(got 42)")
    })
  }
})

describe("prep upload response", () => {
  it("decodes what the Node SDK copies into info.json and writes camera_config null when absent", () => {
    const decode = Schema.decodeUnknownSync(Wire.PrepUpload.PrepUploadResponseFromWire)
    const response = decode({
      upload_url: "https://uploads.example/attachments.zip?X-Amz-Signature=x",
      smile_job_id: "0000000001",
      ref_id: "ref-1",
      code: "2202"
    })
    assert.strictEqual(response.cameraConfig, null)
    assert.strictEqual(response.smileJobId, "0000000001")
    assert.strictEqual(
      JSON.stringify(Schema.encodeSync(Wire.PrepUpload.PrepUploadResponseFromWire)(response)),
      '{"upload_url":"https://uploads.example/attachments.zip?X-Amz-Signature=x","smile_job_id":"0000000001","ref_id":"ref-1","code":"2202","camera_config":null}'
    )
    assert.throws(() => decode({ upload_url: "u", smile_job_id: "1", ref_id: "r", code: 2202 }))
  })
})
