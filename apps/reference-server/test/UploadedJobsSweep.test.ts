import { assert, describe, it } from "@effect/vitest"
import { Ids, Job, JobStore, ResultCode } from "@selfie-auth/core"
import { Effect, Either, Layer, Ref } from "effect"
import { JobPipeline } from "../src/pipeline/JobPipeline.js"
import type { JobKey } from "../src/pipeline/PipelineData.js"
import * as UploadedJobsSweep from "../src/UploadedJobsSweep.js"

const [first, second, absent] = [Ids.PartnerId.make("001"), Ids.PartnerId.make("002"), Ids.PartnerId.make("gone")]

/** A pipeline that records what it was asked to start. */
const recordingPipeline = (started: Ref.Ref<ReadonlyArray<JobKey>>) =>
  Layer.succeed(JobPipeline, JobPipeline.of({
    start: (job) => Ref.update(started, (all) => [...all, job]),
    completeReview: () => Effect.dieMessage("not under test"),
    status: () => Effect.succeed({ _tag: "NotStarted" })
  }))

const seed = (partnerId: Ids.PartnerId, smileJobId: string, events: ReadonlyArray<Job.JobEvent>) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    let job = yield* store.insert(Job.make({
      partnerId,
      smileJobId: Ids.SmileJobId.make(smileJobId),
      partnerParams: { userId: Ids.UserId.make("user-1"), jobId: Ids.JobId.make(`job-${smileJobId}`), jobType: 4, extras: {} },
      callbackUrl: undefined,
      at: 1_000
    }))
    for (const event of events) job = yield* store.update(Either.getOrThrow(Job.transition(job, event)))
  })

const uploaded = (at: number): Job.JobEvent => ({ _tag: "UploadAccepted", at })

/** A registration's machine decision that leaves it under review (0844, a possible spoof), decided at `at`. */
const unsure = (at: number): ReadonlyArray<Job.JobEvent> => {
  const row = ResultCode.rowOf("0844")
  return [uploaded(at - 200), { _tag: "ProcessingStarted", at: at - 100 }, {
    _tag: "MachineDecided",
    at,
    decision: {
      resultCode: "0844",
      resultText: row.resultText,
      actions: {},
      confidence: 60,
      isFinal: row.isFinal,
      isMachineResult: true,
      explanation: "too little head movement across the liveness frames",
      review: { reason: "too little head movement across the liveness frames", reviewing: ["Human_Review_Liveness_Check"] }
    }
  }]
}

describe("UploadedJobsSweep", () => {
  it.effect("starts every configured partner's jobs in flight (uploaded or processing), oldest upload first, then those under review", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make<ReadonlyArray<JobKey>>([])
      yield* seed(first, "1000000002", [uploaded(3_000)])
      yield* seed(first, "1000000001", [uploaded(2_000)])
      yield* seed(first, "1000000003", [])
      yield* seed(first, "1000000004", [uploaded(1_500), { _tag: "ProcessingStarted", at: 1_600 }])
      yield* seed(first, "1000000005", [uploaded(1_000), {
        _tag: "Failed",
        at: 1_100,
        resultText: "Data Invalid - Unable to extract zip file",
        explanation: "not a zip"
      }])
      yield* seed(first, "1000000006", unsure(5_000))
      yield* seed(first, "1000000007", unsure(4_000))
      yield* seed(second, "2000000001", [uploaded(2_500)])
      yield* seed(absent, "3000000001", [uploaded(2_500)])
      yield* seed(absent, "3000000002", unsure(4_000))

      const count = yield* UploadedJobsSweep.sweep([first, second]).pipe(Effect.provide(recordingPipeline(started)))
      assert.strictEqual(count, 6)
      assert.deepStrictEqual(yield* Ref.get(started), [
        { partnerId: first, smileJobId: Ids.SmileJobId.make("1000000004") },
        { partnerId: first, smileJobId: Ids.SmileJobId.make("1000000001") },
        { partnerId: first, smileJobId: Ids.SmileJobId.make("1000000002") },
        { partnerId: first, smileJobId: Ids.SmileJobId.make("1000000007") },
        { partnerId: first, smileJobId: Ids.SmileJobId.make("1000000006") },
        { partnerId: second, smileJobId: Ids.SmileJobId.make("2000000001") }
      ])
    }).pipe(Effect.provide(JobStore.layerMemory)))

  it.effect("runs when its layer is built, and starts nothing when no job waits", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make<ReadonlyArray<JobKey>>([])
      yield* Layer.build(UploadedJobsSweep.layer([first]).pipe(Layer.provide(recordingPipeline(started))))
      assert.deepStrictEqual(yield* Ref.get(started), [])
      yield* seed(first, "1000000009", [uploaded(2_000)])
      yield* Layer.build(UploadedJobsSweep.layer([first]).pipe(Layer.provide(recordingPipeline(started))))
      assert.deepStrictEqual((yield* Ref.get(started)).map((job) => job.smileJobId), ["1000000009"])
    }).pipe(Effect.scoped, Effect.provide(JobStore.layerMemory)))
})
