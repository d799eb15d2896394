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
 * The v1 handlers authenticate before they reveal anything about a body:
 * a body that does not decode is first checked for a partner, a signature
 * and a timestamp that authenticate, and only then answered with what is
 * wrong with it (2204/2212/2213/2217); otherwise 2205 (`v1/V1Requests.ts`).
 *
 * `POST /v1/job_status` is also served by a direct route in front of this
 * app (`v1/JobStatusRoute.ts`, decision 0015); both run the same handling
 * (`v1/JobStatusEndpoint.ts`).
 */
import { HttpApiBuilder, HttpApiSwagger, HttpServerRequest } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { V1Api } from "@selfie-auth/adapter-http"
import { UseCases } from "@selfie-auth/core"
import { Effect, Either, Layer } from "effect"
import * as FileRoutes from "./FileRoutes.js"
import { HttpSettings } from "./HttpSettings.js"
import { v1Error } from "./Responses.js"
import * as JobStatusEndpoint from "./v1/JobStatusEndpoint.js"
import * as JobStatusRoute from "./v1/JobStatusRoute.js"
import { contentTypeError, findAccount, invalidJsonError, orSystemError, refuseUndecodable } from "./v1/V1Requests.js"

export { HttpSettings } from "./HttpSettings.js"

/** The parsed JSON of the request being handled (cached by the request; already checked by {@link refuseNonJsonBodies}). */
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

/**
 * A v1 body that is not sent as JSON (another Content-Type, or text that
 * does not parse) answers 2204 in the v1 error shape saying so (the HttpApi
 * decoder would answer its own error body, which no SDK reads, or decode a
 * form body into a list of missing fields). The parsed body is cached by the
 * request, so the handler does not read it again.
 */
function refuseNonJsonBodies<E, R>(app: HttpApp.Default<E, R>) {
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method === "POST" && request.url.startsWith(V1Api.v1Prefix + "/")) {
      const path = request.url.split("?")[0] ?? request.url
      const refused = contentTypeError(path, request.headers["content-type"])
      if (refused !== undefined) return v1Error(refused)
      const parsed = yield* Effect.either(request.json)
      if (Either.isLeft(parsed)) return v1Error(invalidJsonError(path))
    }
    return yield* app
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
