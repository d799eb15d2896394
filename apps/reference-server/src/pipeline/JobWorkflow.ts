/**
 * The job pipeline as a durable workflow (`@effect/workflow`).
 *
 * assess (prepare: unpack, decode info.json, locate the images; the face
 * engine; the decision policy) -> conclude (apply the result: an approved
 * registration puts the selfie on file; store it, compare-and-set; the first
 * callback attempt) -> later callback attempts on the durable clock -> if
 * provisional: queue for review, wait for the reviewer (a `DurableDeferred`),
 * settle, decide, conclude, deliver again. A provisional job whose reviewer's
 * result is already stored (its workflow run again after the journal forgot
 * it) skips the review and delivers that result.
 *
 * How it survives a crash: the steps run inside `Activity`s, whose results
 * the engine journals before the workflow moves on. After a restart the
 * workflow body runs again from the top, but every activity that already finished answers from the
 * journal without running, so the body is back where it stopped within
 * milliseconds. The body itself therefore holds no side effect: it only
 * sequences activities, sleeps on the durable clock and awaits the review.
 *
 * Activities run at least once (a crash between the work and the journal write
 * repeats it), which is why {@link PipelineSteps} demands idempotent steps and a
 * compare-and-set for results: the first stored decision wins, so a repeated
 * `decide` cannot produce a second decision.
 *
 * Every activity costs two journal writes (its request and its reply) and a
 * few milliseconds of the engine's own work, so a final result takes two:
 * `assess` (prepare, the face engine, the decision) and `conclude/<stage>`
 * (apply the result, store it, the first callback attempt). Nothing `assess`
 * does is visible outside the job until `conclude` stores the decision, so a
 * crash inside it repeats the engine's work and the (deterministic) policy
 * and nothing else; a crash inside `conclude` repeats idempotent steps and
 * re-sends the callback under the same delivery id. Decision record 0021.
 */
import { Activity, DurableClock, DurableDeferred, Workflow } from "@effect/workflow"
import { Duration, Effect, Schema } from "effect"
import {
  Assessment,
  Concluded,
  Decision,
  DeliveryAttemptOutcome,
  DeliveryOutcome,
  HumanReview,
  JobKey,
  jobKeyString,
  JobOutcome,
  StoredResult
} from "./PipelineData.js"
import type { MachineOutcome, ResolvedImages, ResultStage } from "./PipelineData.js"
import { JobRejected, PipelineSteps, StepFailed } from "./PipelineSteps.js"

/** The workflow. Its name is part of every journal row: never rename it while jobs are in flight. */
export const JobWorkflow = Workflow.make({
  name: "SmartSelfieJob",
  payload: JobKey.fields,
  idempotencyKey: jobKeyString,
  success: JobOutcome,
  error: StepFailed
})

/** Where the reviewer's verdict arrives; completed by `JobPipeline.completeReview`. */
export const HumanReviewArrived = DurableDeferred.make("HumanReview", { success: HumanReview })

/**
 * Timing of the pipeline's retries, as configuration. Every wait longer than
 * `inMemoryThreshold` is written to the store, so a restart keeps its deadline.
 */
export interface PipelineTiming {
  /**
   * Waits before each callback attempt after the first (issue 6's default:
   * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, i.e. 8 attempts in about 28 h).
   */
  readonly callbackRetryDelays: ReadonlyArray<Duration.DurationInput>
  /** Waits before each retry of a step that failed for an infrastructure reason. */
  readonly stepRetryDelays: ReadonlyArray<Duration.DurationInput>
  /**
   * Sleeps up to this long stay in memory (a crash restarts them from zero);
   * longer ones are persisted. Must be a `Duration`-like value above zero or
   * `Duration.zero`: the engine treats a plain `0` as "unset" and falls back to
   * 60 s (see the decision record's pitfalls).
   */
  readonly inMemoryThreshold: Duration.DurationInput
}

