/**
 * When callback attempts happen, as data: the delay before each attempt,
 * counted from the end of the previous one. The default is the Standard
 * Webhooks schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
 * 10 h, eight attempts over about 27.6 hours.
 *
 * Being data, the schedule works both in-process (`CallbackDelivery.deliver`
 * sleeps on `Effect.sleep`) and in a durable workflow (each delay a
 * `DurableClock.sleep`, each attempt an activity), and a job's record can say
 * when the next attempt is due.
 *
 * @example
 * import { RetrySchedule } from "@selfie-auth/adapter-callback"
 * RetrySchedule.delaysAfterAttempt(RetrySchedule.standard, 2) // [5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours, 10 hours]
 */
import { Duration, Either, Schema } from "effect"

/** The delay before each attempt; `delays[0]` is the wait before the first one. */
export interface RetrySchedule {
  readonly delays: ReadonlyArray<Duration.Duration>
}

/** A schedule that cannot be used, with what to change. */
export class InvalidRetrySchedule extends Schema.TaggedError<InvalidRetrySchedule>()("InvalidRetrySchedule", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/**
 * A schedule from its delays (at least one; each finite and not negative).
 * Delays are `Duration` inputs: `0`, `"5 seconds"`, `Duration.hours(2)`.
 */
export const make = (delays: ReadonlyArray<Duration.DurationInput>): Either.Either<RetrySchedule, InvalidRetrySchedule> => {
  if (delays.length === 0) {
    return Either.left(new InvalidRetrySchedule({ detail: "a retry schedule needs at least one delay (0 for a single immediate attempt)" }))
  }
  const decoded: Array<Duration.Duration> = []
  for (const [index, input] of delays.entries()) {
    const duration = Duration.decodeUnknown(input)
    if (duration._tag === "None" || !Duration.isFinite(duration.value)) {
      return Either.left(new InvalidRetrySchedule({
        detail: `delay ${index + 1} of the retry schedule (${String(input)}) is not a finite duration; write e.g. "5 minutes"`
      }))
    }
    decoded.push(duration.value)
  }
  return Either.right({ delays: decoded })
}

/** Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (Standard Webhooks). */
export const standard: RetrySchedule = {
  delays: [
    Duration.zero,
    Duration.seconds(5),
    Duration.minutes(5),
    Duration.minutes(30),
    Duration.hours(2),
    Duration.hours(5),
    Duration.hours(10),
    Duration.hours(10)
  ]
}

/** How many attempts the schedule makes in all. */
export const attemptCount = (schedule: RetrySchedule): number => schedule.delays.length

/**
 * The delays still ahead after `attemptsMade` attempts: the first is the wait
 * before the next attempt; empty when none is left. `delaysAfterAttempt(s, 0)`
 * is the whole schedule.
 */
export const delaysAfterAttempt = (schedule: RetrySchedule, attemptsMade: number): ReadonlyArray<Duration.Duration> =>
  schedule.delays.slice(Math.max(0, attemptsMade))

/** The time from the first attempt's start to the last attempt's start, ignoring how long attempts take. */
export const span = (schedule: RetrySchedule): Duration.Duration =>
  schedule.delays.slice(1).reduce(Duration.sum, Duration.zero)
