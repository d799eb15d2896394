import { assert, describe, it } from "@effect/vitest"
import { GeneralError, Wire } from "@selfie-auth/core"
import { Either, Option, Schema } from "effect"

const { decodeInfoJson, decodeInfoJsonText } = Wire.InfoJson

/** The Node SDK's info.json (captured jt4_stringjobtype_mixed), images shortened. */
const nodeInfo = {
  package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: "javascript" },
  misc_information: {
    retry: "false",
    partner_params: { user_id: "user-003", job_id: "job-jt4-c", job_type: 4, custom_field: "abc" },
    timestamp: "2026-11-25T21:46:10.111Z",
    file_name: "selfie.zip",
    smile_client_id: "001",
    callback_url: "https://partner.example/callback",
    userData: { isVerifiedProcess: false, firstName: "Bill" }
  },
  id_info: { entered: "false" },
  images: [
    { image_type_id: 0, image: "", file_name: "selfie.jpg" },
    { image_type_id: 6, image: "/9j/4AAQSkZJRg==", file_name: "" }
  ],
  server_information: { upload_url: "http://127.0.0.1:8080/upload/x.zip", smile_job_id: "0000000001", code: "2202" }
}

const failure = (json: unknown) => {
  const result = decodeInfoJson(json)
  if (Either.isRight(result)) assert.fail("expected info.json to be refused")
  return { error: result.left, body: GeneralError.toErrorBody(result.left) }
}

describe("info.json: accepted shapes", () => {
  it("reads the Node manifest, keeping the partner's extra params", () => {
    const info = Either.getOrThrow(decodeInfoJson(nodeInfo))
    assert.deepStrictEqual(info.partnerParams.extras, { custom_field: "abc" })
    assert.deepStrictEqual(info.callbackUrl, Option.some("https://partner.example/callback"))
    assert.deepStrictEqual(info.images[1], { image_type_id: 6, image: "/9j/4AAQSkZJRg==", file_name: "" })
  })

  it("accepts image_type_id as a string, missing or null image/file_name, server_information as a string (Python) or absent", () => {
    const { server_information: _, ...withoutServerInformation } = nodeInfo
    const variants = [
      { ...nodeInfo, images: [{ image_type_id: "0", file_name: "selfie.jpg" }] },
      { ...nodeInfo, images: [{ image_type_id: 2, image: "/9j/", file_name: null }] },
      { ...nodeInfo, server_information: "http://127.0.0.1:8080/upload/x.zip" },
      { ...nodeInfo, id_info: {}, misc_information: { ...nodeInfo.misc_information, signature: "c2ln", retry: false } },
      withoutServerInformation
    ]
    for (const variant of variants) {
      const decoded = decodeInfoJson(variant)
      assert.isTrue(Either.isRight(decoded), Either.isLeft(decoded) ? decoded.left.detail : "")
    }
    const images = Either.getOrThrow(decodeInfoJson(variants[0])).images
    assert.deepStrictEqual(images, [{ image_type_id: 0, image: "", file_name: "selfie.jpg" }])
  })

  it("parses text, tolerating a byte-order mark", () => {
    assert.isTrue(Either.isRight(decodeInfoJsonText(`\uFEFF${JSON.stringify(nodeInfo, null, 2)}`)))
  })

  it("encodes a minimal Node-style manifest", () => {
    const info = Either.getOrThrow(decodeInfoJson(nodeInfo))
    const encoded = Schema.encodeSync(Wire.InfoJson.InfoJsonFromWire)(info)
    assert.deepStrictEqual(encoded.misc_information.partner_params, nodeInfo.misc_information.partner_params)
    assert.deepStrictEqual(Object.keys(encoded), ["package_information", "misc_information", "images"])
    assert.isTrue(Either.isRight(decodeInfoJson(encoded)))
  })
})

describe("info.json: errors (2203 not JSON or not the structure, 2213 missing key, 2212 job type)", () => {
  it("2203 for text that is not JSON, with the parser's reason", () => {
    const result = decodeInfoJsonText('{"images": [}')
    const error = Either.getLeft(result).pipe(Option.getOrThrow)
    assert.strictEqual(GeneralError.toErrorBody(error).code, "2203")
    assert.match(error.detail, /^info\.json is not valid JSON \(.+\); write it with a JSON serializer$/)
  })

  it("2203 for a document or a section of the wrong shape, naming the path", () => {
    assert.deepStrictEqual(failure([]).body, {
      code: "2203",
      error: "Error - Invalid JSON: info.json: must be a JSON object (got [])"
    })
    const images = failure({ ...nodeInfo, images: { 0: nodeInfo.images[0] } })
    assert.strictEqual(images.body.code, "2203")
    assert.include(images.error.detail, "info.json: images must be an array of { image_type_id, image, file_name }")
    const typeId = failure({ ...nodeInfo, images: [{ image_type_id: 8, image: "", file_name: "selfie.jpg" }] })
    assert.strictEqual(typeId.body.code, "2203")
    assert.include(typeId.error.detail, "images[0].image_type_id must be an image type id from 0 to 7")
    assert.include(typeId.error.detail, "(got 8)")
  })

  it("2213 for a missing key, naming its path", () => {
    const { partner_params: _, ...misc } = nodeInfo.misc_information
    assert.deepStrictEqual(failure({ ...nodeInfo, misc_information: misc }).body, {
      code: "2213",
      error: "Error - A required parameter is missing: info.json: misc_information.partner_params is required"
    })
    const { job_id: __, ...params } = nodeInfo.misc_information.partner_params
    const jobId = failure({ ...nodeInfo, misc_information: { ...nodeInfo.misc_information, partner_params: params } })
    assert.include(jobId.error.detail, "misc_information.partner_params.job_id is required")
  })

  it("2213 for an empty images array, saying what to add", () => {
    const { body } = failure({ ...nodeInfo, images: [] })
    assert.strictEqual(body.code, "2213")
    assert.include(body.error, "info.json: images is empty: list at least the selfie")
  })

  it("2212 for a job type other than 2 or 4", () => {
    const params = { ...nodeInfo.misc_information.partner_params, job_type: "1" }
    const { body } = failure({ ...nodeInfo, misc_information: { ...nodeInfo.misc_information, partner_params: params } })
    assert.strictEqual(body.code, "2212")
    assert.include(body.error, 'misc_information.partner_params.job_type must be 2 (authenticate a registered user) or 4')
  })
})
