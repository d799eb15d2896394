import { assert, describe, it } from "@effect/vitest"
import { DeliveryLog, Ids, Job, JobStore, ResultCode } from "@selfie-auth/core"
import { Effect, Either, Layer, Ref, TestClock } from "effect"
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

const seed = (
  partnerId: Ids.PartnerId,
  smileJobId: string,
  events: ReadonlyArray<Job.JobEvent>,
  callbackUrl?: string
) =>
  Effect.gen(function*() {
    const store = yield* JobStore
    let job = yield* store.insert(Job.make({
      partnerId,
      smileJobId: Ids.SmileJobId.make(smileJobId),
      partnerParams: { userId: Ids.UserId.make("user-1"), jobId: Ids.JobId.make(`job-${smileJobId}`), jobType: 4, extras: {} },
      callbackUrl,
      at: 1_000
    }))
    for (const event of events) job = yield* store.update(Either.getOrThrow(Job.transition(job, event)))
  })

const uploaded = (at: number): Job.JobEvent => ({ _tag: "UploadAccepted", at })

/** A registration uploaded, processed and decided by the machine at `at` with `code`, as `decision` says. */
const decided = (
  at: number,
  code: "0840" | "0844",
  decision: { readonly confidence: number; readonly explanation: string; readonly review?: { readonly reason: string; readonly reviewing: ReadonlyArray<"Human_Review_Liveness_Check"> } }
): ReadonlyArray<Job.JobEvent> => {
  const row = ResultCode.rowOf(code)
  return [uploaded(at - 200), { _tag: "ProcessingStarted", at: at - 100 }, {
    _tag: "MachineDecided",
    at,
    decision: { resultCode: code, resultText: row.resultText, actions: {}, isFinal: row.isFinal, isMachineResult: true, ...decision }
  }]
}

/** A registration's machine decision that leaves it under review (0844, a possible spoof), decided at `at`. */
const unsure = (at: number) =>
  decided(at, "0844", {
    confidence: 60,
    explanation: "too little head movement across the liveness frames",
    review: { reason: "too little head movement across the liveness frames", reviewing: ["Human_Review_Liveness_Check"] }
  })

/** A registration's machine decision: approved (0840, final) at `at`. */
const approved = (at: number) => decided(at, "0840", { confidence: 95, explanation: "a clear, live, single face" })

/** A reviewer's approval (1240) at `at` of a job left under review by {@link unsure}. */
const reviewedApproved = (at: number): Job.JobEvent => {
  const row = ResultCode.rowOf("1240")
  return {
    _tag: "HumanReviewed",
    at,
    decision: {
      resultCode: "1240",
      resultText: row.resultText,
      actions: {},
      confidence: 100,
      isFinal: true,
      isMachineResult: false,
      explanation: "the reviewer saw a live person"
    }
  }
}

const hour = 60 * 60 * 1000
const callbackUrl = "https://partner.example/callbacks"

