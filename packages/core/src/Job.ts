/**
 * The lifecycle of one SmartSelfie job, as a pure state machine.
 *
 * ```
 *  Created --UploadAccepted--> Uploaded --ProcessingStarted--> Processing --MachineDecided--+--> Completed   (final machine result)
 *                                 |                               |                          +--> UnderReview (provisional) --HumanReviewed--> Completed
 *                                 +----------Failed---------------+--> Failed (0001)         +--> Failed      (a 0001 decision)
 * ```
 *
 * - `Created`: the prep upload was accepted and an upload URL issued.
 * - `Uploaded`: the zip arrived. A second upload is an
 *   {@link IllegalJobTransition}: the first accepted zip is the job.
 * - `Processing`: the pipeline is analysing the zip.
 * - `UnderReview`: the machine's result is provisional; a human decides.
 * - `Completed`: a final result (the machine's, or the reviewer's).
 * - `Failed`: the job could not be processed (`0001`: invalid data, an
 *   unreadable zip, a system error). Final.
 *
 * Exactly once: a machine decision is accepted only from `Processing`, a
 * human decision only from `UnderReview`, so a second machine decision is
 * refused by the machine itself; the `JobStore`'s version check refuses the
 * race of two writers that both read `Processing`.
 *
 * Results are kept as {@link JobResult}s in `results`, oldest first: the
 * machine's, then the reviewer's. A `Decision` from `Decision.ts` is a result
 * (see {@link resultOf}); the event checks that it belongs to the job's type
 * and to the step (a machine result from the machine, a final 12xx from a
 * reviewer) against the `ResultCode` table.
 */
import { Either, Schema } from "effect"
import * as Actions from "./Actions.js"
import type { Decision } from "./Decision.js"
import * as Ids from "./Ids.js"
import * as JobType from "./JobType.js"
import * as ResultCode from "./ResultCode.js"
import { EpochMillis } from "./User.js"
import { PartnerParams } from "./wire/PartnerParams.js"

export const JobStateName = Schema.Literal("Created", "Uploaded", "Processing", "UnderReview", "Completed", "Failed")
export type JobStateName = typeof JobStateName.Type

/**
 * One result of a job, in the shape of a `Decision` (field for field) plus
 * when it was reached. `resultText` tells apart the three texts of `0001`.
 */
export const JobResult = Schema.Struct({
  resultCode: ResultCode.JobResultCode,
  resultText: Schema.String,
  actions: Actions.Actions,
  /** 0..100 */
  confidence: Schema.Number.pipe(Schema.between(0, 100)),
  isFinal: Schema.Boolean,
  isMachineResult: Schema.Boolean,
  /** Why this result, for logs and the review console. */
  explanation: Schema.String,
  decidedAt: EpochMillis
}).annotations({ identifier: "JobResult" })
export type JobResult = typeof JobResult.Type

/** The decision a stored result was made from: a stored result is a decision plus when it was reached. */
export const decisionOf = (result: JobResult): Decision => ({
  resultCode: result.resultCode,
  resultText: result.resultText,
  actions: result.actions,
  confidence: result.confidence,
  isFinal: result.isFinal,
  isMachineResult: result.isMachineResult,
  explanation: result.explanation
})

/** When each step happened (absent until it has). */
export const Timeline = Schema.Struct({
  createdAt: EpochMillis,
  uploadedAt: Schema.optionalWith(EpochMillis, { exact: true }),
  processingStartedAt: Schema.optionalWith(EpochMillis, { exact: true }),
  machineDecidedAt: Schema.optionalWith(EpochMillis, { exact: true }),
  reviewedAt: Schema.optionalWith(EpochMillis, { exact: true }),
  failedAt: Schema.optionalWith(EpochMillis, { exact: true })
})
export type Timeline = typeof Timeline.Type

/**
 * A job as stored. The partner's `user_id`, `job_id` and `job_type` live in
 * `partnerParams` only (with the extra keys to echo back), so what is
 * echoed can never disagree with what the job is. `version` is the
 * `JobStore`'s compare-and-set counter; transitions never change it.
 */
