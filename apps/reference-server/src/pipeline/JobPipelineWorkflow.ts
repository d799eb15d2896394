/**
 * {@link JobPipeline} on the durable workflow engine.
 *
 * Besides the engine's own tables (`cluster_*`), one small table,
 * `pipeline_jobs`, records which jobs were started, when, under which
 * execution id, and whether retention pruned their journal: the engine can
 * say whether a workflow has *finished*, but not whether it was ever started,
 * and it never deletes anything (decision record 0009, "Retention").
 */
import { WorkflowEngine } from "@effect/workflow"
import { DurableDeferred } from "@effect/workflow"
import { SqlClient } from "@effect/sql"
import { Cause, Clock, Context, Effect, Exit, Layer, Option } from "effect"
import type { ConfigError } from "effect/ConfigError"
import type { SqlError } from "@effect/sql/SqlError"
import { JobNotStarted, JobPipeline, PipelineRetention } from "./JobPipeline.js"
import type { PipelineStatus } from "./JobPipeline.js"
import * as JobWorkflow from "./JobWorkflow.js"
import { jobKeyString } from "./PipelineData.js"
import type { HumanReview, JobKey } from "./PipelineData.js"
import { PipelineSteps } from "./PipelineSteps.js"
import * as WorkflowStorage from "./WorkflowStorage.js"

/** The table of started jobs (in the journal's database). */
export const startedJobsTable = "pipeline_jobs"

const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const engine = yield* WorkflowEngine.WorkflowEngine
  const steps = yield* PipelineSteps
  yield* sql`CREATE TABLE IF NOT EXISTS ${sql(startedJobsTable)} (
    execution_key TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL,
    smile_job_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    pruned_at BIGINT
  )`.pipe(Effect.orDie)

  /** `undefined` for a job never started, else whether its journal was pruned. */
  const startedRow = (job: JobKey) =>
    sql<{ pruned_at: number | string | null }>`
      SELECT pruned_at FROM ${sql(startedJobsTable)} WHERE execution_key = ${jobKeyString(job)}`.pipe(
      Effect.map(([row]) => (row === undefined ? undefined : { pruned: row.pruned_at !== null })),
      Effect.orDie
    )
  const wasStarted = (job: JobKey) => Effect.map(startedRow(job), (row) => row !== undefined)

  const start = Effect.fn("JobPipeline.start")(function*(job: JobKey) {
    const row = yield* startedRow(job)
    // Ended and pruned: its results are in the job store; running it again would decide it twice.
    if (row?.pruned === true) return
    const now = yield* Clock.currentTimeMillis
    const executionId = yield* JobWorkflow.JobWorkflow.executionId(job)
    yield* sql`INSERT INTO ${sql(startedJobsTable)} (execution_key, partner_id, smile_job_id, execution_id, started_at)
      VALUES (${jobKeyString(job)}, ${job.partnerId}, ${job.smileJobId}, ${executionId}, ${now})
      ON CONFLICT (execution_key) DO NOTHING`.pipe(Effect.orDie)
    yield* JobWorkflow.JobWorkflow.execute(job, { discard: true })
  }, Effect.provideService(WorkflowEngine.WorkflowEngine, engine))

  const completeReview = Effect.fn("JobPipeline.completeReview")(function*(job: JobKey, review: HumanReview) {
    if (!(yield* wasStarted(job))) return yield* new JobNotStarted({ job })
    yield* steps.validateReview(job, review)
    const token = yield* DurableDeferred.tokenFromPayload(JobWorkflow.HumanReviewArrived, {
      workflow: JobWorkflow.JobWorkflow,
      payload: job
    })
    yield* DurableDeferred.succeed(JobWorkflow.HumanReviewArrived, { token, value: review })
  }, Effect.provideService(WorkflowEngine.WorkflowEngine, engine))

  const status = Effect.fn("JobPipeline.status")(function*(job: JobKey) {
    if ((yield* startedRow(job))?.pruned === true) return { _tag: "Pruned" as const }
    const executionId = yield* JobWorkflow.JobWorkflow.executionId(job)
    const result = yield* JobWorkflow.JobWorkflow.poll(executionId)
    if (result === undefined) {
      return (yield* wasStarted(job)) ? { _tag: "Running" as const } : { _tag: "NotStarted" as const }
    }
    if (result._tag === "Suspended") return { _tag: "Waiting" as const }
    return Exit.match(result.exit, {
      onSuccess: (outcome): PipelineStatus => ({ _tag: "Finished", outcome }),
      onFailure: (cause): PipelineStatus => ({
        _tag: "Failed",
        detail: Option.match(Cause.failureOption(cause), {
          onSome: (failure) => failure.message,
          onNone: () => Cause.pretty(cause)
        })
      })
    })
  }, Effect.provideService(WorkflowEngine.WorkflowEngine, engine))

  const pruneEnded = Effect.fn("JobPipeline.pruneEnded")(function*(options: { readonly startedBefore: number }) {
    const candidates = yield* sql<{ execution_key: string; partner_id: string; smile_job_id: string; execution_id: string }>`
      SELECT execution_key, partner_id, smile_job_id, execution_id FROM ${sql(startedJobsTable)}
      WHERE pruned_at IS NULL AND started_at < ${options.startedBefore}`.pipe(Effect.orDie)
    let pruned = 0
    for (const candidate of candidates) {
      const result = yield* JobWorkflow.JobWorkflow.poll(candidate.execution_id)
      if (result === undefined || result._tag === "Suspended") continue
      const now = yield* Clock.currentTimeMillis
      yield* Effect.gen(function*() {
        yield* WorkflowStorage.deleteJournalOf(sql, candidate.execution_id)
        yield* sql`UPDATE ${sql(startedJobsTable)} SET pruned_at = ${now} WHERE execution_key = ${candidate.execution_key}`
      }).pipe(sql.withTransaction, Effect.orDie)
      pruned++
    }
    return pruned
  }, Effect.provideService(WorkflowEngine.WorkflowEngine, engine))

  return Context.make(JobPipeline, JobPipeline.of({ start, completeReview, status })).pipe(
    Context.add(PipelineRetention, PipelineRetention.of({ pruneEnded }))
  )
})

