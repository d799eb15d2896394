/**
 * `POST /v1/job_status` once its body is read: the one handling both entries
 * run, the `HttpApi` handler (`Http.ts`) and the direct route in front of it
 * (`JobStatusRoute.ts`), so that the two cannot answer differently.
 *
 * 1. a body that did not decode is refused through `refuseUndecodable`
 *    (authenticated first: 2205, else its 2204/2213);
 * 2. the partner's account (2205 for an unknown partner), then
 *    `UseCases.JobStatus.jobStatus`: authentication, the job (started now if
 *    it is still `Uploaded`: accepted, never started, because the server
 *    stopped between the two; starting is idempotent), the signed answer with
 *    its image links and history as asked;
 * 3. a defect answers 2201, its cause logged.
 *
 * It makes no span of its own and is a chain of `flatMap`s rather than a
 * generator: it runs on every poll of every job.
 */
import { GeneralError, Signer, UseCases, Wire } from "@selfie-auth/core"
import type { Job, JobStore } from "@selfie-auth/core"
import { Context, Effect, Either } from "effect"
import { HttpSettings } from "../HttpSettings.js"
import { linksOf } from "../ImageLinks.js"
import { JobPipeline } from "../pipeline/JobPipeline.js"
import type { Partners } from "../Partners.js"
import { findAccount, orSystemError, refuseUndecodable } from "./V1Requests.js"

/** What answering needs. */
export type Services = Partners | HttpSettings | Signer | JobStore | JobPipeline

/** The spellings of the partner id in a job_status body, the preferred first. */
const partnerKeys = ["partner_id", "smile_client_id"] as const

/** The signed image links of a job, on the services of the request (asked for with `image_links: true` only). */
const imageLinksIn = (context: Context.Context<HttpSettings | Signer>) => (job: Job.Job) => {
  const settings = Context.get(context, HttpSettings)
  return linksOf({ secret: settings.linkSecret, baseUrl: settings.baseUrl, job }).pipe(Effect.provide(context))
}

/**
 * A job whose zip was accepted but whose processing was never started (the
 * server stopped between the two) is started when it is polled; starting is
 * idempotent, so a job already running is left alone.
 */
const startIn = (context: Context.Context<JobPipeline>) => (job: Job.Job) =>
  Context.get(context, JobPipeline).start({ partnerId: job.partnerId, smileJobId: job.smileJobId })

const answerRequest = (request: Wire.JobStatus.JobStatusRequest) =>
  Effect.flatMap(Effect.context<HttpSettings | Signer | JobPipeline>(), (context) =>
    Effect.flatMap(findAccount(request.partnerId), (account) =>
      UseCases.JobStatus.jobStatus({ account, request, imageLinks: imageLinksIn(context), whenUploaded: startIn(context) })))

/**
 * The answer to a job_status body: `payload` is the body decoded by
 * `Wire.JobStatus.decodeJobStatusRequest`, `body` gives the parsed JSON it
 * was decoded from (read only when it did not decode).
 */
export const answer = <R>(
  payload: Either.Either<Wire.JobStatus.JobStatusRequest, GeneralError.GeneralError>,
  body: Effect.Effect<unknown, never, R>
): Effect.Effect<Wire.JobStatus.JobStatusResponse, GeneralError.GeneralError, R | Services> => {
  const answered: Effect.Effect<Wire.JobStatus.JobStatusResponse, GeneralError.GeneralError, R | Services> = Either.isLeft(payload)
    ? Effect.flatMap(body, (json) => refuseUndecodable(payload.left, json, partnerKeys))
    : answerRequest(payload.right)
  return orSystemError(answered)
}

/**
 * A job_status answer as its wire JSON, as the schema `V1Api` answers with
 * writes it; a result object answered before (the same job polled again
 * unchanged) is not encoded again (`Wire.JobStatus.makeResponseEncoder`).
 */
export const encodeAnswer: (response: Wire.JobStatus.JobStatusResponse) => Wire.JobStatus.JobStatusResponseEncoded = Wire
  .JobStatus.makeResponseEncoder()