export const Job = Schema.Struct({
  partnerId: Ids.PartnerId,
  smileJobId: Ids.SmileJobId,
  partnerParams: PartnerParams,
  /** Where results are POSTed; absent when the partner sent none (`null`, `""` or missing). */
  callbackUrl: Schema.optionalWith(Schema.String, { exact: true }),
  state: JobStateName,
  timeline: Timeline,
  /** Oldest first: the machine's result, then a reviewer's. */
  results: Schema.Array(JobResult),
  /** Why a human must decide; present from `UnderReview` on. */
  reviewReason: Schema.optionalWith(Schema.String, { exact: true }),
  version: Schema.Int.pipe(Schema.nonNegative())
}).annotations({ identifier: "Job" })
export type Job = typeof Job.Type

/** A job just created by an accepted prep upload. */
export const make = (input: {
  readonly partnerId: Ids.PartnerId
  readonly smileJobId: Ids.SmileJobId
  readonly partnerParams: PartnerParams
  readonly callbackUrl?: string | undefined
  readonly at: number
}): Job => ({
  partnerId: input.partnerId,
  smileJobId: input.smileJobId,
  partnerParams: input.partnerParams,
  ...(input.callbackUrl === undefined || input.callbackUrl === "" ? {} : { callbackUrl: input.callbackUrl }),
  state: "Created",
  timeline: { createdAt: input.at },
  results: [],
  version: 0
})

/** The latest result, if any. */
export const latestResult = (job: Job): JobResult | undefined => job.results[job.results.length - 1]

/** Whether nothing more will happen to the job. */
export const isTerminal = (job: Job): boolean => job.state === "Completed" || job.state === "Failed"

/** A `Decision` (or any result-shaped value) as a stored result reached at `at`. */
export const resultOf = (decision: Omit<JobResult, "decidedAt">, at: number): JobResult => ({
  resultCode: decision.resultCode,
  resultText: decision.resultText,
  actions: decision.actions,
  confidence: decision.confidence,
  isFinal: decision.isFinal,
  isMachineResult: decision.isMachineResult,
  explanation: decision.explanation,
  decidedAt: at
})

// ---------------------------------------------------------------------------
// Events

/** The zip was received at the upload URL. */
export interface UploadAccepted {
  readonly _tag: "UploadAccepted"
  readonly at: number
}
/** The pipeline began to analyse the zip. */
export interface ProcessingStarted {
  readonly _tag: "ProcessingStarted"
  readonly at: number
}
/** The decision policy decided (`Decision.decide`). */
export interface MachineDecided {
  readonly _tag: "MachineDecided"
  readonly at: number
  readonly decision: Decision
}
/** A reviewer settled a provisional result (`Decision.decideHumanReview`). */
export interface HumanReviewed {
  readonly _tag: "HumanReviewed"
  readonly at: number
  readonly decision: Decision
}
/** The job cannot be processed: one of the three `0001` results. */
export interface Failed {
  readonly _tag: "Failed"
  readonly at: number
  readonly resultText: FailureText
  /** What went wrong and what the partner should fix, e.g. which zip entry was unreadable. */
  readonly explanation: string
}

/** The three texts of `0001`. */
export const FailureText = Schema.Literal("Data Invalid", "Data Invalid - Unable to extract zip file", "System Error")
export type FailureText = typeof FailureText.Type

export type JobEvent = UploadAccepted | ProcessingStarted | MachineDecided | HumanReviewed | Failed

