/**
 * The pipeline's default timing agrees with the callback adapter's schedule
 * (issue 6), and every wait of that schedule is long enough to be persisted.
 */
import { assert, describe, it } from "@effect/vitest"
import { RetrySchedule } from "@selfie-auth/adapter-callback"
import { Duration } from "effect"
import { JobWorkflow } from "../../src/pipeline/index.js"

const millis = (delays: ReadonlyArray<Duration.DurationInput>) => delays.map((delay) => Duration.toMillis(Duration.decode(delay)))

describe("JobWorkflow timing", () => {
  it("the default callback waits are the standard delivery schedule after its immediate first attempt", () => {
    assert.deepStrictEqual(
      millis(JobWorkflow.defaultTiming.callbackRetryDelays),
      millis(JobWorkflow.callbackRetryDelaysOf(RetrySchedule.standard))
    )
    assert.deepStrictEqual(millis(JobWorkflow.defaultTiming.callbackRetryDelays), [
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000
    ])
  })

  it("every default wait is above the in-memory threshold, so a restart keeps its deadline", () => {
    const threshold = Duration.toMillis(Duration.decode(JobWorkflow.defaultTiming.inMemoryThreshold))
    for (const wait of millis([...JobWorkflow.defaultTiming.callbackRetryDelays, ...JobWorkflow.defaultTiming.stepRetryDelays])) {
      assert.isAbove(wait, threshold)
    }
  })
})
