/**
 * The schedule of journal retention (`JournalRetention`), on a recording
 * `PipelineRetention` and the test clock. What a prune deletes is tested on
 * the real journal in `pipeline/JobPipeline.test.ts`, and the product's
 * wiring end to end in `Cli.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, TestClock } from "effect"
import * as JournalRetention from "../src/JournalRetention.js"
import { PipelineRetention } from "../src/pipeline/JobPipeline.js"

const day = 24 * 60 * 60 * 1000
const start = Date.UTC(2026, 10, 26, 12)

/** A `PipelineRetention` that records each cutoff it is asked for and answers `answer(n)` for the n-th call. */
const recording = (answer: (call: number) => Effect.Effect<number> = () => Effect.succeed(0)) => {
  const cutoffs: Array<number> = []
  const layer = Layer.succeed(PipelineRetention, {
    pruneEnded: ({ startedBefore }) => Effect.suspend(() => answer(cutoffs.push(startedBefore)))
  })
  return { cutoffs, layer }
}

/** Builds the retention layer for `retentionDays`, lets it run over `hours` of test time, and answers the cutoffs asked. */
const runFor = (
  retentionDays: number,
  hours: number,
  answer?: (call: number) => Effect.Effect<number>
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(start)
    const retention = recording(answer)
    yield* Effect.scoped(Effect.gen(function*() {
      yield* Layer.build(JournalRetention.layer({ retentionDays }).pipe(Layer.provide(retention.layer)))
      for (let hour = 0; hour < hours; hour++) yield* TestClock.adjust(Duration.hours(1))
    }))
    // The scope is closed: the background task is gone.
    yield* TestClock.adjust(Duration.hours(5))
    return retention.cutoffs
  })

describe("journal retention", () => {
  it.effect("prunes once at start and then every hour, with a cutoff of the retention before now", () =>
    Effect.gen(function*() {
      const cutoffs = yield* runFor(30, 3)
      assert.deepStrictEqual(cutoffs, [0, 1, 2, 3].map((hour) => start + hour * 3_600_000 - 30 * day))
    }))

  it.effect("keeps the journal forever with 0 days: nothing is pruned", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* runFor(0, 3), [])
    }))

  it.effect("a prune that fails is tried again at the next run instead of stopping the schedule", () =>
    Effect.gen(function*() {
      const cutoffs = yield* runFor(7, 2, (call) => call === 1 ? Effect.die(new Error("journal unreachable")) : Effect.succeed(2))
      assert.deepStrictEqual(cutoffs, [0, 1, 2].map((hour) => start + hour * 3_600_000 - 7 * day))
    }))

  it.effect("pruneOnce answers how many jobs it pruned", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const retention = recording(() => Effect.succeed(4))
      assert.strictEqual(yield* JournalRetention.pruneOnce(1).pipe(Effect.provide(retention.layer)), 4)
      assert.deepStrictEqual(retention.cutoffs, [start - day])
    }))
})
