/**
 * `POST /v1/job_status`: the partner polls a job by its own `user_id` and
 * `job_id`, and gets the result so far, signed by the server.
 *
 * The answer (WIRE.md, "POST /job_status"):
 * | job | `job_complete` | `job_success` | `code` | `result` |
 * |---|---|---|---|---|
 * | no zip yet (`Created`) | false | false | `"2314"` (No Zip File Received) | `"No zip uploaded"` |
 * | zip received, no result yet | false | false | `"2302"` | `"Processing"` |
 * | provisional machine result (`UnderReview`) | false | false | `"2302"` | the result object |
 * | final result (`Completed`) | true | true when approved | `"2302"` | the result object |
 * | failed (`Failed`, `0001`) | true | false | `"2302"` | the result object |
 *
 * `result` is the same object the callback carries ({@link toResultObject});
 * `history` lists every result, oldest first; `image_links` comes from the
 * caller's `imageLinks` (the server signs expiring URLs). The answer is
 * signed like a request: the server's timestamp + partner id +
 * `"sid_request"`, under the partner's key.
 *
 * A job the partner does not have, or one that belongs to another user_id,
 * answers 2205 without saying which: a caller never learns whether another
 * user's job exists.
 */
import { Effect, Option } from "effect"
import * as Actions from "../Actions.js"
import * as Decision from "../Decision.js"
import * as GeneralError from "../GeneralError.js"
import * as Job from "../Job.js"
import { JobStore } from "../ports/JobStore.js"
import { signNow } from "../ports/Signer.js"
import * as ResultCode from "../ResultCode.js"
import type { JobStatusRequest, JobStatusResponse } from "../wire/JobStatus.js"
import { NoZipUploaded } from "../wire/JobStatus.js"
import type { ResultObject } from "../wire/ResultObject.js"
import type { PartnerAccount } from "./PartnerAccount.js"
import { authenticate } from "./PartnerAccount.js"

/** `ResultType` of SmartSelfie results, as the hosted API sends it. */
export const resultType = "SAIA"
/** `JSONVersion` of the result object. */
export const jsonVersion = "1.0.0"
/** `Source` of results of jobs submitted through the v1 API. */
export const resultSource = "WebAPI"

/** `code` of a job_status answer once the zip has arrived. */
export const jobStatusReported = "2302"
/** `code` of a job_status answer before the zip has arrived ("No Zip File Received"). */
export const noZipReceived = "2314"
/** `result` while the zip is being processed and no result exists yet. */
export const processing = "Processing"

/**
 * The result object of one of a job's results: the body of a callback
 * (before `signature` and `timestamp`) and the `result` of job_status.
 */
export const toResultObject = (job: Job.Job, result: Job.JobResult): ResultObject => ({
  Actions: Actions.toWire(result.actions, job.partnerParams.jobType),
  ConfidenceValue: Decision.formatConfidence(result.confidence),
  PartnerParams: job.partnerParams,
  ResultCode: result.resultCode,
  ResultText: result.resultText,
  ResultType: resultType,
  SmileJobID: job.smileJobId,
  Source: resultSource,
  JSONVersion: jsonVersion,
  IsFinalResult: Decision.formatBoolean(result.isFinal),
  IsMachineResult: Decision.formatBoolean(result.isMachineResult)
})

/**
 * The result objects made so far, by the result they were made of, while
 * that result lives: a job polled again unchanged (the same `Job` object,
 * which a store may keep while the job's row is unchanged) answers the same
 * result objects, which the server's answer encoder then encodes once.
 */
const madeOf = new WeakMap<Job.JobResult, { readonly job: Job.Job; readonly object: ResultObject }>()

/** {@link toResultObject}, made once per job and result objects. */
const resultObjectOf = (job: Job.Job, result: Job.JobResult): ResultObject => {
  const made = madeOf.get(result)
  if (made !== undefined && made.job === job) return made.object
  const object = toResultObject(job, result)
  madeOf.set(result, { job, object })
  return object
}

/** Whether a job's final result approves it (`job_success`). */
const succeeded = (job: Job.Job, latest: Job.JobResult | undefined): boolean =>
  job.state === "Completed" && latest !== undefined &&
  ResultCode.rowOf(latest.resultCode, latest.resultText).category === "approved"

export interface JobStatusInput {
  readonly account: PartnerAccount
  readonly request: JobStatusRequest
  /**
   * Expiring links to the job's images (e.g. `{ selfie_image: "https://..." }`),
   * asked for only when the request sets `image_links`.
   */
  readonly imageLinks: (job: Job.Job) => Effect.Effect<Readonly<Record<string, string>>>
  /**
   * Called with the job found when its zip arrived but its processing has
   * not begun (state `Uploaded`), before the answer is made: a server that
   * stopped between the two starts it here. It must be idempotent, since
   * every poll of such a job calls it.
   */
  readonly whenUploaded?: ((job: Job.Job) => Effect.Effect<void>) | undefined
}

/**
 * Answers a job_status request: authenticates it (2205), finds the partner's
 * job for that user (2205 when there is none), and signs the answer.
 *
 * Untraced (no span): the SDKs poll every job every few seconds, and a span
 * per poll costs more than the rest of the answer.
 */
export const jobStatus = Effect.fnUntraced(function*(input: JobStatusInput) {
  const { account, request } = input
  yield* authenticate(account, request)
  const jobs = yield* JobStore
  const found = yield* jobs.findByJobId(account.partnerId, request.jobId)
  const job = Option.filter(found, (candidate) => candidate.partnerParams.userId === request.userId)
  if (Option.isNone(job)) {
    return yield* new GeneralError.NotAuthorized({
      detail: `partner ${JSON.stringify(account.partnerId)} has no job_id ${JSON.stringify(request.jobId)} ` +
        `for user_id ${JSON.stringify(request.userId)}; poll with the user_id and job_id the job was submitted with`
    })
  }
  if (job.value.state === "Uploaded" && input.whenUploaded !== undefined) yield* input.whenUploaded(job.value)
  return yield* answerFor(job.value, input)
})

const answerFor = Effect.fnUntraced(function*(job: Job.Job, input: JobStatusInput) {
  const latest = Job.latestResult(job)
  const signed = yield* signNow({ partnerId: input.account.partnerId, apiKey: input.account.apiKey })
  const links = input.request.imageLinks ? Option.some(yield* input.imageLinks(job)) : Option.none()
  const response: JobStatusResponse = {
    timestamp: signed.timestamp,
    signature: signed.signature,
    jobComplete: Job.isTerminal(job),
    jobSuccess: succeeded(job, latest),
    code: job.state === "Created" ? noZipReceived : jobStatusReported,
    result: latest !== undefined ? resultObjectOf(job, latest) : job.state === "Created" ? NoZipUploaded : processing,
    history: input.request.history ? Option.some(job.results.map((result) => resultObjectOf(job, result))) : Option.none(),
    imageLinks: links
  }
  return response
})
