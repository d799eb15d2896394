/**
 * PipelineSteps: the work of each step of the job pipeline, as a service.
 *
 * The durable workflow ({@link ./JobWorkflow.ts}) decides *when* a step runs
 * and records *that* it ran; this service does the work. Keeping the two apart
 * lets the workflow be proved durable with test steps, and lets the real steps
 * (ZipCodec, FaceEngine, the decision policy, JobStore, BlobStore,
 * CallbackSender) be bound without touching the workflow.
 *
 * Contract every implementation must honour, because the engine runs each step
 * **at least once** (a crash after the work but before the journal write runs
 * it again):
 * - every step is idempotent: running it twice with the same input has the
 *   effect of running it once (blob writes by deterministic key, inserts that
 *   ignore duplicates);
 * - the workflow runs several steps in one activity (`prepare`, `analyze`
 *   and `decide`; `applyResult`, `storeResult` and the first
 *   `deliverCallback`), so a crash, or a neighbour's failure, repeats steps
 *   that had already finished;
 * - `storeResult` is a compare-and-set: the first result stored for a
 *   (job, stage) wins, and every later call returns that first result,
 *   whatever decision it was given;
 * - `deliverCallback` sends the stored result under its `deliveryId`, the same
 *   on every attempt, so the partner can de-duplicate.
 */
import { Context, Schema } from "effect"
import type { Effect } from "effect"
import type { Findings } from "@selfie-auth/core"
import type { ReviewRefused } from "./JobPipeline.js"
import type {
  Decision,
  DeliveryAttemptOutcome,
  HumanReview,
  JobDescription,
  JobFindings,
  JobKey,
  MachineOutcome,
  PreparedJob,
  ResolvedImages,
  ResultStage,
  StoredResult
} from "./PipelineData.js"
import { JobFailure } from "./PipelineData.js"

/**
 * The job itself cannot be processed (a broken zip, an invalid info.json, an
 * image that is not a picture). Not retried: the job ends with a `0001`
 * result carrying `failure`, stored and delivered like any result.
 */
export class JobRejected extends Schema.TaggedError<JobRejected>()("JobRejected", {
  failure: JobFailure
}) {
  override get message(): string {
    return `${this.failure.resultText}: ${this.failure.explanation}`
  }
}

/**
 * A step could not do its work for a reason outside the job (storage down,
 * engine crashed). Retried on the durable clock. When the retries run out
 * before the job has a result, the job ends with `0001 System Error` (stored
 * and delivered); after that, the workflow fails with it and
 * `JobPipeline.status` reports it.
 */
export class StepFailed extends Schema.TaggedError<StepFailed>()("StepFailed", {
  step: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.step}: ${this.detail}`
  }
}

export interface PipelineStepsService {
  /**
   * Moves the job to `Processing`, unpacks its zip within limits, decodes
   * info.json and finds where the selfie and the liveness frames are and
   * (type 2) which selfie is on file. Reads only, apart from the job's state:
   * the images stay in the stored zip.
   */
  readonly prepare: (job: JobKey) => Effect.Effect<PreparedJob, JobRejected | StepFailed>
  /** Runs the face engine over the resolved images. */
  readonly analyze: (job: JobKey, images: ResolvedImages) => Effect.Effect<JobFindings, JobRejected | StepFailed>
  /** Applies the decision policy (with the thresholds configured now) to the findings. */
  readonly decide: (
    job: JobKey,
    description: JobDescription,
    findings: JobFindings
  ) => Effect.Effect<Decision, StepFailed>
  /**
   * Stores a result, compare-and-set: the first outcome stored for
   * `(job, stage)` wins and is returned to every caller, with its delivery id.
   */
  readonly storeResult: (
    job: JobKey,
    stage: ResultStage,
    outcome: MachineOutcome
  ) => Effect.Effect<StoredResult, StepFailed>
  /**
   * What an outcome changes beyond the job: an approved registration puts its
   * selfie on file. It runs before the outcome is stored, so a result that
   * job_status or a callback reports has already taken effect (a partner may
   * authenticate the user the moment it reads 0840). Idempotent: it runs again
   * after a crash. `images` is absent when the job failed before its images
   * were resolved.
   */
  readonly applyResult: (
    job: JobKey,
    stage: ResultStage,
    outcome: MachineOutcome,
    images: ResolvedImages | undefined
  ) => Effect.Effect<void, StepFailed>
  /**
   * The reviewer's result of the job, when one is stored; `null` otherwise.
   * A workflow that finds one before queueing the job for review is running
   * again after the journal forgot it (a power loss, or a lost journal): the
   * review is over, so it delivers that result instead of waiting for a
   * verdict that will never come. Reads only.
   */
  readonly storedReview: (job: JobKey) => Effect.Effect<StoredResult | null, StepFailed>
  /** Queues a provisional job for a human reviewer. */
  readonly requestReview: (job: JobKey, machine: StoredResult) => Effect.Effect<void, StepFailed>
  /**
   * Checks, before it is handed to the workflow, that a verdict can settle
   * this job: the job waits for review and the verdict answers what is under
   * review. Not a workflow step: `JobPipeline.completeReview` calls it.
   */
  readonly validateReview: (job: JobKey, review: HumanReview) => Effect.Effect<void, ReviewRefused>
  /** Takes the job off the review queue (a job already off it is fine). */
  readonly settleReview: (job: JobKey, review: HumanReview) => Effect.Effect<void, StepFailed>
  /** The final decision from the machine's provisional one and the reviewer's verdict. */
  readonly decideAfterReview: (
    job: JobKey,
    machine: StoredResult,
    review: HumanReview
  ) => Effect.Effect<Decision, StepFailed>
  /**
   * One attempt to deliver a stored result to the partner's callback URL;
   * `attempt` counts from 1. An implementation that records attempts records
   * this one under `(result.deliveryId, attempt)`, once however often it runs.
   */
  readonly deliverCallback: (
    job: JobKey,
    result: StoredResult,
    attempt: number
  ) => Effect.Effect<DeliveryAttemptOutcome, StepFailed>
  /**
   * Records that a result's delivery ended without a 2xx, `stopped` (the
   * partner asked us to stop, or no attempt can succeed) or `exhausted` (the
   * schedule ran out), with what the last attempt said; the partner can then
   * replay it. Once per delivery, however often it runs.
   */
  readonly recordDeliveryFailure: (
    job: JobKey,
    result: StoredResult,
    outcome: "stopped" | "exhausted",
    detail: string
  ) => Effect.Effect<void, StepFailed>
}

/** See the module comment for the contract. */
export class PipelineSteps extends Context.Tag("@selfie-auth/reference-server/PipelineSteps")<
  PipelineSteps,
  PipelineStepsService
>() {}

/** The delivery id of a job's result: stable for the result's life, distinct per stage. */
export const deliveryIdOf = (job: JobKey, stage: ResultStage): string => `sa_${job.smileJobId}_${stage}`

// The journal's findings schema must describe core's findings exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const findingsMatchCore: Same<JobFindings, Findings.JobFindings> = true
void findingsMatchCore
