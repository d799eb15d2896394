/**
 * DeliveryLog: every attempt to deliver a job's result to the partner's
 * `callback_url`, and how each delivery ended, so that operators and partners
 * can see what happened to a callback and replay one that was missed.
 *
 * A *delivery* is one result sent under one delivery id (the same id on every
 * attempt, so the partner can de-duplicate); an *attempt* is one HTTP request
 * of it, numbered from 1.
 *
 * - {@link DeliveryLogService.recordAttempt} is idempotent per
 *   `(deliveryId, attempt)`: the durable pipeline records attempts from
 *   activities, which run at least once, so a repeated record returns the
 *   first one unchanged.
 * - {@link DeliveryLogService.appendAttempt} numbers the attempt after the
 *   delivery's last one, atomically (a replay, which has no number of its own).
 * - {@link DeliveryLogService.recordFailure} records, once per delivery, that
 *   its scheduled attempts ended without a 2xx; the first record wins.
 * - {@link DeliveryLogService.deliveriesOf} lists a job's deliveries, each
 *   with its attempts in order and its failure; {@link deliveryStateOf} says where
 *   each delivery stands. {@link DeliveryLogService.deliveriesOfJobs} answers
 *   the same for many jobs of a partner at once.
 *
 * Partner isolation: a job's deliveries are read by partner and job, never by
 * delivery id alone. Times come from the caller (attempts are timed around
 * the request) as epoch milliseconds.
 *
 * Adapters: SQL (`@selfie-auth/adapter-sql`, `DeliveryLogSql`) and
 * {@link DeliveryLog.layerMemory}.
 */
import { Context, Effect, Layer, Ref, Schema } from "effect"
import * as Ids from "../Ids.js"
import { EpochMillis } from "../User.js"
import type { CallbackFailed } from "./CallbackSender.js"

/** A delivery id: letters, digits, `_` and `-` (what `webhook-id` carries), at most 255 characters. */
export const DeliveryId = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{1,255}$/, { message: () => "a delivery id is 1 to 255 letters, digits, _ or -" })
)

/**
 * How one attempt ended:
 * - `delivered`: the partner answered 2xx;
 * - `rejected`: the partner answered another status (`status` says which; 410 asks us to stop);
 * - `unreachable`: no connection (refused, reset, a name that does not resolve);
 * - `timeout`: no answer in time;
 * - `invalid_url`: the URL is not one we may call; nothing was sent.
 */
export const AttemptOutcome = Schema.Literal("delivered", "rejected", "unreachable", "timeout", "invalid_url")
export type AttemptOutcome = typeof AttemptOutcome.Type

/** What started an attempt: the pipeline's retry schedule, or a replay asked for by the partner. */
export const AttemptTrigger = Schema.Literal("schedule", "replay")
export type AttemptTrigger = typeof AttemptTrigger.Type

/** One attempt as recorded. `status` is present when the partner answered; `error` when the attempt failed. */
export const DeliveryAttemptRecord = Schema.Struct({
  partnerId: Ids.PartnerId,
  smileJobId: Ids.SmileJobId,
  deliveryId: DeliveryId,
  /** 1 for the first attempt of the delivery; replays continue the count. */
  attempt: Schema.Int.pipe(Schema.positive()),
  trigger: AttemptTrigger,
  url: Schema.String,
  /** When the request started. */
  attemptedAt: EpochMillis,
  /** From the start of the request to its outcome. */
  latencyMillis: Schema.Int.pipe(Schema.nonNegative()),
  outcome: AttemptOutcome,
  status: Schema.optionalWith(Schema.Int, { exact: true }),
  error: Schema.optionalWith(Schema.String, { exact: true })
}).annotations({ identifier: "DeliveryAttemptRecord" })
export type DeliveryAttemptRecord = typeof DeliveryAttemptRecord.Type

/**
 * Why the scheduled attempts of a delivery ended without a 2xx:
 * `stopped` (the partner answered 410, the URL cannot be called, or the
 * partner is no longer configured) or `exhausted` (the schedule ran out).
 */
export const DeliveryFailureReason = Schema.Literal("stopped", "exhausted")
export type DeliveryFailureReason = typeof DeliveryFailureReason.Type

