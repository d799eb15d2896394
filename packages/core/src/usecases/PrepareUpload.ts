/**
 * `POST /v1/upload` ("prep upload"): a partner announces a job and gets the
 * URL to PUT its zip to.
 *
 * Checks, in this order, each failing with its general error:
 * 1. the signature and timestamp (2205), before anything about the job is read;
 * 2. the partner's products and the deployment (2214, 2220), and the
 *    `callback_url` against the partner's callback policy (2204);
 * 3. the partner's `job_id` unused (2215): a repeated request is answered as
 *    the duplicate it is, before the user's state (which its first run may
 *    have changed) is looked at;
 * 4. the user's lifecycle against the job type (`User.admitJob`: type 4 2209,
 *    2207; type 2 2207, 2208, 2210, 2211, 2216);
 * 5. the job is inserted, where the `JobStore`'s own uniqueness check decides
 *    2215 once more, so two racing prep uploads cannot both pass.
 * The stored job is `Created`, and an upload URL is issued for it.
 *
 * The answer's `code` is `"2202"`, the hosted API's code for an accepted prep
 * upload; `camera_config` is null (it configures Smile ID's mobile cameras).
 */
import { Clock, type Duration, Effect, Either, Option } from "effect"
import * as Ids from "../Ids.js"
import * as Job from "../Job.js"
import { IdGenerator } from "../ports/IdGenerator.js"
import { JobStore } from "../ports/JobStore.js"
import { UploadTarget } from "../ports/UploadTarget.js"
import { UserStore } from "../ports/UserStore.js"
import * as User from "../User.js"
import type { PrepUploadRequest, PrepUploadResponse } from "../wire/PrepUpload.js"
import type { PartnerAccount } from "./PartnerAccount.js"
import { authenticate, callbackUrlProblem, checkJobAllowed } from "./PartnerAccount.js"
import * as GeneralError from "../GeneralError.js"

/** `code` of an accepted prep upload. */
export const prepUploadAccepted = "2202"

/** How many times a colliding Smile job id is drawn again before giving up (a defect: the id space is 10^10). */
const smileJobIdAttempts = 5

export interface PrepareUploadInput {
  readonly account: PartnerAccount
  readonly request: PrepUploadRequest
  /** How long the upload URL works. */
  readonly uploadUrlTtl: Duration.DurationInput
}

/**
 * Prepares a job; see the module comment for the checks. Answers the prep
 * upload response and the stored job.
 */
export const prepareUpload = Effect.fn("UseCases.prepareUpload")(function*(input: PrepareUploadInput) {
  const { account, request } = input
  yield* authenticate(account, request)

  const { jobType, userId } = request.partnerParams
  const refused = checkJobAllowed(account, jobType)
  if (refused !== undefined) return yield* refused
  if (Option.isSome(request.callbackUrl)) {
    const problem = callbackUrlProblem(request.callbackUrl.value, account.callbackPolicy)
    if (problem !== undefined) return yield* new GeneralError.WrongDataType({ detail: `callback_url ${problem}` })
  }

  const jobs = yield* JobStore
  const previous = yield* jobs.findByJobId(account.partnerId, request.partnerParams.jobId)
  if (Option.isSome(previous)) {
    return yield* new GeneralError.JobAlreadyExists({
      detail: `partner ${JSON.stringify(account.partnerId)} already used job_id ${JSON.stringify(request.partnerParams.jobId)} ` +
        `(Smile job ${previous.value.smileJobId}); send a job_id you have not used before`
    })
  }

  const users = yield* UserStore
  const user = Option.getOrElse(yield* users.find(account.partnerId, userId), () =>
    User.make({ partnerId: account.partnerId, userId, at: 0 }))
  const notAdmitted = User.admitJob(user, jobType)
  if (notAdmitted !== undefined) return yield* notAdmitted

  const job = yield* insertJob(account.partnerId, request)
  const target = yield* UploadTarget
  const ticket = yield* target.issue({ partnerId: account.partnerId, smileJobId: job.smileJobId, expiresIn: input.uploadUrlTtl })
  const ids = yield* IdGenerator
  const response: PrepUploadResponse = {
    uploadUrl: ticket.url,
    smileJobId: job.smileJobId,
    refId: yield* ids.refId,
    code: prepUploadAccepted,
    cameraConfig: null
  }
  return { response, job }
})

/** Stores the new job under a fresh Smile job id, drawing again on the rare collision. */
const insertJob = Effect.fn("UseCases.prepareUpload.insertJob")(function*(partnerId: Ids.PartnerId, request: PrepUploadRequest) {
  const ids = yield* IdGenerator
  const jobs = yield* JobStore
  const at = yield* Clock.currentTimeMillis
  for (let attempt = 1; ; attempt++) {
    const job = Job.make({
      partnerId,
      smileJobId: yield* ids.smileJobId,
      partnerParams: request.partnerParams,
      callbackUrl: Option.getOrUndefined(request.callbackUrl),
      at
    })
    const inserted = yield* Effect.either(jobs.insert(job))
    if (Either.isRight(inserted)) return inserted.right
    if (inserted.left._tag === "JobAlreadyExists") return yield* inserted.left
    if (attempt >= smileJobIdAttempts) {
      return yield* Effect.die(new Error(`${smileJobIdAttempts} Smile job ids in a row were taken; is the IdGenerator random?`))
    }
  }
})
