/**
 * Wraps any {@link PipelineStepsService} (the real steps, in the crash-test
 * child) so a test can see and steer them per job:
 *
 * - every call of a step is recorded in the test steps' bookkeeping table
 *   (`TestSteps.createTables`), under the method's name (`prepare`,
 *   `storeResult`, `deliverCallback`, ...), so `TestSteps.stepRuns` counts the
 *   real steps' runs across restarts as it counts the test steps';
 * - a job can be held at `before:<method>` (not yet counted, its work not
 *   started) or `after:<method>` (counted, its work done, the journal not yet
 *   told): the step announces the hold and waits until it is released. Unlike
 *   `BlockingSteps`, a hold is for one job, and the job moves on when released.
 */
import { SqlClient } from "@effect/sql"
import { Deferred, Effect } from "effect"
import type { PipelineData, PipelineStepsService } from "../../src/pipeline/index.js"

const keyOf = (job: PipelineData.JobKey) => `${job.partnerId}/${job.smileJobId}`

/** The holds set by commands; one waiting point per job and point. */
export class Holds {
  private readonly waiting = new Map<string, Deferred.Deferred<void>>()

  constructor(private readonly onHeld: (job: string, point: string) => void) {}

  /** From now on, `job` stops at `point` until {@link release}. */
  hold(job: string, point: string): Effect.Effect<void> {
    return Effect.map(Deferred.make<void>(), (gate) => {
      this.waiting.set(`${job} ${point}`, gate)
    })
  }

  /** Lets `job` go on from `point` (now, or at once when it gets there). */
  release(job: string, point: string): Effect.Effect<void> {
    const gate = this.waiting.get(`${job} ${point}`)
    if (gate === undefined) return Effect.void
    this.waiting.delete(`${job} ${point}`)
    return Effect.asVoid(Deferred.succeed(gate, undefined))
  }

  /** Waits at `point` if `job` is held there. */
  at(job: string, point: string): Effect.Effect<void> {
    const gate = this.waiting.get(`${job} ${point}`)
    if (gate === undefined) return Effect.void
    return Effect.sync(() => this.onHeld(job, point)).pipe(Effect.zipRight(Deferred.await(gate)))
  }
}

/** `steps`, counting every call in `sql`'s `test_step_runs` and stopping where `holds` say. */
export const observe = (steps: PipelineStepsService, sql: SqlClient.SqlClient, holds: Holds): PipelineStepsService => {
  const observed: Record<string, unknown> = {}
  for (const [name, method] of Object.entries(steps) as Array<[string, (...args: Array<unknown>) => Effect.Effect<unknown, unknown>]>) {
    observed[name] = (job: PipelineData.JobKey, ...rest: Array<unknown>) =>
      Effect.gen(function*() {
        const key = keyOf(job)
        yield* holds.at(key, `before:${name}`)
        yield* Effect.orDie(sql`INSERT INTO test_step_runs (job, step) VALUES (${key}, ${name})`)
        const result = yield* method(job, ...rest)
        yield* holds.at(key, `after:${name}`)
        return result
      })
  }
  return observed as unknown as PipelineStepsService
}
