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
 * wrong with it (2204/2212/2213/2217); otherwise 2205.
 */
import { HttpApiBuilder, HttpApiSwagger, HttpServerRequest } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { V1Api } from "@selfie-auth/adapter-http"
import { GeneralError, JobStore, Signer, UseCases } from "@selfie-auth/core"
import type { Ids } from "@selfie-auth/core"
import { Cause, Effect, Either, Layer, Option } from "effect"
import * as FileRoutes from "./FileRoutes.js"
import { HttpSettings } from "./HttpSettings.js"
import { linksOf } from "./ImageLinks.js"
import { JobPipeline } from "./pipeline/JobPipeline.js"
import type { Partner } from "./Partners.js"
import { Partners } from "./Partners.js"
import { v1Error } from "./Responses.js"

export { HttpSettings } from "./HttpSettings.js"

const accountOf = (partner: Partner, environment: UseCases.PartnerAccount.Environment): UseCases.PartnerAccount.PartnerAccount => ({
  partnerId: partner.partnerId,
  apiKey: partner.apiKey,
  signatureWindow: partner.signatureWindow,
  products: partner.products,
  productionEnabled: partner.productionEnabled,
  environment,
  callbackPolicy: partner.callbackPolicy
})

/** The account of a configured partner, or 2205. */
const findAccount = Effect.fn("Http.findAccount")(function*(partnerId: string) {
  const partners = yield* Partners
  const settings = yield* HttpSettings
  const partner = partners.find(partnerId)
  if (Option.isNone(partner)) return yield* UseCases.PartnerAccount.unknownPartner(partnerId)
  return accountOf(partner.value, settings.environment)
})

const stringAt = (record: unknown, key: string): string | undefined => {
  if (typeof record !== "object" || record === null) return undefined
  const value = (record as Record<string, unknown>)[key]
  return typeof value === "string" && value.length > 0 ? value : undefined
}

/**
 * A body that failed to decode: authenticate what it carries, then answer
 * its decode error (2217 for another product's job type). Without a partner
 * id, signature and timestamp, the decode error itself names them as missing.
 */
const refuseUndecodable = Effect.fn("Http.refuseUndecodable")(function*(
  error: GeneralError.GeneralError,
  partnerKeys: ReadonlyArray<string>
) {
  const request = yield* HttpServerRequest.HttpServerRequest
  const body = yield* Effect.orElseSucceed(request.json, () => undefined)
  const partnerId = partnerKeys.map((key) => stringAt(body, key)).find((id) => id !== undefined)
  const signature = stringAt(body, "signature")
  const timestamp = stringAt(body, "timestamp")
  if (partnerId === undefined || signature === undefined || timestamp === undefined) return yield* Effect.fail(error)
  const account = yield* findAccount(partnerId)
  yield* UseCases.PartnerAccount.authenticate(account, { partnerId, signature, timestamp })
  const partnerParams = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["partner_params"] : undefined
  const rawJobType = typeof partnerParams === "object" && partnerParams !== null
    ? (partnerParams as Record<string, unknown>)["job_type"]
    : undefined
  return yield* Effect.fail(UseCases.PartnerAccount.refineJobTypeError(error, rawJobType))
})

/**
 * A defect (a bug, a store that is down) behind a v1 endpoint answers 2201 in
 * the v1 shape; the cause is logged, never sent.
 */
const orSystemError = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchAllDefect(effect, (defect) =>
    Effect.zipRight(
      Effect.logError("v1 request failed with a defect", Cause.die(defect)),
      Effect.fail(new GeneralError.SystemError({ detail: "the server failed while handling the request; retry later" }))
    ))

/**
 * A job whose zip was accepted but whose processing was never started (the
 * server stopped between the two) is started when it is polled; starting is
 * idempotent, so a job already running is left alone.
 */
const ensureStarted = Effect.fn("Http.ensureStarted")(function*(partnerId: Ids.PartnerId, jobId: Ids.JobId) {
  const jobs = yield* JobStore
  const job = yield* jobs.findByJobId(partnerId, jobId)
  if (Option.isSome(job) && job.value.state === "Uploaded") {
    const pipeline = yield* JobPipeline
    yield* pipeline.start({ partnerId, smileJobId: job.value.smileJobId })
  }
})

/** The v1 group of `V1Api`. */
export const V1Handlers = HttpApiBuilder.group(V1Api.V1Api, "v1", (handlers) =>
  handlers
    .handle("prepUpload", ({ payload }) =>
      Effect.gen(function*() {
        if (Either.isLeft(payload)) return yield* refuseUndecodable(payload.left, ["smile_client_id", "partner_id"])
        const request = payload.right
        const settings = yield* HttpSettings
        const account = yield* findAccount(request.partnerId)
        const prepared = yield* UseCases.PrepareUpload.prepareUpload({ account, request, uploadUrlTtl: settings.uploadUrlTtl })
        yield* Effect.annotateCurrentSpan({ partnerId: account.partnerId, smileJobId: prepared.job.smileJobId })
        return prepared.response
      }).pipe(orSystemError))
    .handle("jobStatus", ({ payload }) =>
      Effect.gen(function*() {
        if (Either.isLeft(payload)) return yield* refuseUndecodable(payload.left, ["partner_id", "smile_client_id"])
        const request = payload.right
        const settings = yield* HttpSettings
        const signer = yield* Signer
        const account = yield* findAccount(request.partnerId)
        const answer = yield* UseCases.JobStatus.jobStatus({
          account,
          request,
          imageLinks: (job) =>
            linksOf({ secret: settings.linkSecret, baseUrl: settings.baseUrl, job }).pipe(Effect.provideService(Signer, signer))
        })
        if (answer.result === UseCases.JobStatus.processing) yield* ensureStarted(account.partnerId, request.jobId)
        return answer
      }).pipe(orSystemError))
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
      const contentType = request.headers["content-type"] ?? ""
      if (!/^application\/json\s*(;|$)/i.test(contentType)) {
        return v1Error(
          new GeneralError.WrongDataType({
            detail: `the ${request.url.split("?")[0]} body must be sent as JSON with Content-Type: application/json ` +
              `(got ${contentType === "" ? "no Content-Type" : `Content-Type: ${contentType}`})`
          })
        )
      }
      const parsed = yield* Effect.either(request.json)
      if (Either.isLeft(parsed)) {
        return v1Error(
          new GeneralError.WrongDataType({
            detail: `the ${request.url.split("?")[0]} body is not valid JSON; send a JSON object with Content-Type: application/json`
          })
        )
      }
    }
    return yield* app
  })
}

/**
 * The whole HTTP app as a layer to serve: V1Api's handlers, the upload and
 * image routes, OpenAPI at `/openapi.json` and Swagger UI at `/docs`.
 */
export const layer = HttpApiBuilder.serve(refuseNonJsonBodies).pipe(
  Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide(FileRoutes.layer),
  Layer.provide(HttpApiBuilder.api(V1Api.V1Api)),
  Layer.provide(V1Handlers)
)
