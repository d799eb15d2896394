import { assert, describe, it } from "@effect/vitest"
import { DeliveryAttempt, RetrySchedule } from "@selfie-auth/adapter-callback"
import { DateTime, Duration, Either, Schema } from "effect"

const attempt = (number: number, outcome: DeliveryAttempt.Outcome) =>
  new DeliveryAttempt.DeliveryAttempt({
    deliveryId: "dlv_1",
    number,
    url: "https://partner.example/cb",
    startedAt: DateTime.unsafeMake(0),
    latencyMillis: 12,
    outcome
  })

const failed = (number: number) => attempt(number, new DeliveryAttempt.HttpError({ status: 503 }))

describe("RetrySchedule", () => {
  it("defaults to immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    assert.deepStrictEqual(
      RetrySchedule.standard.delays.map(Duration.toSeconds),
      [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
    )
    assert.strictEqual(RetrySchedule.attemptCount(RetrySchedule.standard), 8)
    assert.strictEqual(Duration.toSeconds(RetrySchedule.span(RetrySchedule.standard)), 99_305)
  })

  it("gives the delays still ahead after n attempts", () => {
    assert.deepStrictEqual(RetrySchedule.delaysAfterAttempt(RetrySchedule.standard, 2).map(Duration.toSeconds), [300, 1800, 7200, 18000, 36000, 36000])
    assert.deepStrictEqual(RetrySchedule.delaysAfterAttempt(RetrySchedule.standard, 8), [])
  })

  it("is configurable and refuses unusable delays", () => {
    const custom = Either.getOrThrow(RetrySchedule.make([0, "1 minute", Duration.hours(1)]))
    assert.deepStrictEqual(custom.delays.map(Duration.toSeconds), [0, 60, 3600])
    const empty = RetrySchedule.make([])
    assert.isTrue(Either.isLeft(empty) && empty.left.message.includes("at least one delay"))
    const infinite = RetrySchedule.make([0, Duration.infinity])
    assert.isTrue(Either.isLeft(infinite) && infinite.left.message.includes("delay 2"))
  })
})

describe("DeliveryAttempt.nextStep", () => {
  it("starts with the first attempt, then retries on the schedule", () => {
    const first = DeliveryAttempt.nextStep([])
    assert.isTrue(first._tag === "Attempt" && first.number === 1 && Duration.toMillis(first.after) === 0)
    const third = DeliveryAttempt.nextStep([failed(1), failed(2)])
    assert.isTrue(third._tag === "Attempt" && third.number === 3 && Duration.toSeconds(third.after) === 300)
  })

  it("retries timeouts and network errors, and every status but 2xx and 410", () => {
    for (const outcome of [
      new DeliveryAttempt.TimedOut({ afterMillis: 15000 }),
      new DeliveryAttempt.NetworkError({ code: "ECONNREFUSED", detail: "refused" }),
      new DeliveryAttempt.HttpError({ status: 400 }),
      new DeliveryAttempt.HttpError({ status: 301 }),
      new DeliveryAttempt.HttpError({ status: 429 })
    ]) {
      assert.strictEqual(DeliveryAttempt.nextStep([attempt(1, outcome)])._tag, "Attempt", outcome._tag)
    }
  })

  it("ends at 2xx, 410 or a refused URL, and is exhausted after the last attempt", () => {
    assert.strictEqual(DeliveryAttempt.nextStep([failed(1), attempt(2, new DeliveryAttempt.Delivered({ status: 202 }))])._tag, "Delivered")
    assert.strictEqual(DeliveryAttempt.nextStep([attempt(1, new DeliveryAttempt.Gone({ status: 410 }))])._tag, "Gone")
    assert.strictEqual(DeliveryAttempt.nextStep([attempt(1, new DeliveryAttempt.Refused({ reason: "Address", detail: "private" }))])._tag, "Refused")
    const eight = Array.from({ length: 8 }, (_, index) => failed(index + 1))
    const exhausted = DeliveryAttempt.nextStep(eight)
    assert.isTrue(exhausted._tag === "Exhausted" && exhausted.attemptsMade === 8 && exhausted.attempt?.number === 8)
    assert.strictEqual(DeliveryAttempt.nextStep(eight.slice(0, 7))._tag, "Attempt")
  })

  it("round-trips an attempt record through its schema (storable as JSON)", () => {
    const record = attempt(3, new DeliveryAttempt.TimedOut({ afterMillis: 15000 }))
    const encoded = Schema.encodeSync(DeliveryAttempt.DeliveryAttempt)(record)
    assert.deepStrictEqual(JSON.parse(JSON.stringify(encoded)), {
      deliveryId: "dlv_1",
      number: 3,
      url: "https://partner.example/cb",
      startedAt: "1970-01-01T00:00:00.000Z",
      latencyMillis: 12,
      outcome: { _tag: "TimedOut", afterMillis: 15000 }
    })
    const decoded = Schema.decodeUnknownSync(DeliveryAttempt.DeliveryAttempt)(encoded)
    assert.strictEqual(decoded.summary, "attempt 3: no answer within 15000 ms")
  })
})
