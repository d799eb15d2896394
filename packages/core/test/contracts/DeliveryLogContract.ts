/**
 * The DeliveryLog contract, run by each adapter with its own layer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, type Layer } from "effect"
import { DeliveryLog, deliveryStateOf } from "@selfie-auth/core"
import type { DeliveryAttemptRecord, DeliveryFailure, Ids } from "@selfie-auth/core"
import { uniquePartnerId, uniqueSmileJobId } from "./fixtures.js"

const aJob = () => {
  const partnerId = uniquePartnerId()
  const smileJobId = uniqueSmileJobId()
  return { partnerId, smileJobId, deliveryId: `sa_${smileJobId}_machine` }
}

const attempt = (
  job: { readonly partnerId: Ids.PartnerId; readonly smileJobId: Ids.SmileJobId; readonly deliveryId: string },
  number: number,
  overrides: Partial<DeliveryAttemptRecord> = {}
): DeliveryAttemptRecord => ({
  ...job,
  attempt: number,
  trigger: "schedule",
  url: "https://partner.example/callback",
  attemptedAt: 1_000 * number,
  latencyMillis: 12,
  outcome: "rejected",
  status: 503,
  error: "the partner's endpoint answered 503; it must answer 2xx to accept",
  ...overrides
})

export const deliveryLogContract = (name: string, layer: Layer.Layer<DeliveryLog>) =>
  describe(`DeliveryLog contract (${name})`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, DeliveryLog>) =>
      it.effect(title, () => Effect.provide(body, layer))

    test(
      "records an attempt once per (delivery id, attempt number): a repeated record answers the first",
      Effect.gen(function*() {
        const log = yield* DeliveryLog
        const job = aJob()
        const first = attempt(job, 1)
        assert.deepStrictEqual(yield* log.recordAttempt(first), first)
        const rerun = attempt(job, 1, { attemptedAt: 9_999, outcome: "delivered", status: 200 })
        assert.deepStrictEqual(yield* log.recordAttempt(rerun), first)
        const [delivery] = yield* log.deliveriesOf(job.partnerId, job.smileJobId)
        assert.deepStrictEqual(delivery?.attempts, [first])
      })
    )

    test(
      "keeps absent status and error absent, and every field as recorded",
      Effect.gen(function*() {
        const log = yield* DeliveryLog
        const job = aJob()
        const { error: _error, status: _status, ...unanswered } = attempt(job, 1, { outcome: "unreachable" })
        const answered = attempt(job, 2, { outcome: "delivered", status: 204, latencyMillis: 0, trigger: "replay" })
        const { error: _none, ...delivered } = answered
        yield* log.recordAttempt(unanswered)
        yield* log.recordAttempt(delivered)
        const [delivery] = yield* log.deliveriesOf(job.partnerId, job.smileJobId)
        assert.deepStrictEqual(delivery?.attempts, [unanswered, delivered])
        assert.isFalse("status" in (delivery?.attempts[0] ?? {}))
        assert.isFalse("error" in (delivery?.attempts[1] ?? {}))
      })
    )

    test(
      "lists a job's deliveries in the order they started, attempts by number, and only the partner's own",
      Effect.gen(function*() {
        const log = yield* DeliveryLog
        const job = aJob()
        const review = { ...job, deliveryId: `sa_${job.smileJobId}_review` }
        yield* log.recordAttempt(attempt(review, 1, { attemptedAt: 50_000, outcome: "delivered", status: 200 }))
        yield* log.recordAttempt(attempt(job, 2))
        yield* log.recordAttempt(attempt(job, 1))
        const otherJob = aJob()
        yield* log.recordAttempt(attempt(otherJob, 1))
        const deliveries = yield* log.deliveriesOf(job.partnerId, job.smileJobId)
        assert.deepStrictEqual(
          deliveries.map((delivery) => [delivery.deliveryId, delivery.attempts.map((a) => a.attempt)]),
          [[job.deliveryId, [1, 2]], [review.deliveryId, [1]]]
        )
        assert.deepStrictEqual(yield* log.deliveriesOf(uniquePartnerId("intruder"), job.smileJobId), [])
        assert.deepStrictEqual(yield* log.deliveriesOf(job.partnerId, uniqueSmileJobId()), [])
      })
    )

    test(
      "lists many jobs' deliveries at once as it lists each job's, every job given a key, only the partner's own",
      Effect.gen(function*() {
        const log = yield* DeliveryLog
        const partnerId = uniquePartnerId()
        // More jobs than one read takes, some with deliveries (one failed), some with none.
        const jobs = Array.from({ length: 1_003 }, () => ({ ...aJob(), partnerId }))
        for (const [index, job] of jobs.entries()) {
          if (index % 3 === 0) continue
          yield* log.recordAttempt(attempt(job, 1))
          if (index % 3 === 2) yield* log.recordAttempt(attempt(job, 2, { outcome: "delivered", status: 200 }))
          if (index % 100 === 1) yield* log.recordFailure({ ...job, reason: "exhausted", detail: "8 attempts without a 2xx", attempts: 1, failedAt: 9_000 })
        }
        const stranger = { ...jobs[1]!, partnerId: uniquePartnerId("intruder") }
        yield* log.recordAttempt(attempt({ ...stranger, deliveryId: `sa_${stranger.smileJobId}_review` }, 1))
        const ids = jobs.map((job) => job.smileJobId)
        const many = yield* log.deliveriesOfJobs(partnerId, [...ids, uniqueSmileJobId()])
        assert.strictEqual(many.size, ids.length + 1)
        for (const job of jobs) assert.deepStrictEqual(many.get(job.smileJobId), yield* log.deliveriesOf(partnerId, job.smileJobId))
        assert.strictEqual(many.get(jobs[1]!.smileJobId)?.[0]?.failure?.reason, "exhausted")
        assert.deepStrictEqual((yield* log.deliveriesOfJobs(stranger.partnerId, [jobs[2]!.smileJobId])).get(jobs[2]!.smileJobId), [])
        assert.strictEqual((yield* log.deliveriesOfJobs(partnerId, [])).size, 0)
      })
    )

    test(
      "appends a replay after the delivery's highest attempt, and concurrent appends get distinct numbers",
      Effect.gen(function*() {
        const log = yield* DeliveryLog
        const job = aJob()
        const { attempt: _n, ...unnumbered } = attempt(job, 1, { trigger: "replay", outcome: "delivered", status: 200 })
        const fresh = aJob()
        assert.strictEqual((yield* log.appendAttempt({ ...unnumbered, ...fresh })).attempt, 1)
        yield* log.recordAttempt(attempt(job, 1))
        yield* log.recordAttempt(attempt(job, 3))
        const appended = yield* log.appendAttempt(unnumbered)
        assert.deepStrictEqual(appended, { ...unnumbered, attempt: 4 })
        const concurrent = yield* Effect.all(
          Array.from({ length: 5 }, () => log.appendAttempt(unnumbered)),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(concurrent.map((a) => a.attempt).sort((a, b) => a - b), [5, 6, 7, 8, 9])
        const [delivery] = yield* log.deliveriesOf(job.partnerId, job.smileJobId)
        assert.deepStrictEqual(delivery?.attempts.map((a) => a.attempt), [1, 3, 4, 5, 6, 7, 8, 9])
      })
    )

    test(
      "records a delivery's failure once; the delivery goes pending -> failed -> delivered by a replay",
      Effect.gen(function*() {
        const log = yield* DeliveryLog
        const job = aJob()
        yield* log.recordAttempt(attempt(job, 1))
        yield* log.recordAttempt(attempt(job, 2))
        const pending = yield* log.deliveriesOf(job.partnerId, job.smileJobId)
        assert.deepStrictEqual(pending.map(deliveryStateOf), ["pending"])

        const failure: DeliveryFailure = { ...job, reason: "exhausted", detail: "HTTP 503", attempts: 2, failedAt: 2_500 }
        assert.deepStrictEqual(yield* log.recordFailure(failure), failure)
        assert.deepStrictEqual(yield* log.recordFailure({ ...failure, reason: "stopped", failedAt: 7_000 }), failure)
        const failed = yield* log.deliveriesOf(job.partnerId, job.smileJobId)
        assert.deepStrictEqual(failed.map((delivery) => [deliveryStateOf(delivery), delivery.failure]), [["failed", failure]])

        const { attempt: _n, ...replay } = attempt(job, 1, { trigger: "replay", outcome: "delivered", status: 200, attemptedAt: 9_000 })
        yield* log.appendAttempt(replay)
        const delivered = yield* log.deliveriesOf(job.partnerId, job.smileJobId)
        assert.deepStrictEqual(delivered.map(deliveryStateOf), ["delivered"])
        assert.deepStrictEqual(delivered[0]?.failure, failure, "the failure stays on record")
      })
    )

    test(
      "lists a delivery that failed before any attempt (its partner was removed)",
      Effect.gen(function*() {
        const log = yield* DeliveryLog
        const job = aJob()
        const failure: DeliveryFailure = { ...job, reason: "stopped", detail: "partner no longer configured", attempts: 0, failedAt: 10 }
        yield* log.recordFailure(failure)
        assert.deepStrictEqual(yield* log.deliveriesOf(job.partnerId, job.smileJobId), [
          { deliveryId: job.deliveryId, attempts: [], failure }
        ])
      })
    )

    test(
      "refuses a record its schema refuses (attempt 0, a delivery id with spaces) as a defect",
      Effect.gen(function*() {
        const log = yield* DeliveryLog
        const job = aJob()
        for (const bad of [attempt(job, 0), attempt({ ...job, deliveryId: "not an id" }, 1)]) {
          const exit = yield* Effect.exit(log.recordAttempt(bad))
          assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
        }
        assert.deepStrictEqual(yield* log.deliveriesOf(job.partnerId, job.smileJobId), [])
      })
    )
  })