/**
 * The pipeline's callback waits from a delivery schedule given as the delay
 * before each attempt (`adapter-callback`'s `RetrySchedule`): the first
 * attempt is immediate, so its delay is dropped.
 */
export const callbackRetryDelaysOf = (schedule: {
  readonly delays: ReadonlyArray<Duration.DurationInput>
}): ReadonlyArray<Duration.DurationInput> => schedule.delays.slice(1)

/** Issue 6's callback schedule, a 500 ms in-memory threshold, and step retries over about 6 minutes. */
export const defaultTiming: PipelineTiming = {
  callbackRetryDelays: ["5 seconds", "5 minutes", "30 minutes", "2 hours", "5 hours", "10 hours", "10 hours"],
  stepRetryDelays: ["1 second", "10 seconds", "1 minute", "5 minutes"],
  inMemoryThreshold: "500 millis"
}

/**
 * Runs `attempt(n)` as the activity `<name>/<n>` until it succeeds, retrying
 * `StepFailed` after each delay of `delays` on the durable clock. Every
 * attempt and every wait has its own journal entry, so after a restart the
 * count and the deadline carry on where they were.
 */
const withDurableRetries = <A, I, E, EI>(options: {
  readonly name: string
  readonly success: Schema.Schema<A, I>
  readonly error: Schema.Schema<E, EI>
  readonly delays: ReadonlyArray<Duration.DurationInput>
  readonly inMemoryThreshold: Duration.DurationInput
  readonly execute: (attempt: number) => Effect.Effect<A, E | StepFailed, PipelineSteps>
}) =>
  Effect.gen(function*() {
    for (let attempt = 1;; attempt++) {
      const activity = Activity.make({
        name: `${options.name}/${attempt}`,
        success: options.success,
        error: Schema.Union(options.error, StepFailed),
        execute: options.execute(attempt)
      })
      const result = yield* Effect.either(activity)
      if (result._tag === "Right") return result.right
      const delay = options.delays[attempt - 1]
      if (!(result.left instanceof StepFailed) || delay === undefined) return yield* Effect.fail(result.left)
      yield* DurableClock.sleep({
        name: `${options.name}/${attempt}/retry`,
        duration: delay,
        inMemoryThreshold: options.inMemoryThreshold
      })
    }
  })

/**
 * The workflow's implementation, given its timing. Provide `PipelineSteps`
 * and a `WorkflowEngine` (see {@link ./WorkflowStorage.ts}).
 */
