/**
 * The partners' user administration API, signed like every v1 request:
 *
 * | route | what |
 * |---|---|
 * | `POST /admin/v1/users/disable` | authentication then answers 2207 |
 * | `POST /admin/v1/users/enable` | undoes `disable` |
 * | `POST /admin/v1/users/delete` | erases every image of the user; authentication answers 2208 |
 * | `POST /admin/v1/users/flag_re_enrollment` | authentication answers 2211 until the user registers again |
 * | `POST /admin/v1/users/clear_re_enrollment` | undoes the flag |
 * | `POST /admin/v1/users/jobs` | the user's state and jobs |
 *
 * Body (JSON): `{"partner_id", "user_id", "signature", "timestamp"}` with the
 * v1 signature (base64 HMAC-SHA256 of timestamp + partner id + "sid_request"
 * under the partner's API key). The body is read at most `--max-json-bytes`
 * of it, before anything else (`Http.ts`, `readBodies`): a longer one answers
 * 413 with 2204 naming the limit, and uses no signature. Then checked in
 * this order, before the body's other fields are read: the three signed
 * fields are present (2213), the partner is configured, the timestamp is
 * within {@link adminWindow} and the signature matches
 * (`authenticateRequest`, 2205), and the signature was not used before
 * (2205). Then `user_id` (2213/2204) and the action: a change that does not
 * apply to the user's state answers 409 with what would.
 *
 * Answers: `{"partner_id", "user_id", "state", "images_erased"}` for an
 * action; `{"partner_id", "user_id", "state", "jobs": [...]}` for `jobs`.
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { HttpRouter } from "@effect/platform"
import { authenticateRequest, BlobStore, GeneralError, Ids, Job, JobStore, Signer, UserStore } from "@selfie-auth/core"
import { Cause, Effect, Either, Layer, Option, Schema } from "effect"
import { Partners } from "../Partners.js"
import { adminWindow, ReplayGuard } from "./ReplayGuard.js"
import * as UserAdmin from "./UserAdmin.js"

/** The path prefix of the admin API. */
export const adminPathPrefix = "/admin/v1/users"

const v1Error = (error: GeneralError.GeneralError) =>
  HttpServerResponse.unsafeJson(GeneralError.toErrorBody(error), { status: GeneralError.infoOf(error).httpStatus })

const stringField = (body: unknown, key: string): string | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const value = (body as Record<string, unknown>)[key]
  return typeof value === "string" && value.length > 0 ? value : undefined
}

/** The job as the `jobs` answer lists it. */
const jobSummary = (job: Job.Job) => {
  const latest = Job.latestResult(job)
  return {
    smile_job_id: job.smileJobId,
    job_id: job.partnerParams.jobId,
    job_type: job.partnerParams.jobType,
    state: job.state,
    created_at: new Date(job.timeline.createdAt).toISOString(),
    result_code: latest?.resultCode ?? null,
    result_text: latest?.resultText ?? null,
    is_final: latest?.isFinal ?? false
  }
}

type Services = Partners | Signer | UserStore | JobStore | BlobStore | ReplayGuard

/** One admin request: authenticate, then run `action`. */
const handle = (action: string) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = yield* Effect.either(request.json)
    if (Either.isLeft(body) || typeof body.right !== "object" || body.right === null || Array.isArray(body.right)) {
      return v1Error(new GeneralError.WrongDataType({ detail: "the body must be a JSON object with partner_id, user_id, signature and timestamp" }))
    }
    const fields = body.right
    const partnerId = stringField(fields, "partner_id")
    const signature = stringField(fields, "signature")
    const timestamp = stringField(fields, "timestamp")
    const missing = [["partner_id", partnerId], ["signature", signature], ["timestamp", timestamp]]
      .filter(([, value]) => value === undefined)
      .map(([name]) => name)
    if (partnerId === undefined || signature === undefined || timestamp === undefined) {
      return v1Error(new GeneralError.MissingParameter({ detail: `${missing.join(", ")} missing; sign every admin request like a v1 request` }))
    }
    const partners = yield* Partners
    const partner = partners.find(partnerId)
    if (Option.isNone(partner)) {
      return v1Error(new GeneralError.NotAuthorized({ detail: `no partner ${JSON.stringify(partnerId)} is configured on this server` }))
    }
    const authenticated = yield* Effect.either(
      authenticateRequest({ partnerId, apiKey: partner.value.apiKey, signature, timestamp, window: adminWindow })
    )
    if (Either.isLeft(authenticated)) return v1Error(authenticated.left)
    const guard = yield* ReplayGuard
    if (!(yield* guard.firstUse(partnerId, signature))) {
      return v1Error(
        new GeneralError.NotAuthorized({ detail: "this signature was already used for an admin request; sign each admin request with a fresh timestamp" })
      )
    }

    const rawUserId = (fields as Record<string, unknown>)["user_id"]
    if (rawUserId === undefined || rawUserId === null || rawUserId === "") {
      return v1Error(new GeneralError.MissingParameter({ detail: "user_id is missing; name the user to act on" }))
    }
    const userId = Schema.decodeUnknownEither(Ids.UserId)(rawUserId)
    if (Either.isLeft(userId)) {
      return v1Error(new GeneralError.WrongDataType({ detail: "user_id must be a non-empty string of at most 255 characters" }))
    }
    const partnerKey = partner.value.partnerId
    if (action === "jobs") {
      const found = yield* UserAdmin.overview(partnerKey, userId.right)
      return HttpServerResponse.unsafeJson({
        partner_id: partnerKey,
        user_id: userId.right,
        state: found.state,
        jobs: found.jobs.map(jobSummary)
      })
    }
    const adminAction = Schema.decodeUnknownEither(UserAdmin.AdminAction)(action)
    if (Either.isLeft(adminAction)) {
      return HttpServerResponse.unsafeJson(
        { error: `unknown action ${JSON.stringify(action)}; use one of ${UserAdmin.AdminAction.literals.join(", ")} or jobs`, reason: "UnknownAction" },
        { status: 404 }
      )
    }
    const applied = yield* Effect.either(
      UserAdmin.apply({ partnerId: partnerKey, userId: userId.right, action: adminAction.right, actor: `partner:${partnerKey}` })
    )
    if (Either.isLeft(applied)) {
      return HttpServerResponse.unsafeJson({ error: applied.left.message, reason: "IllegalUserTransition", state: applied.left.from }, { status: 409 })
    }
    return HttpServerResponse.unsafeJson({
      partner_id: partnerKey,
      user_id: userId.right,
      state: applied.right.state,
      images_erased: applied.right.imagesErased
    })
  }).pipe(
    Effect.catchAllDefect((defect) =>
      Effect.zipRight(
        Effect.logError("admin request failed with a defect", Cause.die(defect)),
        Effect.succeed(v1Error(new GeneralError.SystemError({ detail: "the server failed while handling the request; retry later" })))
      ))
  )

/**
 * The admin routes, for the server's router (`HttpApiBuilder.Router`), in
 * the style of `Http.ts`'s upload route. Requires the stores, the partners,
 * a `Signer` and a {@link ReplayGuard}.
 */
export const routes: Layer.Layer<never, never, Services> = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const services = yield* Effect.context<Services>()
    yield* router.post(
      `${adminPathPrefix}/:action`,
      Effect.flatMap(HttpRouter.params, (params) => handle(params["action"] ?? "")).pipe(Effect.provide(services))
    )
  })
)
