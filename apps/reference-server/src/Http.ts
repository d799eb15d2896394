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
 * Every body a route reads into memory (the v1 JSON bodies, the admin API's
 * JSON, the console's forms) is read once, by `readBodies`, at most
 * `--max-json-bytes` of it (`v1/V1Requests.ts`, `readBody`): a longer one
 * answers 413 before the handler runs. The upload PUT streams its zip under
 * its own limit (`--max-upload-bytes`, `FileRoutes.ts`).
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
import { HttpApiBuilder, HttpApiSwagger, HttpServerError, HttpServerRequest, HttpServerResponse, UrlParams } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { V1Api } from "@selfie-auth/adapter-http"
import { GeneralError, UseCases } from "@selfie-auth/core"
import { Effect, Either, Layer, Stream } from "effect"
import { adminPathPrefix } from "./admin/AdminRoutes.js"
import { consolePathPrefix, formTooLarge } from "./console/ConsoleRoutes.js"
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

/** The parsed JSON of the request being handled (read and checked by {@link readBodies}). */
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

/** A body read by {@link readBodies}: its bytes, their text, and its JSON value when already parsed. */
interface ReadBody {
  readonly bytes: Buffer
  readonly text: string
  readonly json?: { readonly value: unknown }
}

/**
 * The request as the app sees it once its body is read (the Node stream
 * underneath has ended): the same request, whose `text`, `json`,
 * `urlParamsBody`, `arrayBuffer` and `stream` answer the body read, and fail
 * as the platform's do (a `RequestError`) when the body could not be read
 * (`undefined`) or does not parse. A request derived by `modify` keeps the
 * body.
 */
const withBody = (request: HttpServerRequest.HttpServerRequest, read: ReadBody | undefined): HttpServerRequest.HttpServerRequest => {
  const decodeError = (cause: unknown) => new HttpServerError.RequestError({ request, reason: "Decode", cause })
  const unread = () => decodeError(new Error("the request body could not be read"))
  const parse = <A>(decode: (text: string) => A) =>
    read === undefined ? Effect.fail(unread()) : Effect.try({ try: () => decode(read.text), catch: decodeError })
  const body: Record<PropertyKey, unknown> = {
    text: read === undefined ? Effect.fail(unread()) : Effect.succeed(read.text),
    json: read?.json !== undefined
      ? Effect.succeed(read.json.value)
      : parse((text): unknown => text === "" ? null : JSON.parse(text)),
    urlParamsBody: parse((text) => UrlParams.fromInput(new URLSearchParams(text))),
    arrayBuffer: read === undefined
      ? Effect.fail(unread())
      : Effect.sync(() => read.bytes.buffer.slice(read.bytes.byteOffset, read.bytes.byteOffset + read.bytes.byteLength)),
    stream: read === undefined ? Stream.fail(unread()) : Stream.succeed<Uint8Array>(read.bytes),
    modify: (options: Parameters<HttpServerRequest.HttpServerRequest["modify"]>[0]) => withBody(request.modify(options), read)
  }
  return new Proxy(request, {
    get: (target, key) => Object.hasOwn(body, key) ? body[key] : Reflect.get(target, key, target)
  })
}

/** The surfaces whose POST bodies {@link readBodies} reads, by path. */
type BodySurface = "v1" | "admin" | "console"

const bodySurfaceOf = (path: string): BodySurface | undefined => {
  if (path.startsWith(V1Api.v1Prefix + "/")) return "v1"
  if (path.startsWith(adminPathPrefix + "/")) return "admin"
  if (path.startsWith(consolePathPrefix + "/")) return "console"
  return undefined
}

/**
 * 413 for a body over `--max-json-bytes`, in the shape of the surface's other
 * body errors: the v1 error shape (2204) for the v1 and admin APIs, a problem
 * page for the console; each names the limit and the option. The connection
 * closes after it, so the rest of a refused body is never read.
 */
const tooLargeAnswer = (surface: BodySurface, path: string, maxBytes: number) => {
  const answer = surface === "console"
    ? formTooLarge(maxBytes)
    : HttpServerResponse.unsafeJson(GeneralError.toErrorBody(bodyTooLargeError(path, maxBytes)), { status: bodyTooLargeStatus })
  return HttpServerResponse.setHeader(answer, "connection", "close")
}

/**
 * Every POST body of the v1 API, the admin API (`/admin/v1/...`) and the
 * console (`/console/...`) is read here, once, at most `--max-json-bytes` of
 * it (`V1Requests.readBody`, as the direct route reads): a longer one answers
 * 413 in the surface's error shape, naming the limit ({@link tooLargeAnswer}),
 * before any handler runs. The app gets the request with the body read
 * ({@link withBody}), so no handler reads the socket again.
 *
 * A v1 body is also checked here: one not sent as JSON (another
 * Content-Type, or text that does not parse) answers 2204 saying so (the
 * HttpApi decoder would answer its own error body, which no SDK reads, or
 * decode a form body into a list of missing fields), and the handler gets it
 * parsed. The admin API and the console decode their bodies themselves and
 * answer what is wrong with them as before.
 */
function readBodies<E, R>(app: HttpApp.Default<E, R>) {
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "POST") return yield* app
    const path = request.url.split("?")[0] ?? request.url
    const surface = bodySurfaceOf(path)
    if (surface === undefined) return yield* app
    if (surface === "v1") {
      const refused = contentTypeError(path, request.headers["content-type"])
      if (refused !== undefined) return v1Error(refused)
    }
    const { maxJsonBytes } = yield* HttpSettings
    const read = yield* readRequestBody(request, maxJsonBytes)
    if (read._tag === "TooLarge") return tooLargeAnswer(surface, path, maxJsonBytes)
    if (read._tag === "Unreadable") {
      if (surface === "v1") return v1Error(invalidJsonError(path))
      return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, withBody(request, undefined))
    }
    const text = read.bytes.toString("utf8")
    if (surface !== "v1") {
      return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, withBody(request, { bytes: read.bytes, text }))
    }
    const parsed = parseJsonBody(path, text)
    if (Either.isLeft(parsed)) return v1Error(parsed.left)
    return yield* Effect.provideService(
      app,
      HttpServerRequest.HttpServerRequest,
      withBody(request, { bytes: read.bytes, text, json: { value: parsed.right } })
    )
  })
}

/**
 * The whole HTTP app as a layer to serve: V1Api's handlers, the upload and
 * image routes, OpenAPI at `/openapi.json` and Swagger UI at `/docs`, and the
 * direct route of `POST /v1/job_status` in front of them.
 */
export const layer = HttpApiBuilder.serve(readBodies).pipe(
  Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide(FileRoutes.layer),
  Layer.provide(HttpApiBuilder.api(V1Api.V1Api)),
  Layer.provide(V1Handlers),
  Layer.merge(JobStatusRoute.layer)
)
