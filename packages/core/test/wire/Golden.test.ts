import { assert, describe, it } from "@effect/vitest"
import { Wire } from "@selfie-auth/core"
import { capturedRequests, capturedZips, extractedInfoJson } from "@selfie-auth/test-fixtures"
import { Either, Option } from "effect"

/**
 * Every request the official SDKs made is either decoded by the core schema of
 * its endpoint or named here as out of scope, so a new capture can never be
 * skipped silently.
 */
const outOfScope: ReadonlyMap<string, string> = new Map([
  ["POST /v1/token", "Web SDK tokens (get_web_token) belong to the hosted web integration, not to job types 2 and 4"]
])

const requests = capturedRequests()
const endpointOf = (request: (typeof requests)[number]) =>
  request.method === "PUT" ? "PUT <upload_url>" : `${request.method} ${request.url.split("?")[0]}`

const headerValue = (rawHeaders: ReadonlyArray<string>, name: string): string | undefined => {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name.toLowerCase()) return rawHeaders[i + 1]
  }
  return undefined
}

describe("captured official SDK traffic", () => {
  it("has captures of every kind the wire model covers", () => {
    const endpoints = new Set(requests.map(endpointOf))
    assert.isTrue(endpoints.has("POST /v1/upload"))
    assert.isTrue(endpoints.has("POST /v1/job_status"))
    assert.isTrue(endpoints.has("PUT <upload_url>"))
    assert.isAtLeast(requests.length, 80)
  })

  for (const request of requests) {
    it(`${request.file} decodes with the schema of ${endpointOf(request)}`, () => {
      const endpoint = endpointOf(request)
      switch (endpoint) {
        case "POST /v1/upload": {
          const decoded = Wire.PrepUpload.decodePrepUploadRequest(request.body)
          assert.isTrue(Either.isRight(decoded), Either.isLeft(decoded) ? decoded.left.detail : "")
          const body = request.body as Record<string, unknown>
          const value = Either.getOrThrow(decoded)
          assert.strictEqual(value.timestamp, body["timestamp"], "the signed timestamp is kept byte for byte")
          assert.strictEqual(value.partnerId, "001")
          assert.deepStrictEqual(
            Option.getOrUndefined(value.callbackUrl),
            typeof body["callback_url"] === "string" && body["callback_url"] !== "" ? body["callback_url"] : undefined
          )
          return
        }
        case "POST /v1/job_status": {
          const decoded = Wire.JobStatus.decodeJobStatusRequest(request.body)
          assert.isTrue(Either.isRight(decoded), Either.isLeft(decoded) ? decoded.left.detail : "")
          const body = request.body as Record<string, unknown>
          const value = Either.getOrThrow(decoded)
          assert.strictEqual(value.history, body["history"] ?? false)
          assert.strictEqual(value.imageLinks, body["image_links"] ?? false)
          return
        }
        case "PUT <upload_url>": {
          assert.match(request.url, /^\/upload\/[\w-]+\.zip\?X-Amz-Signature=/)
          assert.strictEqual(headerValue(request.rawHeaders, "content-type"), "application/zip")
          const length = headerValue(request.rawHeaders, "content-length")
          assert.match(length ?? "", /^\d+$/)
          const savedZip = (request as unknown as { readonly savedZip?: string }).savedZip ?? ""
          assert.match(savedZip, /^zips\/.+\.zip$/)
          assert.isUndefined(headerValue(request.rawHeaders, "authorization"), "the PUT is pre-signed, no auth header")
          return
        }
        default:
          assert.isTrue(outOfScope.has(endpoint), `${endpoint} is neither decoded nor listed as out of scope`)
      }
    })
  }
})

describe("captured info.json files", () => {
  const zips = capturedZips()

  it("exist for every captured zip", () => {
    assert.isAtLeast(zips.length, 18)
  })

  for (const zip of zips) {
    it(`${zip.name}: info.json decodes and names exactly one selfie`, () => {
      const info = Wire.InfoJson.decodeInfoJson(extractedInfoJson(zip.name))
      assert.isTrue(Either.isRight(info), Either.isLeft(info) ? info.left.detail : "")
      const images = Wire.SelfieImages.resolveSelfieImages(Either.getOrThrow(info).images)
      assert.isTrue(Either.isRight(images), Either.isLeft(images) ? images.left.detail : "")
    })
  }
})
