/**
 * Wraps any {@link PipelineSteps} so that one step stops forever at a chosen
 * point, after announcing it: `before:<method>` (the step's work has not
 * started) or `after:<method>` (the work is done, the journal does not know
 * yet). With the real steps inside, this is how the crash tests pick the
 * moment of a SIGKILL.
 */
import { Effect } from "effect"
import type { PipelineStepsService } from "../../src/pipeline/index.js"

export const withBlocking = (
  steps: PipelineStepsService,
  point: string | undefined,
  onBlocked: (point: string) => void
): PipelineStepsService => {
  if (point === undefined) return steps
  const stop = (at: string) => Effect.sync(() => onBlocked(at)).pipe(Effect.zipRight(Effect.never))
  const wrapped: Record<string, unknown> = {}
  for (const [name, method] of Object.entries(steps) as Array<[string, (...args: Array<unknown>) => Effect.Effect<unknown, unknown>]>) {
    wrapped[name] = (...args: Array<unknown>) =>
      Effect.gen(function*() {
        if (point === `before:${name}`) yield* stop(point)
        const result = yield* method(...args)
        if (point === `after:${name}`) yield* stop(point)
        return result
      })
  }
  return wrapped as unknown as PipelineStepsService
}
