import { assert, describe, it } from "@effect/vitest"
import { Wire } from "@selfie-auth/core"
import { capturedRequests, capturedZips, extractedInfoJson, officialSdkDir } from "@selfie-auth/test-fixtures"
import { Either, Option, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"

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
  it("lists as out of scope only endpoints that were really captured", () => {
    const endpoints = new Set(requests.map(endpointOf))
    for (const endpoint of outOfScope.keys()) assert.isTrue(endpoints.has(endpoint), endpoint)
  })

  it("has captures of every kind the wire model covers", () => {
    const endpoints = new Set(requests.map(endpointOf))
    assert.isTrue(endpoints.has("POST /v1/upload"))
    assert.isTrue(endpoints.has("POST /v1/job_status"))
    assert.isTrue(endpoints.has("PUT <upload_url>"))
    assert.isAtLeast(requests.length, 80)
  })

  it("includes Node bodies that are compared byte for byte after re-encoding", () => {
    const bodyOf = (request: (typeof requests)[number]) => request.body as Record<string, unknown>
    const nodeUploads = requests.filter(
      (r) => endpointOf(r) === "POST /v1/upload" && bodyOf(r)["source_sdk"] === "javascript" && typeof bodyOf(r)["callback_url"] === "string"
    )
    const nodePolls = requests.filter(
      (r) => endpointOf(r) === "POST /v1/job_status" && !r.scenario.startsWith("py_") && "history" in bodyOf(r)
    )
    assert.isAtLeast(nodeUploads.length, 15)
    assert.isAtLeast(nodePolls.length, 40)
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
          if (body["source_sdk"] === "javascript" && typeof body["callback_url"] === "string") {
            // Our encoder writes what the Node SDK writes, minus the id_info it spreads at top level.
            const encoded = JSON.stringify(Schema.encodeSync(Wire.PrepUpload.PrepUploadRequestFromWire)(value))
            assert.strictEqual(encoded, request.rawBody.replace('"entered":"false",', ""))
          }
          return
        }
        case "POST /v1/job_status": {
          const decoded = Wire.JobStatus.decodeJobStatusRequest(request.body)
          assert.isTrue(Either.isRight(decoded), Either.isLeft(decoded) ? decoded.left.detail : "")
          const body = request.body as Record<string, unknown>
          const value = Either.getOrThrow(decoded)
          assert.strictEqual(value.history, body["history"] ?? false)
          assert.strictEqual(value.imageLinks, body["image_links"] ?? false)
          if (!request.scenario.startsWith("py_") && "history" in body) {
            const encoded = JSON.stringify(Schema.encodeSync(Wire.JobStatus.JobStatusRequestFromWire)(value))
            assert.strictEqual(encoded, request.rawBody, "re-encodes byte for byte in the Node SDK's order")
          }
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

/**
 * What each captured zip's info.json must resolve to: the selfie, the liveness
 * frames (`file:<name>` or `base64`), and the entries skipped for the Node SDK
 * bug. Keyed by scenario; a new capture without a row fails.
 */
const expectedImages: Record<
  string,
  { readonly selfie: string; readonly liveness: ReadonlyArray<string>; readonly skipped: ReadonlyArray<number> }
> = {
  jt2_b64_nostatus: { selfie: "base64", liveness: ["base64"], skipped: [] },
  jt2_example_options: { selfie: "base64", liveness: [], skipped: [] },
  jt2_files_status: { selfie: "file:selfie.jpg", liveness: [], skipped: [1] },
  jt4_b64_status: { selfie: "base64", liveness: ["base64", "base64"], skipped: [] },
  jt4_files_nostatus: { selfie: "file:selfie.jpg", liveness: [], skipped: [1, 2] },
  jt4_stringjobtype_mixed: { selfie: "file:selfie.jpg", liveness: ["base64"], skipped: [] },
  nocb_empty_string: { selfie: "base64", liveness: [], skipped: [] },
  nocb_null: { selfie: "base64", liveness: [], skipped: [] },
  nocb_undefined: { selfie: "base64", liveness: [], skipped: [] },
  poll_error_retry: { selfie: "base64", liveness: [], skipped: [] },
  poll_timeout: { selfie: "base64", liveness: [], skipped: [] },
  py_jt2_b64_nostatus: { selfie: "base64", liveness: [], skipped: [] },
  py_jt4_mixed_status: { selfie: "file:selfie.jpg", liveness: ["file:liveness1.jpg", "base64"], skipped: [] },
  upload_status_200: { selfie: "base64", liveness: [], skipped: [] },
  upload_status_201: { selfie: "base64", liveness: [], skipped: [] },
  upload_status_204: { selfie: "base64", liveness: [], skipped: [] },
  upload_status_403: { selfie: "base64", liveness: [], skipped: [] },
  upload_status_500: { selfie: "base64", liveness: [], skipped: [] }
}

const describeReference = (reference: Wire.SelfieImages.ImageReference): string =>
  reference._tag === "ZipEntry" ? `file:${reference.fileName}` : "base64"

/** The entry names of a captured zip, from its `unzip -l` listing. */
const zipEntries = (zipName: string): ReadonlyArray<string> =>
  fs
    .readFileSync(path.join(officialSdkDir, "extracted", zipName.replace(/\.zip$/, ".listing.txt")), "utf8")
    .split("\n")
    .map((line) => /\d\d:\d\d\s+(\S+)$/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)

describe("captured info.json files", () => {
  const zips = capturedZips()
  const extracted = fs
    .readdirSync(path.join(officialSdkDir, "extracted"))
    .filter((name) => name.endsWith(".info.json"))
    .sort()

  it("exist for every captured zip, and every extracted one belongs to a zip", () => {
    assert.isAtLeast(zips.length, 18)
    assert.deepStrictEqual(
      extracted,
      zips.map((zip) => zip.name.replace(/\.zip$/, ".info.json"))
    )
  })

  for (const zip of zips) {
    it(`${zip.name}: info.json decodes and names exactly one selfie`, () => {
      const info = Wire.InfoJson.decodeInfoJson(extractedInfoJson(zip.name))
      assert.isTrue(Either.isRight(info), Either.isLeft(info) ? info.left.detail : "")
      const images = Wire.SelfieImages.resolveSelfieImages(Either.getOrThrow(info).images)
      assert.isTrue(Either.isRight(images), Either.isLeft(images) ? images.left.detail : "")
      const resolved = Either.getOrThrow(images)
      const expected = expectedImages[zip.name.replace(/-[0-9a-f]{12}\.zip$/, "")]
      assert.isDefined(expected, `no expectation for ${zip.name}`)
      assert.strictEqual(describeReference(resolved.selfie), expected!.selfie)
      assert.deepStrictEqual(resolved.livenessFrames.map(describeReference), expected!.liveness)
      assert.deepStrictEqual(
        resolved.warnings.map((warning) => warning.index),
        expected!.skipped
      )
      for (const warning of resolved.warnings) assert.strictEqual(warning.reason, "local_path_not_uploaded")
      // Every file the manifest names is really in the zip.
      const entries = zipEntries(zip.name)
      assert.include(entries, "info.json")
      for (const reference of [resolved.selfie, ...resolved.livenessFrames]) {
        if (reference._tag === "ZipEntry") assert.include(entries, reference.fileName)
      }
    })
  }
})