/**
 * The pipeline with its workflow and engine, on the given SQL client.
 * Requires `PipelineSteps` and a `SqlClient` (the journal's database).
 */
export const layerWithoutSql = (options: {
  readonly storage: WorkflowStorage.WorkflowStorageConfig
  readonly timing?: JobWorkflow.PipelineTiming | undefined
}): Layer.Layer<
  JobPipeline | PipelineRetention,
  ConfigError | WorkflowStorage.JournalInUse | SqlError,
  PipelineSteps | SqlClient.SqlClient
> =>
  Layer.effectContext(make).pipe(
    Layer.provideMerge(JobWorkflow.layer(options.timing)),
    Layer.provide(WorkflowStorage.engineLayer(options.storage))
  )

/**
 * The pipeline, complete: workflow, engine and the journal's database
 * (SQLite in the data folder, or Postgres). Requires `PipelineSteps`.
 *
 * @example
 * const pipeline = JobPipelineWorkflow.layer({
 *   storage: { _tag: "Sqlite", dataDirectory: "/var/lib/selfie-auth" }
 * }).pipe(Layer.provide(stepsLayer))
 */
export const layer = (options: {
  readonly storage: WorkflowStorage.WorkflowStorageConfig
  readonly timing?: JobWorkflow.PipelineTiming | undefined
}): Layer.Layer<JobPipeline | PipelineRetention, ConfigError | WorkflowStorage.JournalInUse | SqlError, PipelineSteps> =>
  layerWithoutSql(options).pipe(Layer.provide(WorkflowStorage.sqlLayer(options.storage)))
