/**
 * The partner's view of its callbacks, signed like every v1 request:
 *
 * | route | what |
 * |---|---|
 * | `POST /v1/deliveries` | every attempt to deliver a job's results, and where each delivery stands |
 * | `POST /v1/deliveries/replay` | sends the job's latest result again, as one more attempt of the same delivery |
 *
 * Body (JSON): `{"partner_id", "job_id", "signature", "timestamp"}` with the
 * v1 signature (base64 HMAC-SHA256 of timestamp + partner id + "sid_request"
 * under the partner's API key). Checked in this order, before `job_id` is
 * read: the body is a JSON object (2204), the three signed fields are present
 * (2213), the partner is configured (2205), `authenticateRequest` accepts the
 * timestamp and signature (2205). The list accepts the partner's own
 * signature window, as job_status does. A replay makes the server call out,
 * and a v1 signature does not cover the body, so a replay's signature must be
 * fresh (`adminWindow`: 5 minutes) and is accepted once (`ReplayGuard`).
 *
 * Refusals that are not v1 general errors answer `{"error", "reason"}`:
 * 404 `JobNotFound`; 409 `NoCallbackUrl` (the job was submitted without one),
 * `NoResult` (nothing to deliver yet) and `DeliveryInProgress` (the scheduled
 * attempts are still running: replay once they have ended).
 *
 * A replay re-sends the latest result under its delivery id (`webhook-id`),
 * signed now, so receivers that de-duplicate by id see the same delivery; it
 * is recorded as attempt n+1 with trigger `replay`. The answer is 200
 * whether or not the partner's endpoint accepted it: `delivered` and the
 * attempt say how it went. Every answer is signed (`timestamp`, `signature`)
 * as job_status answers are.
 *
 * Mount with `Layer.provide(DeliveryRoutes.layer)` next to the other routes
 * of `HttpApiBuilder.serve` (it brings its own replay guard); the server
 * provides the rest of {@link Services}.
 *
 * @example
 * // Server.ts, in the `app` composition, next to ReviewConsole.layer(...):
 * Layer.provide(DeliveryRoutes.layer)
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  authenticateRequest,
  CallbackSender,
  DeliveryLog,
  deliveryStateOf,
  GeneralError,
  Ids,
  Job,
  JobStore,
  Signer,
  signNow,
  UseCases
} from "@selfie-auth/core"
import type { Delivery, DeliveryAttemptRecord } from "@selfie-auth/core"
import { Cause, Effect, Either, Layer, Option, Schema } from "effect"
import { adminWindow, ReplayGuard } from "../admin/ReplayGuard.js"
import type { Partner } from "../Partners.js"
import { Partners } from "../Partners.js"
import { JobPipeline } from "../pipeline/JobPipeline.js"
import * as ResultDelivery from "./ResultDelivery.js"

/** The path of the list; the replay is `<deliveriesPath>/replay`. */
export const deliveriesPath = "/v1/deliveries"

/** What the routes run on. */
export type Services = Partners | Signer | JobStore | DeliveryLog | CallbackSender | JobPipeline | ReplayGuard

const v1Error = (error: GeneralError.GeneralError) =>
  HttpServerResponse.unsafeJson(GeneralError.toErrorBody(error), { status: GeneralError.infoOf(error).httpStatus })

const problem = (status: number, reason: string, error: string) => HttpServerResponse.unsafeJson({ error, reason }, { status })

/** A refusal, answered as is. */
class Refused {
  readonly _tag = "Refused"
  constructor(readonly response: HttpServerResponse.HttpServerResponse) {}
}
const refuse = (response: HttpServerResponse.HttpServerResponse) => Effect.fail(new Refused(response))

const stringField = (body: Record<string, unknown>, key: string): string | undefined => {
  const value = body[key]
  return typeof value === "string" && value.length > 0 ? value : undefined
}

const iso = (millis: number) => new Date(millis).toISOString()

/** An attempt on the wire (snake_case; absent status and error are `null`). */
const attemptJson = (attempt: DeliveryAttemptRecord) => ({
  delivery_id: attempt.deliveryId,
  attempt: attempt.attempt,
  trigger: attempt.trigger,
  url: attempt.url,
  attempted_at: iso(attempt.attemptedAt),
  latency_ms: attempt.latencyMillis,
  status: attempt.status ?? null,
  outcome: attempt.outcome,
  error: attempt.error ?? null
})

