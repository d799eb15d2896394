import { assert, describe, it } from "@effect/vitest"
import { Job } from "@selfie-auth/core"
import { Arbitrary, FastCheck } from "effect"

describe("Job.decisionOf", () => {
  it("gives back every field of the decision a stored result was made from, and nothing else", () => {
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(Job.JobResult), (result) => {
        const decision = Job.decisionOf(result)
        const { decidedAt: _decidedAt, ...rest } = result
        assert.deepStrictEqual(decision, rest)
      }),
      { numRuns: 200 }
    )
  })
})