/** One attempt of a job's delivery, as the pipeline records it. */
const attempt = (smileJobId: string, deliveryId: string, outcome: "delivered" | "timeout", at: number) =>
  Effect.flatMap(DeliveryLog, (log) =>
    log.recordAttempt({
      partnerId: first,
      smileJobId: Ids.SmileJobId.make(smileJobId),
      deliveryId,
      attempt: 1,
      trigger: "schedule",
      url: callbackUrl,
      attemptedAt: at,
      latencyMillis: 12,
      outcome,
      ...(outcome === "delivered" ? { status: 200 } : { error: "no answer in time" })
    }))

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
    }).pipe(Effect.provide(Layer.merge(JobStore.layerMemory, DeliveryLog.layerMemory))))

  it.effect("runs when its layer is built, and starts nothing when no job waits", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make<ReadonlyArray<JobKey>>([])
      yield* Layer.build(UploadedJobsSweep.layer([first]).pipe(Layer.provide(recordingPipeline(started))))
      assert.deepStrictEqual(yield* Ref.get(started), [])
      yield* seed(first, "1000000009", [uploaded(2_000)])
      yield* Layer.build(UploadedJobsSweep.layer([first]).pipe(Layer.provide(recordingPipeline(started))))
      assert.deepStrictEqual((yield* Ref.get(started)).map((job) => job.smileJobId), ["1000000009"])
    }).pipe(Effect.scoped, Effect.provide(Layer.merge(JobStore.layerMemory, DeliveryLog.layerMemory))))

  it.effect("starts the jobs decided within the window whose latest result's callback is neither delivered nor failed, a page at a time", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make<ReadonlyArray<JobKey>>([])
      const now = 100 * hour
      yield* TestClock.setTime(now)
      const log = yield* DeliveryLog
      // Started: decided, a callback URL, no delivery recorded.
      yield* seed(first, "4000000001", approved(now - 2 * hour), callbackUrl)
      // Started: a failed job (0001) whose callback never went out.
      yield* seed(first, "4000000002", [uploaded(now - 3 * hour), {
        _tag: "Failed",
        at: now - 3 * hour + 10,
        resultText: "Data Invalid - Unable to extract zip file",
        explanation: "not a zip"
      }], callbackUrl)
      // Started: its attempts so far failed, and neither a success nor a failure is recorded.
      yield* seed(first, "4000000003", approved(now - 1 * hour), callbackUrl)
      yield* attempt("4000000003", "sa_4000000003_machine", "timeout", now - 1 * hour + 5)
      // Started: reviewed; the machine result's callback was delivered, the reviewer's was not.
      yield* seed(first, "4000000004", [...unsure(now - 30 * hour), reviewedApproved(now - 4 * hour)], callbackUrl)
      yield* attempt("4000000004", "sa_4000000004_machine", "delivered", now - 30 * hour + 5)
      // Not started: delivered.
      yield* seed(first, "4000000011", approved(now - 2 * hour), callbackUrl)
      yield* attempt("4000000011", "sa_4000000011_machine", "delivered", now - 2 * hour + 5)
      // Not started: its delivery is recorded as failed.
      yield* seed(first, "4000000012", approved(now - 2 * hour), callbackUrl)
      yield* attempt("4000000012", "sa_4000000012_machine", "timeout", now - 2 * hour + 5)
      yield* log.recordFailure({
        partnerId: first,
        smileJobId: Ids.SmileJobId.make("4000000012"),
        deliveryId: "sa_4000000012_machine",
        reason: "stopped",
        detail: "the partner answered 410",
        attempts: 1,
        failedAt: now - 2 * hour + 10
      })
      // Not started: no callback URL.
      yield* seed(first, "4000000013", approved(now - 2 * hour))
      // Not started: decided before the window.
      yield* seed(first, "4000000014", approved(now - 25 * hour), callbackUrl)
      // Not started: reviewed and its reviewer's result delivered.
      yield* seed(first, "4000000015", [...unsure(now - 5 * hour), reviewedApproved(now - 4 * hour)], callbackUrl)
      yield* attempt("4000000015", "sa_4000000015_review", "delivered", now - 4 * hour + 5)
      // Started once, as a job under review, though its provisional result was decided within the window.
      yield* seed(first, "4000000016", unsure(now - 6 * hour), callbackUrl)

      const count = yield* UploadedJobsSweep.sweep([first]).pipe(Effect.provide(recordingPipeline(started)))
      assert.deepStrictEqual((yield* Ref.get(started)).map((job) => job.smileJobId), [
        "4000000016",
        "4000000004",
        "4000000002",
        "4000000001",
        "4000000003"
      ])
      assert.strictEqual(count, 5)

      // Reading the decided jobs a page at a time starts the same jobs in the same order, whatever the page
      // size, pages holding only jobs that need nothing included.
      for (const pageSize of [1, 2, 3]) {
        yield* Ref.set(started, [])
        yield* UploadedJobsSweep.sweep([first], UploadedJobsSweep.recentResultsWindowMillis, pageSize).pipe(
          Effect.provide(recordingPipeline(started))
        )
        assert.deepStrictEqual(
          (yield* Ref.get(started)).map((job) => job.smileJobId),
          ["4000000016", "4000000004", "4000000002", "4000000001", "4000000003"],
          `pages of ${pageSize}`
        )
      }

      // A narrower window leaves out what was decided before it.
      yield* Ref.set(started, [])
      yield* UploadedJobsSweep.sweep([first], 90 * 60 * 1000).pipe(Effect.provide(recordingPipeline(started)))
      assert.deepStrictEqual((yield* Ref.get(started)).map((job) => job.smileJobId), ["4000000016", "4000000003"])
    }).pipe(Effect.provide(Layer.merge(JobStore.layerMemory, DeliveryLog.layerMemory))))
})
