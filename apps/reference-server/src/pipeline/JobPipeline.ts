/**
 * JobPipeline: the server's one handle on job processing.
 *
 * The HTTP side calls `start` once a zip has arrived, the review console calls
 * `completeReview`, and anything may ask for `status`. How the work is made
 * durable (today `@effect/workflow` on `@effect/cluster`, both pre-1.0) stays
 * behind this port, so swapping the engine touches `pipeline/` only.
 *
 * @example
 * const pipeline = yield* JobPipeline
 * yield* pipeline.start({ partnerId, smileJobId })       // idempotent
 * const status = yield* pipeline.status({ partnerId, smileJobId })
 */
import { Context, Schema } from "effect"
import type { Effect } from "effect"
import { HumanReview, JobKey, JobOutcome } from "./PipelineData.js"

/** The job was never started through this pipeline (no zip arrived, or a wrong key). */
export class JobNotStarted extends Schema.TaggedError<JobNotStarted>()("JobNotStarted", {
  job: JobKey
}) {
  override get message(): string {
    return `Job ${this.job.smileJobId} of partner ${this.job.partnerId} was never started; start it once its zip has arrived.`
  }
}

/** The verdict cannot settle this job: it is not waiting for review, or the verdict does not answer what is under review. */
export class ReviewRefused extends Schema.TaggedError<ReviewRefused>()("ReviewRefused", {
  job: JobKey,
  detail: Schema.String
}) {
  override get message(): string {
    return `Review of job ${this.job.smileJobId} of partner ${this.job.partnerId} refused: ${this.detail}`
  }
}

/**
 * Where a job is:
 * - `NotStarted`: never started.
 * - `Running`: started and working (or about to, right after a restart).
 * - `Waiting`: asleep until something happens: a callback retry's deadline or
 *   a reviewer's verdict. Nothing runs and nothing is held in memory for long.
 * - `Finished`: the final result is stored; `outcome` says how delivery ended.
 * - `Failed`: after the result was stored, a step (applying it, queueing the
 *   review) kept failing for an infrastructure reason through all its
 *   retries; `detail` says which step and why. (Before a decision, running
 *   out of retries ends the job with a `0001 System Error` result instead.)
 * - `Pruned`: it ended, and retention removed its journal
 *   (`PipelineRetention.pruneEnded`); its results are in the job store.
 */
export const PipelineStatus = Schema.Union(
  Schema.TaggedStruct("NotStarted", {}),
  Schema.TaggedStruct("Running", {}),
  Schema.TaggedStruct("Waiting", {}),
  Schema.TaggedStruct("Finished", { outcome: JobOutcome }),
  Schema.TaggedStruct("Failed", { detail: Schema.String }),
  Schema.TaggedStruct("Pruned", {})
)
export type PipelineStatus = typeof PipelineStatus.Type

export interface JobPipelineService {
  /**
   * Starts processing a job and returns once the start is durably recorded
   * (not when the job is done). Idempotent: starting a started job, finished
   * or not, does nothing.
   */
  readonly start: (job: JobKey) => Effect.Effect<void>
  /**
   * Hands the reviewer's verdict to a job waiting for it, after checking that
   * the verdict can settle it (`ReviewRefused` otherwise: not under review, or
   * a verdict that does not answer what is under review). The first verdict
   * handed over wins; later ones are ignored. A verdict may arrive while the
   * machine result's callback is still being retried: it is kept and used as
   * soon as the job reaches its review.
   */
  readonly completeReview: (job: JobKey, review: HumanReview) => Effect.Effect<void, JobNotStarted | ReviewRefused>
  /** Where the job is; see {@link PipelineStatus}. */
  readonly status: (job: JobKey) => Effect.Effect<PipelineStatus>
}

export class JobPipeline extends Context.Tag("@selfie-auth/reference-server/JobPipeline")<
  JobPipeline,
  JobPipelineService
>() {}

/**
 * Retention of the pipeline's journal, for operators: the engine never
 * deletes what it journals, so a scheduled task prunes ended jobs (decision
 * record 0009, "Retention"). Provided by the same layer as {@link JobPipeline}.
 */
export interface PipelineRetentionService {
  /**
   * Removes the journal of every job started before `startedBefore` (epoch
   * milliseconds) that has ended (finished or failed), and answers how many.
   * Jobs still running or waiting are kept. A pruned job stays known: its
   * status is `Pruned`, and starting it again does nothing.
   */
  readonly pruneEnded: (options: { readonly startedBefore: number }) => Effect.Effect<number>
}

export class PipelineRetention extends Context.Tag("@selfie-auth/reference-server/PipelineRetention")<
  PipelineRetention,
  PipelineRetentionService
>() {}
