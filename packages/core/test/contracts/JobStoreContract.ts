/**
 * The JobStore contract: what every adapter must do, run by each adapter's
 * test file with its own layer (`jobStoreContract("memory", JobStore.layerMemory)`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Option, type Layer } from "effect"
import { decidedCursor, GeneralError, Ids, Job, JobStore, latestResultAt, ResultCode, type DecidedCursor, type Decision } from "@selfie-auth/core"
import { newJob, uniquePartnerId } from "./fixtures.js"

const machine = (code: ResultCode.JobResultCode, review?: string): Decision.Decision => {
  const row = ResultCode.rowOf(code)
  return {
    resultCode: code,
    resultText: row.resultText,
    actions: row.isFinal ? { Selfie_Provided: "Passed", Selfie_To_Registered_Selfie_Compare: code === "0820" ? "Completed" : "Failed" } : {
      Selfie_Provided: "Passed",
      Selfie_To_Registered_Selfie_Compare: "Under Review",
      Human_Review_Compare: "Under Review"
    },
    confidence: 61.5,
    isFinal: row.isFinal,
    isMachineResult: true,
    ...(review === undefined ? {} : { review: { reason: review, reviewing: ["Human_Review_Compare"] } }),
    explanation: `contract decision ${code}`
  }
}

const step = (job: Job.Job, event: Job.JobEvent): Job.Job => Either.getOrThrow(Job.transition(job, event))
const toProcessing = (job: Job.Job, at = 2_000): Job.Job =>
  step(step(job, { _tag: "UploadAccepted", at }), { _tag: "ProcessingStarted", at: at + 1 })

export const jobStoreContract = (name: string, layer: Layer.Layer<JobStore>) =>
  describe(`JobStore contract (${name})`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, JobStore>) =>
      it.effect(title, () => Effect.provide(body, layer))

    test(
      "inserts a job at version 1 and finds it by job_id and by Smile job id, byte for byte",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const job = newJob({ partnerId, callbackUrl: "https://partner.example/cb?x=1&y=ü" })
        const stored = yield* store.insert(job)
        assert.deepStrictEqual(stored, { ...job, version: 1 })
        assert.deepStrictEqual(yield* store.findByJobId(partnerId, job.partnerParams.jobId), Option.some(stored))
        assert.deepStrictEqual(yield* store.findBySmileJobId(partnerId, job.smileJobId), Option.some(stored))
        const withoutCallback = newJob({ partnerId, jobId: "job-2" })
        assert.isFalse("callbackUrl" in (yield* store.insert(withoutCallback)))
        assert.isTrue(Option.isNone(yield* store.findByJobId(partnerId, Ids.JobId.make("job-3"))))
      })
    )

    test(
      "refuses a reused job_id with 2215, naming the job id, and keeps the first job",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const first = yield* store.insert(newJob({ partnerId, jobId: "dup" }))
        const error = yield* Effect.flip(store.insert(newJob({ partnerId, jobId: "dup", userId: "someone-else" })))
        if (error._tag !== "JobAlreadyExists") return assert.fail(`expected JobAlreadyExists, got ${error._tag}`)
        assert.strictEqual(GeneralError.toErrorBody(error).code, "2215")
        assert.include(error.detail, `job_id "dup"`)
        assert.deepStrictEqual(yield* store.findByJobId(partnerId, Ids.JobId.make("dup")), Option.some(first))
      })
    )

    test(
      "lets exactly one of concurrent inserts of one job_id win",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const outcomes = yield* Effect.all(
          Array.from({ length: 6 }, () => Effect.either(store.insert(newJob({ partnerId, jobId: "race" })))),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(outcomes.filter(Either.isRight).length, 1)
        for (const lost of outcomes.filter(Either.isLeft)) assert.strictEqual(lost.left._tag, "JobAlreadyExists")
      })
    )

    test(
      "refuses a Smile job id already taken, even by another partner",
      Effect.gen(function*() {
        const store = yield* JobStore
        const first = yield* store.insert(newJob({ partnerId: uniquePartnerId() }))
        const error = yield* Effect.flip(store.insert(newJob({ partnerId: uniquePartnerId(), smileJobId: first.smileJobId })))
        assert.strictEqual(error._tag, "SmileJobIdInUse")
      })
    )

    test(
      "keeps partners apart: same job_id allowed, lookups and updates never cross",
      Effect.gen(function*() {
        const store = yield* JobStore
        const [a, b] = [uniquePartnerId("a"), uniquePartnerId("b")]
        const ofA = yield* store.insert(newJob({ partnerId: a, jobId: "shared" }))
        const ofB = yield* store.insert(newJob({ partnerId: b, jobId: "shared" }))
        assert.deepStrictEqual(yield* store.findByJobId(b, ofA.partnerParams.jobId), Option.some(ofB))
        assert.isTrue(Option.isNone(yield* store.findBySmileJobId(b, ofA.smileJobId)))
        const hijack = yield* Effect.flip(store.update({ ...step(ofA, { _tag: "UploadAccepted", at: 5 }), partnerId: b }))
        assert.strictEqual(hijack._tag, "JobNotFound")
        assert.deepStrictEqual(yield* store.findBySmileJobId(a, ofA.smileJobId), Option.some(ofA))
        assert.deepStrictEqual((yield* store.listByUser(b, ofA.partnerParams.userId)).map((j) => j.smileJobId), [ofB.smileJobId])
      })
    )

    test(
      "updates with compare-and-set: the write from a stale read fails and leaves no trace",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const inserted = yield* store.insert(newJob({ partnerId }))
        const uploaded = yield* store.update(step(inserted, { _tag: "UploadAccepted", at: 2_000 }))
        assert.strictEqual(uploaded.version, 2)
        assert.strictEqual(uploaded.state, "Uploaded")
        const stale = yield* Effect.flip(store.update(step(inserted, { _tag: "UploadAccepted", at: 2_500 })))
        assert.strictEqual(stale._tag, "StaleJob")
        if (stale._tag === "StaleJob") assert.deepStrictEqual([stale.expectedVersion, stale.actualVersion], [1, 2])
        assert.strictEqual(Option.getOrThrow(yield* store.findBySmileJobId(partnerId, inserted.smileJobId)).timeline.uploadedAt, 2_000)
      })
    )

    test(
      "writes a machine decision exactly once when two runners decide the same job",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const inserted = yield* store.insert(newJob({ partnerId }))
        const processing = yield* store.update(toProcessing(inserted))
        const outcomes = yield* Effect.all(
          (["0820", "0821", "0820", "0821"] as const).map((code, i) =>
            Effect.either(store.update(step(processing, { _tag: "MachineDecided", at: 3_000 + i, decision: machine(code) })))
          ),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(outcomes.filter(Either.isRight).length, 1)
        const stored = Option.getOrThrow(yield* store.findBySmileJobId(partnerId, inserted.smileJobId))
        assert.strictEqual(stored.results.length, 1)
        // The loser re-reads and finds the decision already made.
        const retry = Job.transition(stored, { _tag: "MachineDecided", at: 9_000, decision: machine("0820") })
        assert.isTrue(Either.isLeft(retry))
      })
    )

    test(
      "stores results, review reason and timeline exactly, through review to completion",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const inserted = yield* store.insert(newJob({ partnerId }))
        const review = yield* store.update(
          step(toProcessing(inserted), { _tag: "MachineDecided", at: 3_000, decision: machine("0825", "distance 0.57 ≥ 0.55") })
        )
        assert.deepStrictEqual(Option.getOrThrow(yield* store.findBySmileJobId(partnerId, inserted.smileJobId)), review)
        assert.strictEqual(review.reviewReason, "distance 0.57 ≥ 0.55")
        const human: Decision.Decision = {
          ...machine("0825"),
          resultCode: "1220",
          resultText: ResultCode.rowOf("1220").resultText,
          actions: { Selfie_Provided: "Passed", Selfie_To_Registered_Selfie_Compare: "Completed", Human_Review_Compare: "Passed" },
          isFinal: true,
          isMachineResult: false
        }
        const done = yield* store.update(step(review, { _tag: "HumanReviewed", at: 4_000, decision: human }))
        assert.deepStrictEqual(Option.getOrThrow(yield* store.findByJobId(partnerId, inserted.partnerParams.jobId)), done)
        assert.deepStrictEqual(done.results.map((r) => r.resultCode), ["0825", "1220"])
      })
    )

    test(
      "fails an update of a job that was never inserted",
      Effect.gen(function*() {
        const store = yield* JobStore
        const error = yield* Effect.flip(store.update({ ...newJob({ partnerId: uniquePartnerId() }), version: 1 }))
        assert.strictEqual(error._tag, "JobNotFound")
      })
    )

    test(
      "lists a user's jobs oldest first, and a partner's jobs under review longest waiting first",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const late = yield* store.insert(newJob({ partnerId, jobId: "late", at: 5_000 }))
        const early = yield* store.insert(newJob({ partnerId, jobId: "early", at: 1_000 }))
        yield* store.insert(newJob({ partnerId, jobId: "other-user", userId: "user-2", at: 500 }))
        assert.deepStrictEqual((yield* store.listByUser(partnerId, early.partnerParams.userId)).map((j) => j.partnerParams.jobId), ["early", "late"])

        const decide = (job: Job.Job, at: number, code: ResultCode.JobResultCode) =>
          store.update(step(toProcessing(job, at - 10), { _tag: "MachineDecided", at, decision: machine(code, "unsure") }))
        yield* decide(late, 6_000, "0825")
        yield* decide(early, 7_000, "0825")
        const final = yield* store.insert(newJob({ partnerId, jobId: "final" }))
        yield* decide(final, 8_000, "0820")
        yield* store.insert(newJob({ partnerId: uniquePartnerId(), jobId: "late" })).pipe(
          Effect.flatMap((other) => decide(other, 6_500, "0825"))
        )
        assert.deepStrictEqual((yield* store.listUnderReview(partnerId)).map((j) => j.partnerParams.jobId), ["late", "early"])
      })
    )

    test(
      "lists a partner's jobs in flight (uploaded or processing, no result yet), earliest upload first, and only those",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const upload = (jobId: string, at: number) =>
          Effect.flatMap(store.insert(newJob({ partnerId, jobId })), (job) => store.update(step(job, { _tag: "UploadAccepted", at })))
        const second = yield* upload("second", 4_000)
        const first = yield* upload("first", 3_000)
        yield* store.insert(newJob({ partnerId, jobId: "never-uploaded" }))
        const started = yield* upload("started", 2_000)
        const processing = yield* store.update(step(started, { _tag: "ProcessingStarted", at: 2_001 }))
        const failed = yield* upload("failed", 2_500)
        yield* store.update(step(failed, { _tag: "Failed", at: 2_600, resultText: "Data Invalid - Unable to extract zip file", explanation: "not a zip" }))
        yield* store.insert(newJob({ partnerId: uniquePartnerId(), jobId: "other-partner" })).pipe(
          Effect.flatMap((job) => store.update(step(job, { _tag: "UploadAccepted", at: 1_000 })))
        )
        const listed = yield* store.listInFlight(partnerId)
        assert.deepStrictEqual(listed, [processing, first, second])
        assert.deepStrictEqual(yield* store.listInFlight(uniquePartnerId()), [])
      })
    )

    test(
      "lists a partner's jobs whose latest result was stored at or after an instant, whatever their state, oldest result first",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        const processing = (jobId: string, at: number) =>
          Effect.flatMap(store.insert(newJob({ partnerId, jobId })), (job) => store.update(toProcessing(job, at)))
        const decided = (jobId: string, at: number, code: ResultCode.JobResultCode) =>
          Effect.flatMap(processing(jobId, at - 10), (job) =>
            store.update(step(job, { _tag: "MachineDecided", at, decision: machine(code, "unsure") })))

        yield* decided("machine-before", 9_999, "0820")
        const machineAt = yield* decided("machine-at", 10_000, "0820")
        const machineAfter = yield* decided("machine-after", 12_000, "0820")
        const underReview = yield* decided("under-review", 11_000, "0825")
        // Machine-decided before the instant, reviewed after it: listed by its review.
        const reviewedLate = yield* Effect.flatMap(decided("reviewed-late", 5_000, "0825"), (job) =>
          store.update(step(job, {
            _tag: "HumanReviewed",
            at: 15_000,
            decision: { ...machine("1220"), isMachineResult: false, explanation: "reviewer approved" }
          })))
        const reviewedEarly = yield* Effect.flatMap(decided("reviewed-early", 5_000, "0825"), (job) =>
          store.update(step(job, {
            _tag: "HumanReviewed",
            at: 6_000,
            decision: { ...machine("1220"), isMachineResult: false, explanation: "reviewer approved" }
          })))
        const failed = yield* Effect.flatMap(processing("failed", 12_990), (job) =>
          store.update(step(job, { _tag: "Failed", at: 13_000, resultText: "System Error", explanation: "engine down" })))
        yield* Effect.flatMap(processing("failed-before", 2_990), (job) =>
          store.update(step(job, { _tag: "Failed", at: 3_000, resultText: "Data Invalid", explanation: "no info.json" })))
        yield* processing("still-processing", 20_000)
        yield* store.insert(newJob({ partnerId, jobId: "never-uploaded", at: 30_000 }))
        yield* store.insert(newJob({ partnerId: uniquePartnerId(), jobId: "machine-after" })).pipe(
          Effect.flatMap((job) => store.update(toProcessing(job, 11_990))),
          Effect.flatMap((job) => store.update(step(job, { _tag: "MachineDecided", at: 12_000, decision: machine("0820") })))
        )

        const listed = yield* store.listDecidedSince(partnerId, 10_000)
        assert.deepStrictEqual(listed, [machineAt, underReview, machineAfter, failed, reviewedLate])
        assert.deepStrictEqual(listed.map(latestResultAt), [10_000, 11_000, 12_000, 13_000, 15_000])
        assert.deepStrictEqual((yield* store.listDecidedSince(partnerId, 15_001)), [])
        assert.deepStrictEqual(
          (yield* store.listDecidedSince(partnerId, 6_000)).map((job) => job.partnerParams.jobId),
          ["reviewed-early", "machine-before", "machine-at", "under-review", "machine-after", "failed", "reviewed-late"]
        )
        assert.strictEqual(reviewedEarly.state, "Completed")
        assert.deepStrictEqual(yield* store.listDecidedSince(uniquePartnerId(), 0), [])
      })
    )

    test(
      "reads the decided jobs a page at a time: the pages, walked by their cursors, are the whole list in its order",
      Effect.gen(function*() {
        const store = yield* JobStore
        const partnerId = uniquePartnerId()
        // Seven results, three of them stored in the same millisecond: the Smile job id breaks those ties.
        const resultTimes = [4_000, 2_000, 3_000, 3_000, 1_000, 3_000, 5_000]
        for (const [index, at] of resultTimes.entries()) {
          const job = yield* store.insert(newJob({ partnerId, jobId: `paged-${index}` }))
          const processing = yield* store.update(toProcessing(job, at - 10))
          yield* store.update(step(processing, { _tag: "MachineDecided", at, decision: machine("0820") }))
        }
        const whole = yield* store.listDecidedSince(partnerId, 2_000)
        assert.strictEqual(whole.length, 6)

        for (const limit of [1, 2, 4, 6, 10]) {
          const walked: Array<Job.Job> = []
          let after: DecidedCursor | undefined
          for (;;) {
            const page = yield* store.listDecidedSince(partnerId, 2_000, { after, limit })
            assert.isAtMost(page.length, limit)
            walked.push(...page)
            const last = page.at(-1)
            if (page.length < limit || last === undefined) break
            after = decidedCursor(last)
          }
          assert.deepStrictEqual(walked, whole, `pages of ${limit}`)
        }

        // The cursor is exclusive, also between jobs whose results share a millisecond.
        const tied = whole.slice(1, 4)
        assert.deepStrictEqual(tied.map(latestResultAt), [3_000, 3_000, 3_000])
        const afterTiedFirst = yield* store.listDecidedSince(partnerId, 2_000, {
          after: tied[0] && decidedCursor(tied[0]),
          limit: 2
        })
        assert.deepStrictEqual(afterTiedFirst, tied.slice(1))
        // `since` still bounds a page.
        const lateCursor = { latestResultAt: 0, smileJobId: Ids.SmileJobId.make("0000000000") }
        assert.deepStrictEqual(
          (yield* store.listDecidedSince(partnerId, 4_000, { after: lateCursor, limit: 10 })).map(latestResultAt),
          [4_000, 5_000]
        )
      })
    )
  })