/** A delivery's summary on the wire. */
const deliveryJson = (delivery: Delivery) => {
  const last = delivery.attempts.at(-1)
  return {
    delivery_id: delivery.deliveryId,
    state: deliveryStateOf(delivery),
    attempts: delivery.attempts.length,
    last_attempt_at: last === undefined ? null : iso(last.attemptedAt),
    failure: delivery.failure === undefined
      ? null
      : {
        reason: delivery.failure.reason,
        detail: delivery.failure.detail,
        attempts: delivery.failure.attempts,
        failed_at: iso(delivery.failure.failedAt)
      }
  }
}

/**
 * Authenticates the request and finds its job: see the module comment for
 * the order. `fresh` asks for the replay's short, single-use window.
 */
const authenticatedJob = Effect.fn("DeliveryRoutes.authenticatedJob")(function*(options: { readonly fresh: boolean }) {
  const request = yield* HttpServerRequest.HttpServerRequest
  const parsed = yield* Effect.either(request.json)
  if (Either.isLeft(parsed) || typeof parsed.right !== "object" || parsed.right === null || Array.isArray(parsed.right)) {
    return yield* refuse(v1Error(new GeneralError.WrongDataType({
      detail: "the body must be a JSON object with partner_id, job_id, signature and timestamp"
    })))
  }
  const body = parsed.right as Record<string, unknown>
  const partnerId = stringField(body, "partner_id")
  const signature = stringField(body, "signature")
  const timestamp = stringField(body, "timestamp")
  if (partnerId === undefined || signature === undefined || timestamp === undefined) {
    const missing = (["partner_id", "signature", "timestamp"] as const).filter((name) => stringField(body, name) === undefined)
    return yield* refuse(v1Error(new GeneralError.MissingParameter({
      detail: `${missing.join(", ")} missing; sign the request like any v1 request`
    })))
  }
  const found = (yield* Partners).find(partnerId)
  if (Option.isNone(found)) return yield* refuse(v1Error(UseCases.PartnerAccount.unknownPartner(partnerId)))
  const partner = found.value
  const window = options.fresh ? adminWindow : partner.signatureWindow
  const authenticated = yield* Effect.either(authenticateRequest({ partnerId, apiKey: partner.apiKey, signature, timestamp, window }))
  if (Either.isLeft(authenticated)) return yield* refuse(v1Error(authenticated.left))
  if (options.fresh && !(yield* (yield* ReplayGuard).firstUse(partnerId, signature))) {
    return yield* refuse(v1Error(new GeneralError.NotAuthorized({
      detail: "this signature was already used; sign each replay with a fresh timestamp"
    })))
  }

  const rawJobId = body["job_id"]
  if (rawJobId === undefined || rawJobId === null || rawJobId === "") {
    return yield* refuse(v1Error(new GeneralError.MissingParameter({ detail: "job_id is missing; name the job (your partner_params.job_id)" })))
  }
  const jobId = Schema.decodeUnknownEither(Ids.JobId)(rawJobId)
  if (Either.isLeft(jobId)) {
    return yield* refuse(v1Error(new GeneralError.WrongDataType({ detail: "job_id must be a non-empty string of at most 255 characters" })))
  }
  const job = yield* (yield* JobStore).findByJobId(partner.partnerId, jobId.right)
  if (Option.isNone(job)) {
    return yield* refuse(problem(
      404,
      "JobNotFound",
      `partner ${JSON.stringify(partner.partnerId)} has no job_id ${JSON.stringify(jobId.right)}; use the job_id the job was submitted with`
    ))
  }
  return { partner, job: job.value }
})

/** The answer, signed now with the partner's key. */
const signedAnswer = (partner: Partner, answer: Record<string, unknown>) =>
  Effect.map(signNow({ partnerId: partner.partnerId, apiKey: partner.apiKey }), (signed) =>
    HttpServerResponse.unsafeJson({ ...answer, ...signed }))