export const layer = (timing: PipelineTiming = defaultTiming) =>
  JobWorkflow.toLayer(Effect.fn("JobWorkflow.run")(function*(job) {
    const steps = yield* PipelineSteps
    const step = <A, I, E, EI>(
      name: string,
      success: Schema.Schema<A, I>,
      error: Schema.Schema<E, EI>,
      execute: Effect.Effect<A, E | StepFailed>
    ) =>
      withDurableRetries({
        name,
        success,
        error,
        delays: timing.stepRetryDelays,
        inMemoryThreshold: timing.inMemoryThreshold,
        execute: () => execute
      })

    /** Delivers a stored result; `firstAttempt` is attempt 1's outcome when `conclude` already made it. */
    const deliver = (result: StoredResult, firstAttempt?: DeliveryAttemptOutcome) =>
      Effect.gen(function*() {
        const delays = timing.callbackRetryDelays
        const recordFailure = (outcome: "stopped" | "exhausted", detail: string) =>
          step(
            `callback/${result.stage}/record-failure`,
            Schema.Void,
            Schema.Never,
            steps.recordDeliveryFailure(job, result, outcome, detail)
          ).pipe(Effect.as(outcome))
        for (let attempt = 1;; attempt++) {
          const outcome = attempt === 1 && firstAttempt !== undefined ? firstAttempt : yield* step(
            `callback/${result.stage}/attempt-${attempt}`,
            DeliveryAttemptOutcome,
            Schema.Never,
            steps.deliverCallback(job, result, attempt)
          )
          switch (outcome._tag) {
            case "Delivered":
              return "delivered" as const
            case "NoCallback":
              return "no_callback" as const
            case "Stopped":
              return yield* recordFailure("stopped", outcome.detail)
            case "Retry": {
              const delay = delays[attempt - 1]
              if (delay === undefined) return yield* recordFailure("exhausted", outcome.detail)
              yield* DurableClock.sleep({
                name: `callback/${result.stage}/wait-${attempt}`,
                duration: delay,
                inMemoryThreshold: timing.inMemoryThreshold
              })
            }
          }
        }
      }).pipe(Effect.map((outcome): DeliveryOutcome => outcome))

    /**
     * Applies what a result changes, stores it (compare-and-set) and makes the
     * first delivery attempt, as one activity (one journal entry); later
     * attempts follow on the durable clock. All three are idempotent or
     * carry the same delivery id, so a crash inside repeats them harmlessly.
     */
    const conclude = (stage: ResultStage, outcome: MachineOutcome, images: ResolvedImages | undefined) =>
      Effect.gen(function*() {
        const concluded = yield* step(
          `conclude/${stage}`,
          Concluded,
          Schema.Never,
          Effect.gen(function*() {
            yield* steps.applyResult(job, stage, outcome, images)
            const stored = yield* steps.storeResult(job, stage, outcome)
            return { stored, firstAttempt: yield* steps.deliverCallback(job, stored, 1) }
          })
        )
        const delivery = yield* deliver(concluded.stored, concluded.firstAttempt)
        return { stored: concluded.stored, delivery }
      })

    let images: ResolvedImages | undefined
    const machineOutcome = yield* Effect.gen(function*() {
      const assessed = yield* step(
        "assess",
        Assessment,
        JobRejected,
        Effect.gen(function*() {
          const prepared = yield* steps.prepare(job)
          const findings = yield* steps.analyze(job, prepared.images)
          return { images: prepared.images, decision: yield* steps.decide(job, prepared.description, findings) }
        })
      )
      images = assessed.images
      return { _tag: "Decided" as const, decision: assessed.decision }
    }).pipe(
      Effect.catchTags({
        JobRejected: (rejected) => Effect.succeed({ _tag: "Failed" as const, failure: rejected.failure }),
        // Out of retries before a decision: the job still ends, with 0001 "System Error", so no job hangs.
        StepFailed: (failed) =>
          Effect.succeed({
            _tag: "Failed" as const,
            failure: { resultText: "System Error" as const, explanation: `the service could not process the job (${failed.message}); submit it again` }
          })
      })
    )

    const machine = yield* conclude("machine", machineOutcome, images)
    if (machine.stored.result.isFinal) {
      return { result: machine.stored, delivery: machine.delivery, reviewed: false }
    }

    // A reviewer's result already stored: the journal forgot this workflow after the review (a power
    // loss, or a lost journal). Its callback may still be due; no verdict will come again.
    const alreadyReviewed = yield* step("stored-review", Schema.NullOr(StoredResult), Schema.Never, steps.storedReview(job))
    if (alreadyReviewed !== null) {
      return { result: alreadyReviewed, delivery: yield* deliver(alreadyReviewed), reviewed: true }
    }
    yield* step("request-review", Schema.Void, Schema.Never, steps.requestReview(job, machine.stored))
    const review = yield* DurableDeferred.await(HumanReviewArrived)
    yield* step("settle-review", Schema.Void, Schema.Never, steps.settleReview(job, review))
    const decision = yield* step(
      "decide-after-review",
      Decision,
      Schema.Never,
      steps.decideAfterReview(job, machine.stored, review)
    )
    const reviewed = yield* conclude("review", { _tag: "Decided", decision }, images)
    return { result: reviewed.stored, delivery: reviewed.delivery, reviewed: true }
  }))
