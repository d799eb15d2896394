/**
 * Golden tests: the requests our client makes have the fields and shapes of
 * the official Node SDK's captured requests (packages/test-fixtures/official-sdk),
 * and its zip unpacks to an info.json of the captured structure.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { Wire } from "@selfie-auth/core"
import { capturedRequests, extractedInfoJson } from "@selfie-auth/test-fixtures"
import { Effect, Either, Schedule } from "effect"
import { SmartSelfie } from "@selfie-auth/adapter-http"
import { layerNode } from "../src/node.js"
import { apiKey, baseUrl, jpeg, makeFakeApi, OfficialSignature, partnerId, uploadUrl } from "./support.js"

const api = makeFakeApi()
beforeAll(() => api.server.listen({ onUnhandledRequest: "error" }))
afterEach(() => api.reset())
afterAll(() => api.server.close())

/**
 * The structure of a JSON value: objects by their keys (order-insensitive),
 * arrays by the set of their elements' shapes, scalars by their type.
 */
const shapeOf = (value: unknown): unknown => {
  if (value === null) return "null"
  if (Array.isArray(value)) return [...new Set(value.map((item) => JSON.stringify(shapeOf(item))))].sort().map((s) => JSON.parse(s))
  if (typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]))
  }
  return typeof value
}

const without = (body: unknown, ...keys: Array<string>) =>
  Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([key]) => !keys.includes(key)))

const captured = (file: string) => {
  const request = capturedRequests().find((candidate) => candidate.file.startsWith(file))
  if (request === undefined) throw new Error(`no captured request ${file}`)
  return request
}


const clientLayer = layerNode({
  partnerId,
  apiKey,
  baseUrl,
  poll: { schedule: Schedule.spaced("20 millis"), timeout: "5 seconds" }
})

const frames = Array.from({ length: 8 }, (_, index) => jpeg(2_000 + index, index + 2))

const register = (extra: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const smartSelfie = yield* SmartSelfie.SmartSelfie
    return yield* smartSelfie.register({
      userId: "user-001",
      jobId: "job-jt4-a",
      selfie: jpeg(3_000, 1),
      livenessFrames: frames,
      callbackUrl: "https://partner.example/callback",
      waitForResult: true,
      ...extra
    })
  }).pipe(Effect.provide(clientLayer))

