/**
 * One callback attempt as data, and the pure decision of what to do next.
 *
 * Outcomes and what they mean for the delivery:
 * | outcome | when | next |
 * |---|---|---|
 * | `Delivered` | the endpoint answered 2xx | stop: delivered |
 * | `Gone` | the endpoint answered 410 | stop for good: the partner asked for no more |
 * | `HttpError` | any other status (3xx are not followed) | retry on the schedule |
 * | `TimedOut` | no status line within the timeout | retry |
 * | `NetworkError` | connection refused or reset, a host that does not resolve, TLS failure | retry |
 * | `Refused` | the outbound policy forbids the URL (scheme, address) | stop: retrying cannot make it allowed |
 *
 * Attempts are schema-typed so they can be stored (a job's history, a
 * workflow activity's result) and shown to operators.
 */
import { Duration, Schema } from "effect"
import * as RetrySchedule from "./RetrySchedule.js"

/** The endpoint answered 2xx. */
export class Delivered extends Schema.TaggedClass<Delivered>()("Delivered", { status: Schema.Int }) {}
/** The endpoint answered 410 Gone. */
export class Gone extends Schema.TaggedClass<Gone>()("Gone", { status: Schema.Literal(410) }) {}
/** The endpoint answered another status. */
export class HttpError extends Schema.TaggedClass<HttpError>()("HttpError", { status: Schema.Int }) {}
/**
 * No status line in time. (Once the status line has arrived it decides the
 * outcome, even if the body is still arriving when the time is up.)
 */
export class TimedOut extends Schema.TaggedClass<TimedOut>()("TimedOut", { afterMillis: Schema.Number }) {}
/** The exchange failed below HTTP; `code` is Node's error code (`ECONNREFUSED`, `ECONNRESET`, ...). */
export class NetworkError extends Schema.TaggedClass<NetworkError>()("NetworkError", {
  code: Schema.String,
  detail: Schema.String
}) {}
/** The outbound policy refused the URL; nothing was sent. */
export class Refused extends Schema.TaggedClass<Refused>()("Refused", {
  reason: Schema.String,
  detail: Schema.String
}) {}

export const Outcome = Schema.Union(Delivered, Gone, HttpError, TimedOut, NetworkError, Refused)
export type Outcome = typeof Outcome.Type

/** What was read of the endpoint's answer: at most the configured number of bytes. */
export const ResponseExcerpt = Schema.Struct({
  /** Bytes read (never more than the cap). */
  bytesRead: Schema.Int,
  /** True when reading stopped before the end: the endpoint sent more than the cap, or the timeout came first. */
  truncated: Schema.Boolean,
  /** The bytes read, as UTF-8 text (invalid sequences replaced). */
  text: Schema.String
})
export type ResponseExcerpt = typeof ResponseExcerpt.Type

/** One attempt: when, to where, how it ended, how long it took. */
export class DeliveryAttempt extends Schema.Class<DeliveryAttempt>("DeliveryAttempt")({
  deliveryId: Schema.String,
  /** 1 for the first attempt. */
  number: Schema.Int,
  url: Schema.String,
  startedAt: Schema.DateTimeUtc,
  /** From the start of the attempt to its outcome, in milliseconds. */
  latencyMillis: Schema.Number,
  outcome: Outcome,
  response: Schema.optional(ResponseExcerpt)
}) {
  /** The HTTP status, when the endpoint sent one. */
  get status(): number | undefined {
    return "status" in this.outcome ? this.outcome.status : undefined
  }

  /** A one-line description for logs and operator views. */
  get summary(): string {
    const outcome = this.outcome
    switch (outcome._tag) {
      case "Delivered":
      case "Gone":
      case "HttpError":
        return `attempt ${this.number}: HTTP ${outcome.status} in ${Math.round(this.latencyMillis)} ms`
      case "TimedOut":
        return `attempt ${this.number}: no answer within ${outcome.afterMillis} ms`
      case "NetworkError":
        return `attempt ${this.number}: ${outcome.code}: ${outcome.detail}`
      case "Refused":
        return `attempt ${this.number}: refused by the outbound policy: ${outcome.detail}`
    }
  }
}

/** What to do after the attempts made so far. */
export type NextStep =
  | { readonly _tag: "Attempt"; readonly number: number; readonly after: Duration.Duration }
  | { readonly _tag: "Delivered"; readonly attempt: DeliveryAttempt }
  | { readonly _tag: "Gone"; readonly attempt: DeliveryAttempt }
  | { readonly _tag: "Refused"; readonly attempt: DeliveryAttempt }
  | { readonly _tag: "Exhausted"; readonly attemptsMade: number; readonly attempt: DeliveryAttempt | undefined }

/** Whether an outcome ends the delivery whatever the schedule says. */
export const isFinal = (outcome: Outcome): boolean =>
  outcome._tag === "Delivered" || outcome._tag === "Gone" || outcome._tag === "Refused"

/**
 * The next step after the attempts made so far, in order: the last attempt
 * decides (2xx delivered, 410 gone, policy refused); otherwise another
 * attempt after the schedule's delay, or `Exhausted` when the schedule has
 * none left. With no attempts yet, the first attempt after `delays[0]`.
 */
export const nextStep = (
  attempts: ReadonlyArray<DeliveryAttempt>,
  schedule: RetrySchedule.RetrySchedule = RetrySchedule.standard
): NextStep => {
  const last = attempts.at(-1)
  if (last !== undefined) {
    switch (last.outcome._tag) {
      case "Delivered":
        return { _tag: "Delivered", attempt: last }
      case "Gone":
        return { _tag: "Gone", attempt: last }
      case "Refused":
        return { _tag: "Refused", attempt: last }
    }
  }
  const [after] = RetrySchedule.delaysAfterAttempt(schedule, attempts.length)
  if (after === undefined) return { _tag: "Exhausted", attemptsMade: attempts.length, attempt: last }
  return { _tag: "Attempt", number: attempts.length + 1, after }
}