/** A delivery that ended without a 2xx after its scheduled attempts. */
export const DeliveryFailure = Schema.Struct({
  partnerId: Ids.PartnerId,
  smileJobId: Ids.SmileJobId,
  deliveryId: DeliveryId,
  reason: DeliveryFailureReason,
  /** What the last attempt said, or why no attempt was made. */
  detail: Schema.String,
  /** How many scheduled attempts were made. */
  attempts: Schema.Int.pipe(Schema.nonNegative()),
  failedAt: EpochMillis
}).annotations({ identifier: "DeliveryFailure" })
export type DeliveryFailure = typeof DeliveryFailure.Type

/** One delivery of a job: its attempts by number, and its failure once recorded. */
export interface Delivery {
  readonly deliveryId: string
  readonly attempts: ReadonlyArray<DeliveryAttemptRecord>
  readonly failure: DeliveryFailure | undefined
}

/**
 * Where a delivery stands, from what was recorded (pure):
 * - `delivered`: some attempt got a 2xx (a replay after a failure included);
 * - `failed`: the scheduled attempts ended without one, and no replay has succeeded;
 * - `pending`: attempts are still due on the schedule.
 */
export const deliveryStateOf = (delivery: Delivery): "delivered" | "failed" | "pending" => {
  if (delivery.attempts.some((attempt) => attempt.outcome === "delivered")) return "delivered"
  return delivery.failure === undefined ? "pending" : "failed"
}

/** The outcome of a failed attempt, from the `CallbackSender`'s failure (pure). */
export const attemptOutcomeOf = (failure: CallbackFailed): Exclude<AttemptOutcome, "delivered"> => {
  switch (failure.reason) {
    case "Rejected":
      return "rejected"
    case "Unreachable":
      return "unreachable"
    case "Timeout":
      return "timeout"
    case "InvalidUrl":
      return "invalid_url"
  }
}

export interface DeliveryLogService {
  /** Records an attempt; idempotent per `(deliveryId, attempt)`: returns the first record of that number. */
  readonly recordAttempt: (attempt: DeliveryAttemptRecord) => Effect.Effect<DeliveryAttemptRecord>
  /**
   * Records an attempt numbered one after the delivery's highest (1 for a
   * delivery with none), atomically: two concurrent appends get two numbers.
   */
  readonly appendAttempt: (attempt: Omit<DeliveryAttemptRecord, "attempt">) => Effect.Effect<DeliveryAttemptRecord>
  /** Records that a delivery failed; idempotent per delivery: returns the first failure recorded. */
  readonly recordFailure: (failure: DeliveryFailure) => Effect.Effect<DeliveryFailure>
  /**
   * A job's deliveries, in the order they started (first attempt or failure),
   * each with its attempts by number. Empty for a job with none (or another
   * partner's job).
   */
  readonly deliveriesOf: (partnerId: Ids.PartnerId, smileJobId: Ids.SmileJobId) => Effect.Effect<ReadonlyArray<Delivery>>
  /**
   * {@link deliveriesOf} for many jobs of one partner at once, in a few reads
   * rather than one per job (the start-up sweep checks every recent job):
   * each job given maps to its deliveries, empty when it has none.
   */
  readonly deliveriesOfJobs: (
    partnerId: Ids.PartnerId,
    smileJobIds: ReadonlyArray<Ids.SmileJobId>
  ) => Effect.Effect<ReadonlyMap<Ids.SmileJobId, ReadonlyArray<Delivery>>>
}

/**
 * Groups the attempts and failures of several jobs by job, then each job's
 * into deliveries ({@link groupDeliveries}); every job of `smileJobIds` is a
 * key, with no deliveries when it has none. For adapters (pure).
 */
export const groupDeliveriesByJob = (
  smileJobIds: ReadonlyArray<Ids.SmileJobId>,
  attempts: ReadonlyArray<DeliveryAttemptRecord>,
  failures: ReadonlyArray<DeliveryFailure>
): ReadonlyMap<Ids.SmileJobId, ReadonlyArray<Delivery>> => {
  const rows = new Map<string, { attempts: Array<DeliveryAttemptRecord>; failures: Array<DeliveryFailure> }>(
    smileJobIds.map((smileJobId) => [smileJobId, { attempts: [], failures: [] }])
  )
  for (const attempt of attempts) rows.get(attempt.smileJobId)?.attempts.push(attempt)
  for (const failure of failures) rows.get(failure.smileJobId)?.failures.push(failure)
  return new Map(smileJobIds.map((smileJobId) => {
    const ofJob = rows.get(smileJobId)
    return [smileJobId, ofJob === undefined ? [] : groupDeliveries(ofJob.attempts, ofJob.failures)]
  }))
}

