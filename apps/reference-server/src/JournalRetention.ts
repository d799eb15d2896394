/**
 * Journal retention: the workflow engine never deletes what it journals
 * (about twenty rows per job), so the server prunes it on a schedule
 * (decision record 0009, "Retention"). Once when the server starts and then
 * every hour, the journal of every job that ended (finished or failed) and
 * started more than `--journal-retention` days ago is deleted through
 * `PipelineRetention.pruneEnded`, one transaction per job. Jobs running or
 * waiting for a reviewer are kept whatever their age.
 *
 * A pruned job loses nothing a partner or operator reads: its results, its
 * callbacks' delivery log and its images stay in the stores, `job_status`
 * answers as before, and starting it again does nothing (its pipeline status
 * is `Pruned`).
 *
 * A prune that fails is logged and tried again at the next run; it never
 * stops the server. With several servers on one Postgres database each one
 * prunes: pruning a job twice deletes nothing more.
 */
import { Clock, Duration, Effect, Layer, Schedule } from "effect"
import { PipelineRetention } from "./pipeline/JobPipeline.js"

/** How often the journal is pruned. */
export const pruneInterval: Duration.Duration = Duration.hours(1)

const dayMillis = 24 * 60 * 60 * 1000

/** Prunes the journal of the jobs ended and started more than `retentionDays` days ago; answers how many. */
export const pruneOnce = Effect.fn("JournalRetention.pruneOnce")(function*(retentionDays: number) {
  const retention = yield* PipelineRetention
  const startedBefore = (yield* Clock.currentTimeMillis) - retentionDays * dayMillis
  const pruned = yield* retention.pruneEnded({ startedBefore })
  if (pruned > 0) {
    yield* Effect.logInfo("journal retention: pruned the journal of ended jobs").pipe(
      Effect.annotateLogs({ pruned, startedBefore: new Date(startedBefore).toISOString() })
    )
  }
  return pruned
})

/**
 * Prunes when built and then every `every` (default {@link pruneInterval})
 * in the background, until the layer's scope closes. `retentionDays` 0 keeps
 * the journal forever: nothing runs.
 */
export const layer = (options: {
  readonly retentionDays: number
  readonly every?: Duration.DurationInput | undefined
}): Layer.Layer<never, never, PipelineRetention> =>
  options.retentionDays === 0
    ? Layer.empty
    : Layer.scopedDiscard(
      pruneOnce(options.retentionDays).pipe(
        Effect.catchAllCause((cause) =>
          Effect.logWarning("journal retention: pruning failed; the next run tries again", cause)
        ),
        Effect.repeat(Schedule.spaced(options.every ?? pruneInterval)),
        Effect.forkScoped
      )
    )
