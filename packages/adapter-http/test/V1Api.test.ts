import { HttpApiBuilder, HttpApiClient, HttpClient, HttpClientResponse, HttpServer, OpenApi } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { GeneralError, Wire } from "@selfie-auth/core"
import { V1Api } from "@selfie-auth/adapter-http"
import { Effect, Either, Layer } from "effect"

/** A minimal server over the contract: answers a fixed job, or the general error the test asks for by user id. */
const V1Live = HttpApiBuilder.group(V1Api.V1Api, "v1", (handlers) =>
  handlers
    .handle("prepUpload", ({ payload }) =>
      Effect.gen(function*() {
        const request = yield* payload
        if (request.partnerParams.userId === "taken") {
          return yield* new GeneralError.JobAlreadyExists({ detail: `job_id ${request.partnerParams.jobId} was used` })
        }
        return {
          uploadUrl: "https://uploads.example/zip?sig=1",
          smileJobId: "0000000042",
          refId: "ref-1",
          code: "2202",
          cameraConfig: null
        } as Wire.PrepUpload.PrepUploadResponse
      })
    )
    .handle("jobStatus", ({ payload }) =>
      Effect.gen(function*() {
        const request = yield* payload
        return yield* new GeneralError.NoEnrolledUser({ detail: `user ${request.userId} is not enrolled` })
      })
    )
)

const webHandler = () =>
  HttpApiBuilder.toWebHandler(
    Layer.mergeAll(HttpApiBuilder.api(V1Api.V1Api).pipe(Layer.provide(V1Live)), HttpServer.layerContext)
  )

const post = (handler: (request: Request) => Promise<Response>, path: string, body: unknown) =>
  handler(new Request(`http://server${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }))

const validPrepUpload = {
  callback_url: "",
  file_name: "selfie.zip",
  model_parameters: {},
  partner_params: { user_id: "user-1", job_id: "job-1", job_type: 4 },
  smile_client_id: "001",
  use_enrolled_image: false,
  signature: "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8=",
  timestamp: "2024-01-02T03:04:05.678Z",
  source_sdk: "rest_api",
  source_sdk_version: "0.1.0"
}

describe("V1Api", () => {
  it("documents both endpoints with the wire structs and the error bodies", () => {
    const spec = OpenApi.fromApi(V1Api.V1Api)
    assert.deepStrictEqual(Object.keys(spec.paths).sort(), ["/v1/job_status", "/v1/upload"])
    const upload = spec.paths["/v1/upload"]?.post
    const text = JSON.stringify(spec)
    assert.include(text, "partner_params")
    assert.include(text, "smile_client_id")
    assert.include(text, "job_complete")
    assert.deepStrictEqual(Object.keys(upload?.responses ?? {}).sort(), ["200", "400", "401", "403", "404", "409", "500"])
  })

  it("answers a body that fails core's decoder with its v1 code, not HttpApiDecodeError", async () => {
    const { dispose, handler } = webHandler()
    try {
      const missing = await post(handler, "/v1/upload", { ...validPrepUpload, partner_params: { job_id: "j", job_type: 4 } })
      assert.strictEqual(missing.status, 400)
      const body = await missing.json() as { code: string; error: string }
      assert.deepStrictEqual(Object.keys(body), ["code", "error"])
      assert.strictEqual(body.code, "2213")
      assert.include(body.error, "partner_params.user_id is required")

      const badType = await post(handler, "/v1/upload", { ...validPrepUpload, partner_params: { user_id: "u", job_id: "j", job_type: 1 } })
      assert.strictEqual((await badType.json() as { code: string }).code, "2212")
    } finally {
      await dispose()
    }
  })

  it("answers a handler's general error with the table's status and body", async () => {
    const { dispose, handler } = webHandler()
    try {
      const taken = await post(handler, "/v1/upload", { ...validPrepUpload, partner_params: { user_id: "taken", job_id: "j-9", job_type: 2 } })
      assert.strictEqual(taken.status, 400)
      assert.deepStrictEqual(await taken.json(), { code: "2215", error: "Error - Job already exists for job_id: job_id j-9 was used" })
      const status = await post(handler, "/v1/job_status", { user_id: "ghost", job_id: "j", partner_id: "001", signature: "x", timestamp: "t" })
      assert.strictEqual(status.status, 404)
      assert.strictEqual((await status.json() as { code: string }).code, "2210")
      const ok = await post(handler, "/v1/upload", validPrepUpload)
      assert.strictEqual(ok.status, 200)
      assert.deepStrictEqual(await ok.json(), {
        upload_url: "https://uploads.example/zip?sig=1",
        smile_job_id: "0000000042",
        ref_id: "ref-1",
        code: "2202",
        camera_config: null
      })
    } finally {
      await dispose()
    }
  })

  it.effect("derives a client that encodes the wire body and decodes success and error bodies", () =>
    Effect.gen(function*() {
      const { dispose, handler } = webHandler()
      const httpClient = HttpClient.make((request) =>
        Effect.promise(async () => {
          const body = request.body._tag === "Uint8Array" ? request.body.body : undefined
          const response = await handler(new Request(request.url, { method: request.method, headers: request.headers, body: body === undefined ? null : Uint8Array.from(body) }))
          return HttpClientResponse.fromWeb(request, response)
        })
      )
      const client = yield* HttpApiClient.makeWith(V1Api.V1Api, { httpClient, baseUrl: "http://server" })
      const request = Either.getOrThrow(Wire.PrepUpload.decodePrepUploadRequest(validPrepUpload))
      const answer = yield* client.v1.prepUpload({ payload: V1Api.outgoing(request) })
      assert.strictEqual(answer.smileJobId, "0000000042")
      const taken = { ...request, partnerParams: { ...request.partnerParams, userId: "taken" as typeof request.partnerParams.userId } }
      const error = yield* Effect.flip(client.v1.prepUpload({ payload: V1Api.outgoing(taken) }))
      assert.instanceOf(error, GeneralError.JobAlreadyExists)
      assert.strictEqual((error as GeneralError.JobAlreadyExists).detail, "job_id job-1 was used")
      yield* Effect.promise(() => dispose())
    })
  )
})

describe("runtimes", () => {
  it("only the /node entry imports node: modules", async () => {
    const fs = await import("node:fs")
    const path = await import("node:path")
    const src = path.join(import.meta.dirname, "..", "src")
    const offenders = fs
      .readdirSync(src)
      .filter((file) => file.endsWith(".ts") && !["node.ts", "ImageFilesNode.ts"].includes(file))
      .filter((file) => /from\s+"node:|import\("node:/.test(fs.readFileSync(path.join(src, file), "utf8")))
    assert.deepStrictEqual(offenders, [])
  })
})