/**
 * Groups a job's attempts and failures into deliveries, ordered by when each
 * started (then by id), attempts by number. For adapters (pure).
 */
export const groupDeliveries = (
  attempts: ReadonlyArray<DeliveryAttemptRecord>,
  failures: ReadonlyArray<DeliveryFailure>
): ReadonlyArray<Delivery> => {
  const ids = new Set([...attempts.map((attempt) => attempt.deliveryId), ...failures.map((failure) => failure.deliveryId)])
  const deliveries = [...ids].map((deliveryId): Delivery => ({
    deliveryId,
    attempts: attempts.filter((attempt) => attempt.deliveryId === deliveryId).sort((a, b) => a.attempt - b.attempt),
    failure: failures.find((failure) => failure.deliveryId === deliveryId)
  }))
  const startOf = (delivery: Delivery) =>
    Math.min(...delivery.attempts.map((attempt) => attempt.attemptedAt), delivery.failure?.failedAt ?? Infinity)
  return deliveries.sort((a, b) => startOf(a) - startOf(b) || (a.deliveryId < b.deliveryId ? -1 : a.deliveryId > b.deliveryId ? 1 : 0))
}

const validAttempt = Schema.validate(DeliveryAttemptRecord)
const validFailure = Schema.validate(DeliveryFailure)

export class DeliveryLog extends Context.Tag("@selfie-auth/core/DeliveryLog")<DeliveryLog, DeliveryLogService>() {
  /** A log in memory, checking records as a database adapter would (an invalid record is a defect). */
  static readonly layerMemory: Layer.Layer<DeliveryLog> = Layer.effect(
    DeliveryLog,
    Effect.gen(function*() {
      const attempts = yield* Ref.make<ReadonlyArray<DeliveryAttemptRecord>>([])
      const failures = yield* Ref.make<ReadonlyArray<DeliveryFailure>>([])
      const deliveriesOfJobs = Effect.fn("DeliveryLog.deliveriesOfJobs")(function*(
        partnerId: Ids.PartnerId,
        smileJobIds: ReadonlyArray<Ids.SmileJobId>
      ) {
        const ofPartner = <R extends { readonly partnerId: string }>(rows: ReadonlyArray<R>) =>
          rows.filter((row) => row.partnerId === partnerId)
        return groupDeliveriesByJob(smileJobIds, ofPartner(yield* Ref.get(attempts)), ofPartner(yield* Ref.get(failures)))
      })
      return {
        recordAttempt: Effect.fn("DeliveryLog.recordAttempt")(function*(record: DeliveryAttemptRecord) {
          const valid = yield* Effect.orDie(validAttempt(record))
          return yield* Ref.modify(attempts, (all) => {
            const existing = all.find((row) => row.deliveryId === valid.deliveryId && row.attempt === valid.attempt)
            return existing === undefined ? [valid, [...all, valid]] as const : [existing, all] as const
          })
        }),
        appendAttempt: Effect.fn("DeliveryLog.appendAttempt")(function*(record: Omit<DeliveryAttemptRecord, "attempt">) {
          const valid = yield* Effect.orDie(validAttempt({ ...record, attempt: 1 }))
          return yield* Ref.modify(attempts, (all) => {
            const highest = Math.max(0, ...all.filter((row) => row.deliveryId === valid.deliveryId).map((row) => row.attempt))
            const numbered = { ...valid, attempt: highest + 1 }
            return [numbered, [...all, numbered]] as const
          })
        }),
        recordFailure: Effect.fn("DeliveryLog.recordFailure")(function*(failure: DeliveryFailure) {
          const valid = yield* Effect.orDie(validFailure(failure))
          return yield* Ref.modify(failures, (all) => {
            const existing = all.find((row) => row.deliveryId === valid.deliveryId)
            return existing === undefined ? [valid, [...all, valid]] as const : [existing, all] as const
          })
        }),
        deliveriesOf: (partnerId: Ids.PartnerId, smileJobId: Ids.SmileJobId) =>
          Effect.map(deliveriesOfJobs(partnerId, [smileJobId]), (byJob) => byJob.get(smileJobId) ?? []),
        deliveriesOfJobs
      }
    })
  )
}
