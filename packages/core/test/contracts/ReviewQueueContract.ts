/**
 * The ReviewQueue contract, run by each adapter with its own layer. Time
 * comes from `Clock`; the suite moves it with `TestClock`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, TestClock, type Layer } from "effect"
import { Ids, ReviewQueue } from "@selfie-auth/core"
import { uniquePartnerId, uniqueSmileJobId } from "./fixtures.js"

const item = (partnerId: Ids.PartnerId, smileJobId = uniqueSmileJobId(), reason = "distance 0.57 in the unsure band") => ({
  partnerId,
  smileJobId,
  jobId: Ids.JobId.make(`job-${smileJobId}`),
  userId: Ids.UserId.make("user-1"),
  jobType: 2 as const,
  reason
})

export const reviewQueueContract = (name: string, layer: Layer.Layer<ReviewQueue>) =>
  describe(`ReviewQueue contract (${name})`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, ReviewQueue>) =>
      it.effect(title, () => Effect.provide(body, layer))

    test(
      "lists a partner's pending reviews longest waiting first, with their age from the clock",
      Effect.gen(function*() {
        const queue = yield* ReviewQueue
        const partnerId = uniquePartnerId()
        yield* TestClock.adjust(1_000)
        const first = yield* queue.enqueue(item(partnerId, uniqueSmileJobId(), "first"))
        assert.strictEqual(first.enqueuedAt, 1_000)
        yield* TestClock.adjust(500)
        yield* queue.enqueue(item(partnerId, uniqueSmileJobId(), "second"))
        yield* queue.enqueue(item(uniquePartnerId(), uniqueSmileJobId(), "another partner's"))
        yield* TestClock.adjust(250)
        assert.deepStrictEqual(
          (yield* queue.pending(partnerId)).map((p) => [p.reason, p.ageMillis]),
          [["first", 750], ["second", 250]]
        )
      })
    )

    test(
      "enqueues a job once however often it is enqueued",
      Effect.gen(function*() {
        const queue = yield* ReviewQueue
        const partnerId = uniquePartnerId()
        const entry = item(partnerId)
        const first = yield* queue.enqueue(entry)
        yield* TestClock.adjust(60_000)
        const again = yield* queue.enqueue({ ...entry, reason: "a retried activity" })
        assert.deepStrictEqual(again, first)
        assert.strictEqual((yield* queue.pending(partnerId)).length, 1)
      })
    )

    test(
      "settles a review once, with the verdict, the reviewer and the time, and removes it",
      Effect.gen(function*() {
        const queue = yield* ReviewQueue
        const partnerId = uniquePartnerId()
        const entry = yield* queue.enqueue(item(partnerId))
        yield* TestClock.adjust(90_000)
        const settled = yield* queue.settle({ partnerId, smileJobId: entry.smileJobId, verdict: "same_person", reviewer: "reviewer@ops" })
        assert.deepStrictEqual(settled, { ...entry, verdict: "same_person", reviewer: "reviewer@ops", settledAt: entry.enqueuedAt + 90_000 })
        assert.deepStrictEqual(yield* queue.pending(partnerId), [])
        const twice = yield* Effect.flip(queue.settle({ partnerId, smileJobId: entry.smileJobId, verdict: "spoof", reviewer: "other" }))
        assert.strictEqual(twice._tag, "ReviewNotPending")
        assert.include(twice.message, entry.smileJobId)
      })
    )

    test(
      "lets exactly one of concurrent verdicts on a job win",
      Effect.gen(function*() {
        const queue = yield* ReviewQueue
        const partnerId = uniquePartnerId()
        const entry = yield* queue.enqueue(item(partnerId))
        const outcomes = yield* Effect.all(
          (["same_person", "different_person", "spoof", "unusable"] as const).map((verdict) =>
            Effect.either(queue.settle({ partnerId, smileJobId: entry.smileJobId, verdict, reviewer: verdict }))
          ),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(outcomes.filter(Either.isRight).length, 1)
      })
    )

    test(
      "keeps partners apart: another partner can neither list nor settle a job",
      Effect.gen(function*() {
        const queue = yield* ReviewQueue
        const [owner, intruder] = [uniquePartnerId("owner"), uniquePartnerId("intruder")]
        const entry = yield* queue.enqueue(item(owner))
        assert.deepStrictEqual(yield* queue.pending(intruder), [])
        const error = yield* Effect.flip(queue.settle({ partnerId: intruder, smileJobId: entry.smileJobId, verdict: "spoof", reviewer: "x" }))
        assert.strictEqual(error._tag, "ReviewNotPending")
        assert.strictEqual((yield* queue.pending(owner)).length, 1)
      })
    )
  })