const list = Effect.gen(function*() {
  const { partner, job } = yield* authenticatedJob({ fresh: false })
  const deliveries = yield* (yield* DeliveryLog).deliveriesOf(job.partnerId, job.smileJobId)
  return yield* signedAnswer(partner, {
    partner_id: partner.partnerId,
    job_id: job.partnerParams.jobId,
    smile_job_id: job.smileJobId,
    deliveries: deliveries.map(deliveryJson),
    attempts: deliveries.flatMap((delivery) => delivery.attempts).sort((a, b) => a.attemptedAt - b.attemptedAt).map(attemptJson)
  })
})

const replay = Effect.gen(function*() {
  const { partner, job } = yield* authenticatedJob({ fresh: true })
  const described = `job ${JSON.stringify(job.partnerParams.jobId)} (${job.smileJobId})`
  if (job.callbackUrl === undefined) {
    return yield* refuse(problem(
      409,
      "NoCallbackUrl",
      `${described} was submitted without a callback_url, so there is nothing to replay; poll POST /v1/job_status for its result`
    ))
  }
  const result = Job.latestResult(job)
  if (result === undefined) {
    return yield* refuse(problem(
      409,
      "NoResult",
      `${described} has no result yet (it is ${job.state}); its callback is sent when the result is ready`
    ))
  }
  const key = { partnerId: job.partnerId, smileJobId: job.smileJobId }
  const { deliveryId, delivery } = yield* ResultDelivery.latestDeliveryOf(job)
  if (delivery === undefined || deliveryStateOf(delivery) === "pending") {
    // Nothing recorded as ended: the pipeline may still be working through its schedule.
    const status = yield* (yield* JobPipeline).status(key)
    if (status._tag === "Running" || status._tag === "Waiting") {
      return yield* refuse(problem(
        409,
        "DeliveryInProgress",
        `the callback of ${described} is still being attempted on its schedule (${delivery?.attempts.length ?? 0} attempts so far); ` +
          "replay it once it has been delivered or has failed"
      ))
    }
  }
  const made = yield* ResultDelivery.send({ job, result, url: job.callbackUrl, deliveryId, apiKey: partner.apiKey })
  const recorded = yield* (yield* DeliveryLog).appendAttempt({ ...made.record, trigger: "replay" })
  return yield* signedAnswer(partner, {
    partner_id: partner.partnerId,
    job_id: job.partnerParams.jobId,
    smile_job_id: job.smileJobId,
    delivery_id: deliveryId,
    delivered: recorded.outcome === "delivered",
    attempt: attemptJson(recorded)
  })
})

/** Answers refusals as they are and defects as 2201 in the v1 shape (the cause is logged, never sent). */
const answered = (handler: Effect.Effect<HttpServerResponse.HttpServerResponse, Refused, Services | HttpServerRequest.HttpServerRequest>) =>
  handler.pipe(
    Effect.catchTag("Refused", (refused) => Effect.succeed(refused.response)),
    Effect.catchAllDefect((defect) =>
      Effect.zipRight(
        Effect.logError("deliveries request failed with a defect", Cause.die(defect)),
        Effect.succeed(v1Error(new GeneralError.SystemError({ detail: "the server failed while handling the request; retry later" })))
      ))
  )

/**
 * The routes, for the server's router (`HttpApiBuilder.Router`), in the
 * style of `Http.ts`'s upload route.
 */
export const routes: Layer.Layer<never, never, Services> = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    // Route handlers may only need the request's services: give them the server's own here.
    const services = yield* Effect.context<Services>()
    yield* router.post(deliveriesPath, answered(list).pipe(Effect.provide(services)))
    yield* router.post(`${deliveriesPath}/replay`, answered(replay).pipe(Effect.provide(services)))
  })
)

/**
 * {@link routes} with their own in-memory {@link ReplayGuard} (replay
 * signatures are remembered by this process for 6 minutes). Requires the
 * stores, `DeliveryLog`, `CallbackSender`, `JobPipeline`, `Partners` and a
 * `Signer`.
 */
export const layer: Layer.Layer<never, never, Exclude<Services, ReplayGuard>> = routes.pipe(Layer.provide(ReplayGuard.layerMemory))
