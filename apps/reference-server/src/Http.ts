/**
 * The HTTP surface of the reference server (the v1 handlers here, the file
 * routes in `FileRoutes.ts`):
 *
 * | route | what |
 * |---|---|
 * | `POST /v1/upload` | prep upload (`V1Api`, `UseCases.PrepareUpload`) |
 * | `POST /v1/job_status` | job status, signed (`V1Api`, `UseCases.JobStatus`) |
 * | `PUT /uploads/<partner>/<job>/attachments.zip?...` | the zip, at a signed upload URL (`UseCases.AcceptUpload`) |
 * | `GET /images/<partner>/<job>/selfie_image?...` | an expiring image link of job_status |
 * | `GET /openapi.json`, `GET /docs` | the OpenAPI document of `V1Api` and Swagger UI |
 * | `GET /health` | `ok` while the server serves |
 *
 * Every v1 JSON body is read once, by `refuseNonJsonBodies`, at most
 * `--max-json-bytes` of it (`v1/V1Requests.ts`, `readBody`): a longer one
 * answers 413 before the handler runs.
 *
 * The v1 handlers authenticate before they reveal anything about a body:
 * a body that does not decode is first checked for a partner, a signature
 * and a timestamp that authenticate, and only then answered with what is
 * wrong with it (2204/2212/2213/2217); otherwise 2205 (`v1/V1Requests.ts`).
 *
 * `POST /v1/job_status` is also served by a direct route in front of this
 * app (`v1/JobStatusRoute.ts`, decision 0015); both run the same handling
 * (`v1/JobStatusEndpoint.ts`).
 */
import { HttpApiBuilder, HttpApiSwagger, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { V1Api } from "@selfie-auth/adapter-http"
import { GeneralError, UseCases } from "@selfie-auth/core"
import { Effect, Either, Layer, Stream } from "effect"
import * as FileRoutes from "./FileRoutes.js"
import { HttpSettings } from "./HttpSettings.js"
import { v1Error } from "./Responses.js"
import * as JobStatusEndpoint from "./v1/JobStatusEndpoint.js"
import * as JobStatusRoute from "./v1/JobStatusRoute.js"
import {
  bodyTooLargeError,
  bodyTooLargeStatus,
  contentTypeError,
  findAccount,
  invalidJsonError,
  orSystemError,
  parseJsonBody,
  readBody,
  refuseUndecodable
} from "./v1/V1Requests.js"
import type { BodyRead } from "./v1/V1Requests.js"

export { HttpSettings } from "./HttpSettings.js"

/** The parsed JSON of the request being handled (read and checked by {@link refuseNonJsonBodies}). */
const requestJson = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => Effect.orElseSucceed(request.json, () => undefined))

/** The v1 group of `V1Api`. */
export const V1Handlers = HttpApiBuilder.group(V1Api.V1Api, "v1", (handlers) =>
  handlers
    .handle("prepUpload", ({ payload }) =>
      Effect.gen(function*() {
        if (Either.isLeft(payload)) {
          return yield* Effect.flatMap(requestJson, (body) => refuseUndecodable(payload.left, body, ["smile_client_id", "partner_id"]))
        }
        const request = payload.right
        const settings = yield* HttpSettings
        const account = yield* findAccount(request.partnerId)
        const prepared = yield* UseCases.PrepareUpload.prepareUpload({ account, request, uploadUrlTtl: settings.uploadUrlTtl })
        yield* Effect.annotateCurrentSpan({ partnerId: account.partnerId, smileJobId: prepared.job.smileJobId })
        return prepared.response
      }).pipe(orSystemError))
    .handle("jobStatus", ({ payload }) => JobStatusEndpoint.answer(payload, requestJson))
)

/** Reads the body of a request the app serves, as the direct routes read theirs. */
const readRequestBody = (request: HttpServerRequest.HttpServerRequest, maxBytes: number) =>
  Effect.async<BodyRead>((resume) => readBody(NodeHttpServerRequest.toIncomingMessage(request), maxBytes, (read) => resume(Effect.succeed(read))))

/**
 * The request as the app sees it once its body is read: the same request,
 * whose `text`, `json`, `arrayBuffer` and `stream` answer the body read
 * (the Node stream underneath has ended).
 */
const withBody = (request: HttpServerRequest.HttpServerRequest, bytes: Buffer, text: string, json: unknown) => {
  const body: Record<PropertyKey, unknown> = {
    text: Effect.succeed(text),
    json: Effect.succeed(json),
    arrayBuffer: Effect.sync(() => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    stream: Stream.succeed<Uint8Array>(bytes)
  }
  return new Proxy(request, {
    get: (target, key) => Object.hasOwn(body, key) ? body[key] : Reflect.get(target, key, target)
  })
}

/**
 * Every v1 body is read here, once, at most `--max-json-bytes` of it: a
 * longer one answers 413 with 2204 in the v1 error shape, naming the limit
 * (`V1Requests.readBody`, as the direct route reads). A body that is not sent
 * as JSON (another Content-Type, or text that does not parse) answers 2204
 * saying so (the HttpApi decoder would answer its own error body, which no
 * SDK reads, or decode a form body into a list of missing fields). The app
 * gets the request with the body read and parsed, so the handler does not
 * read it again.
 */
function refuseNonJsonBodies<E, R>(app: HttpApp.Default<E, R>) {
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST" || !request.url.startsWith(V1Api.v1Prefix + "/")) return yield* app
    const path = request.url.split("?")[0] ?? request.url
    const refused = contentTypeError(path, request.headers["content-type"])
    if (refused !== undefined) return v1Error(refused)
    const { maxJsonBytes } = yield* HttpSettings
    const read = yield* readRequestBody(request, maxJsonBytes)
    if (read._tag === "TooLarge") {
      return HttpServerResponse.unsafeJson(GeneralError.toErrorBody(bodyTooLargeError(path, maxJsonBytes)), { status: bodyTooLargeStatus })
        .pipe(HttpServerResponse.setHeader("connection", "close"))
    }
    if (read._tag === "Unreadable") return v1Error(invalidJsonError(path))
    const text = read.bytes.toString("utf8")
    const parsed = parseJsonBody(path, text)
    if (Either.isLeft(parsed)) return v1Error(parsed.left)
    return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, withBody(request, read.bytes, text, parsed.right))
  })
}

/**
 * The whole HTTP app as a layer to serve: V1Api's handlers, the upload and
 * image routes, OpenAPI at `/openapi.json` and Swagger UI at `/docs`, and the
 * direct route of `POST /v1/job_status` in front of them.
 */
export const layer = HttpApiBuilder.serve(refuseNonJsonBodies).pipe(
  Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide(FileRoutes.layer),
  Layer.provide(HttpApiBuilder.api(V1Api.V1Api)),
  Layer.provide(V1Handlers),
  Layer.merge(JobStatusRoute.layer)
)