/** The event is not allowed in the job's state, or carries a result that does not fit; `detail` says which. */
export class IllegalJobTransition extends Schema.TaggedError<IllegalJobTransition>()("IllegalJobTransition", {
  partnerId: Schema.String,
  smileJobId: Schema.String,
  from: JobStateName,
  event: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Job ${this.smileJobId} of partner ${JSON.stringify(this.partnerId)} cannot take ${this.event} while ${this.from}: ${this.detail}`
  }
}

const expected: { readonly [Tag in JobEvent["_tag"]]: ReadonlyArray<JobStateName> } = {
  UploadAccepted: ["Created"],
  ProcessingStarted: ["Uploaded"],
  MachineDecided: ["Processing"],
  HumanReviewed: ["UnderReview"],
  Failed: ["Uploaded", "Processing"]
}

const whyNot = (from: JobStateName, event: JobEvent["_tag"]): string => {
  if (event === "UploadAccepted") return "a zip was already accepted for this job; start a new job to send another"
  if (event === "MachineDecided" && from !== "Created" && from !== "Uploaded") {
    return "the machine already decided this job; a decision is recorded exactly once"
  }
  if (event === "HumanReviewed") {
    return from === "Completed" || from === "Failed" ? "the job is already final" : "only a provisional result waits for a reviewer"
  }
  return `expected the job to be ${expected[event].join(" or ")}`
}

/** Why a decision cannot be this job's result at this step, or `undefined` when it can. */
const misfit = (job: Job, decision: Decision, step: "machine" | "human"): string | undefined => {
  const jobType = job.partnerParams.jobType
  const row = ResultCode.rowOf(decision.resultCode, decision.resultText)
  if (!row.jobTypes.includes(jobType)) return `result ${decision.resultCode} does not belong to ${JobType.describe(jobType)}`
  if (row.isFinal !== decision.isFinal) {
    return `result ${decision.resultCode} is ${row.isFinal ? "final" : "provisional"} but the decision says isFinal=${decision.isFinal}`
  }
  if (step === "machine") {
    if (!decision.isMachineResult || row.judgement === "human") return `result ${decision.resultCode} is not a machine result`
    return undefined
  }
  if (decision.isMachineResult || row.judgement !== "human") return `result ${decision.resultCode} is not a human reviewer's result`
  return undefined
}

/**
 * Applies an event to a job: the next job (same `version`), or an
 * {@link IllegalJobTransition} saying why not. Pure.
 */
export const transition = (job: Job, event: JobEvent): Either.Either<Job, IllegalJobTransition> => {
  const refuse = (detail: string) =>
    Either.left(new IllegalJobTransition({ partnerId: job.partnerId, smileJobId: job.smileJobId, from: job.state, event: event._tag, detail }))
  if (!expected[event._tag].includes(job.state)) return refuse(whyNot(job.state, event._tag))

  switch (event._tag) {
    case "UploadAccepted":
      return Either.right({ ...job, state: "Uploaded", timeline: { ...job.timeline, uploadedAt: event.at } })
    case "ProcessingStarted":
      return Either.right({ ...job, state: "Processing", timeline: { ...job.timeline, processingStartedAt: event.at } })
    case "MachineDecided": {
      const problem = misfit(job, event.decision, "machine")
      if (problem !== undefined) return refuse(problem)
      const result = resultOf(event.decision, event.at)
      const timeline = { ...job.timeline, machineDecidedAt: event.at }
      const category = ResultCode.rowOf(result.resultCode, result.resultText).category
      if (category === "general_failure") return Either.right({ ...job, state: "Failed", timeline: { ...timeline, failedAt: event.at }, results: [result] })
      if (result.isFinal) return Either.right({ ...job, state: "Completed", timeline, results: [result] })
      return Either.right({
        ...job,
        state: "UnderReview",
        timeline,
        results: [result],
        reviewReason: event.decision.review?.reason ?? event.decision.explanation
      })
    }
    case "HumanReviewed": {
      const problem = misfit(job, event.decision, "human")
      if (problem !== undefined) return refuse(problem)
      return Either.right({
        ...job,
        state: "Completed",
        timeline: { ...job.timeline, reviewedAt: event.at },
        results: [...job.results, resultOf(event.decision, event.at)]
      })
    }
    case "Failed":
      return Either.right({
        ...job,
        state: "Failed",
        timeline: { ...job.timeline, failedAt: event.at },
        results: [
          resultOf(
            { resultCode: "0001", resultText: event.resultText, actions: {}, confidence: 0, isFinal: true, isMachineResult: true, explanation: event.explanation },
            event.at
          )
        ]
      })
  }
}