describe("golden: requests shaped like the official Node SDK's", () => {
  it.live("prep upload has the captured fields, types and order (less Node's id_info spread `entered`)", () =>
    Effect.gen(function*() {
      yield* register()
      const [ours] = api.requests("POST", "/upload")
      const node = captured("001-jt4_files_nostatus").body as Record<string, unknown>
      // `entered` is Node's id_info spread at top level (an Enhanced KYC key); the Python SDK omits it too.
      assert.deepStrictEqual(Object.keys(ours!.json as object), Object.keys(without(node, "entered")))
      assert.deepStrictEqual(shapeOf(ours!.json), shapeOf(without(node, "entered")))
      const body = ours!.json as Record<string, unknown>
      assert.deepStrictEqual(
        { ...body, signature: "", timestamp: "" },
        {
          callback_url: "https://partner.example/callback",
          file_name: "selfie.zip",
          model_parameters: {},
          partner_params: { user_id: "user-001", job_id: "job-jt4-a", job_type: 4 },
          smile_client_id: "001",
          use_enrolled_image: false,
          signature: "",
          timestamp: "",
          source_sdk: "rest_api",
          source_sdk_version: "0.1.0"
        }
      )
      assert.deepStrictEqual(Object.keys(ours!.headers).includes("authorization"), false)
      assert.strictEqual(ours!.headers["content-type"], "application/json")
    }))

  it.live("every captured prep upload and job_status request has our structure (Node less `entered`; Python exactly)", () =>
    Effect.gen(function*() {
      yield* register()
      const ourUpload = shapeOf(api.requests("POST", "/upload")[0]!.json)
      const ourStatus = shapeOf(api.requests("POST", "/job_status")[0]!.json)
      const uploads = capturedRequests().filter((r) => r.url === "/v1/upload")
      const statuses = capturedRequests().filter((r) => r.url === "/v1/job_status")
      const withCallback = uploads.filter((r) => typeof (r.body as Record<string, unknown>)["callback_url"] === "string")
      assert.strictEqual(withCallback.length, 19) // 17 from Node, 2 from Python
      // extra partner params (007's custom_field) are the caller's, compared in the next test
      const fixedParams = (body: unknown) => {
        const { partner_params: params, ...rest } = without(body, "entered") as { partner_params: Record<string, unknown> }
        return { ...rest, partner_params: { user_id: params["user_id"], job_id: params["job_id"], job_type: params["job_type"] } }
      }
      for (const request of withCallback) {
        assert.deepStrictEqual(shapeOf(fixedParams(request.body)), ourUpload, request.file)
      }
      const python = withCallback.filter((r) => (r.body as Record<string, unknown>)["source_sdk"] === "Python")
      assert.deepStrictEqual(python.map((r) => shapeOf(r.body)), [ourUpload, ourUpload])
      // every job_status the SDKs sent with both flags (47 of 48; one utilities call without options omits them)
      const withFlags = statuses.filter((r) => "history" in (r.body as object))
      assert.strictEqual(withFlags.length, 47)
      for (const request of withFlags) assert.deepStrictEqual(shapeOf(request.body), ourStatus, request.file)
    }))

  it.live("extra partner params travel after the fixed keys, as the captured string-job-type scenario", () =>
    Effect.gen(function*() {
      yield* register({ extraPartnerParams: { custom_field: "abc" } })
      const [ours] = api.requests("POST", "/upload")
      const node = captured("007-jt4_stringjobtype_mixed").body as Record<string, unknown>
      assert.deepStrictEqual(shapeOf((ours!.json as Record<string, unknown>)["partner_params"]), shapeOf(node["partner_params"]))
      assert.deepStrictEqual(Object.keys((ours!.json as { partner_params: object }).partner_params), ["user_id", "job_id", "job_type", "custom_field"])
    }))

  it.live("job_status has exactly the captured keys in the captured order, with a fresh signature each poll", () =>
    Effect.gen(function*() {
      let polls = 0
      api.set({
        jobStatus: (body) => {
          polls += 1
          const complete = polls >= 3
          return Response.json({
            ...new OfficialSignature(partnerId, apiKey).generate_signature(new Date().toISOString()),
            job_complete: complete,
            job_success: complete,
            code: complete ? "2302" : "2314",
            result: complete
              ? { PartnerParams: body.partner_params ?? { user_id: body.user_id, job_id: body.job_id, job_type: 4 }, ResultText: "Enroll User", SmileJobID: "0000000042", ResultCode: "0840" }
              : "No zip uploaded"
          })
        }
      })
      const outcome = yield* register()
      assert.strictEqual(outcome.status?.code, "2302")
      const ours = api.requests("POST", "/job_status")
      assert.strictEqual(ours.length, 3)
      const node = captured("012-jt2_files_status").body as Record<string, unknown>
      for (const request of ours) {
        assert.deepStrictEqual(Object.keys(request.json as object), Object.keys(node))
        assert.deepStrictEqual(shapeOf(request.json), shapeOf(node))
        const { signature, timestamp } = request.json as { signature: string; timestamp: string }
        // the official SDK is the oracle for every signature we send
        assert.isTrue(new OfficialSignature(partnerId, apiKey).confirm_signature(timestamp, signature))
      }
      const timestamps = [api.requests("POST", "/upload")[0], ...ours].map((r) => (r!.json as { timestamp: string }).timestamp)
      assert.strictEqual(new Set(timestamps).size, timestamps.length, `timestamps repeat: ${timestamps.join(", ")}`)
    }))

  it.live("the zip PUT goes to upload_url as given, with Content-Type application/zip and no auth header", () =>
    Effect.gen(function*() {
      yield* register()
      const [put] = api.requests("PUT", "/attachments.zip")
      assert.strictEqual(put!.url, uploadUrl)
      assert.strictEqual(put!.headers["content-type"], "application/zip")
      // fetch writes Content-Length itself on the wire, after msw's interception point; the raw header
      // is checked on a real socket in adapter-s3's ZipUpload test and in the CLI test.
      assert.isUndefined(put!.headers["authorization"])
      const nodePut = captured("002-jt4_files_nostatus")
      const nodeHeaders = nodePut.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase())
      assert.includeMembers(nodeHeaders, ["content-type", "content-length"])
    }))

  it.live("the zip unpacks to info.json of the captured structure, the selfie and all 8 liveness frames", () =>
    Effect.gen(function*() {
      yield* register()
      const [put] = api.requests("PUT", "/attachments.zip")
      const entries = yield* ZipCodecFflate.make().unpack(put!.bytes)
      assert.deepStrictEqual(entries.map((entry) => entry.name), [
        "info.json",
        "selfie.jpg",
        ...Array.from({ length: 8 }, (_, i) => `liveness-0${i + 1}.jpg`)
      ])
      assert.deepStrictEqual(entries[1]!.bytes, jpeg(3_000, 1))
      assert.deepStrictEqual(entries[9]!.bytes, frames[7])

      const info = JSON.parse(new TextDecoder().decode(entries[0]!.bytes)) as Record<string, any>
      const node = extractedInfoJson("jt4_files_nostatus-1834a70acaef.zip") as Record<string, any>
      assert.deepStrictEqual(shapeOf(info), shapeOf(node))
      assert.deepStrictEqual(Object.keys(info), Object.keys(node))
      assert.deepStrictEqual(Object.keys(info["misc_information"]), Object.keys(node["misc_information"]))
      assert.deepStrictEqual(info["package_information"], node["package_information"])
      assert.deepStrictEqual(info["id_info"], node["id_info"])
      // server_information is the prep upload answer as received
      assert.deepStrictEqual(info["server_information"], {
        upload_url: uploadUrl,
        ref_id: "ref-42",
        smile_job_id: "0000000042",
        camera_config: "null",
        code: "2202"
      })
      const prep = api.requests("POST", "/upload")[0]!.json as Record<string, unknown>
      assert.strictEqual(info["misc_information"].timestamp, prep["timestamp"])
      assert.deepStrictEqual(info["misc_information"].partner_params, prep["partner_params"])
      assert.deepStrictEqual(info["images"], [
        { image_type_id: 0, image: "", file_name: "selfie.jpg" },
        ...Array.from({ length: 8 }, (_, i) => ({ image_type_id: 4, image: "", file_name: `liveness-0${i + 1}.jpg` }))
      ])

      // and our own server's reading of it finds one selfie and eight frames, all in the zip
      const decoded = Wire.InfoJson.decodeInfoJson(info)
      assert.isTrue(Either.isRight(decoded))
      const images = Wire.SelfieImages.resolveSelfieImages(Either.getOrThrow(decoded).images)
      assert.isTrue(Either.isRight(images))
      const resolved = Either.getOrThrow(images)
      assert.strictEqual(resolved.livenessFrames.length, 8)
      assert.deepStrictEqual(resolved.warnings, [])
    }))
})
