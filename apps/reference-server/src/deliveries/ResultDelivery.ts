/**
 * One attempt to deliver a job's result to its `callback_url`, as the
 * pipeline's scheduled attempts and the partner's replays both make it:
 * the v1 result object signed now with the partner's key (so a replay days
 * later is inside the receiver's freshness window), sent through the
 * `CallbackSender` under the delivery's id, and timed with `Clock`.
 *
 * It answers what the `DeliveryLog` records (the caller numbers it: the
 * pipeline by its attempt, a replay after the delivery's last attempt) and
 * the sender's failure, if any. It never fails: a partner's endpoint that is
 * down is an outcome to record, not an error.
 */
import { CallbackSender, attemptOutcomeOf, DeliveryLog, signNow, UseCases, Wire } from "@selfie-auth/core"
import type { CallbackFailed, Delivery, DeliveryAttemptRecord, Job } from "@selfie-auth/core"
import { Clock, Effect, Either, Schema } from "effect"
import type { Redacted } from "effect"
import { deliveryIdOf } from "../pipeline/PipelineSteps.js"

/**
 * The delivery of a job's latest result (the reviewer's when there is one,
 * else the machine's): its id, and what the `DeliveryLog` holds of it
 * (`undefined` before its first recorded attempt).
 */
export const latestDeliveryOf = (job: Job.Job) =>
  Effect.map(
    Effect.flatMap(DeliveryLog, (log) => log.deliveriesOf(job.partnerId, job.smileJobId)),
    (deliveries) => latestDeliveryIn(job, deliveries)
  )

/** {@link latestDeliveryOf} among the job's deliveries, already read. */
export const latestDeliveryIn = (job: Job.Job, deliveries: ReadonlyArray<Delivery>) => {
  const deliveryId = deliveryIdOf(job, job.results.length > 1 ? "review" : "machine")
  const delivery: Delivery | undefined = deliveries.find((found) => found.deliveryId === deliveryId)
  return { deliveryId, delivery }
}

/** What to send: which result of which job, to where, under which delivery id. */
export interface ResultToSend {
  readonly job: Job.Job
  readonly result: Job.JobResult
  readonly url: string
  readonly deliveryId: string
  /** The partner's current API key, to sign the body. */
  readonly apiKey: Redacted.Redacted<string>
}

/**
 * An attempt made: the record to keep (without its number and trigger, which
 * the caller gives) and either the partner's 2xx status or the sender's failure.
 */
export type AttemptMade =
  | { readonly _tag: "Delivered"; readonly record: Omit<DeliveryAttemptRecord, "attempt" | "trigger">; readonly status: number }
  | { readonly _tag: "Failed"; readonly record: Omit<DeliveryAttemptRecord, "attempt" | "trigger">; readonly failure: CallbackFailed }

/** Sends the result once; see the module comment. */
export const send = Effect.fn("ResultDelivery.send")(function*(input: ResultToSend) {
  const { job } = input
  const callbacks = yield* CallbackSender
  const signed = yield* signNow({ partnerId: job.partnerId, apiKey: input.apiKey })
  const resultObject = yield* Schema.encode(Wire.ResultObject.ResultObject)(UseCases.JobStatus.toResultObject(job, input.result)).pipe(
    Effect.orDie
  )
  // The v1 callback body: the result object as on the wire, plus the signature fields.
  const body = { ...resultObject, ...signed }
  const startedAt = yield* Clock.currentTimeMillis
  const sent = yield* Effect.either(
    callbacks.deliver({ url: input.url, body, deliveryId: input.deliveryId, partnerId: job.partnerId })
  )
  const latencyMillis = Math.max(0, (yield* Clock.currentTimeMillis) - startedAt)
  const common = {
    partnerId: job.partnerId,
    smileJobId: job.smileJobId,
    deliveryId: input.deliveryId,
    url: input.url,
    attemptedAt: startedAt,
    latencyMillis
  }
  if (Either.isRight(sent)) {
    const status = sent.right.status
    return { _tag: "Delivered", record: { ...common, outcome: "delivered", status }, status } satisfies AttemptMade
  }
  const failure = sent.left
  return {
    _tag: "Failed",
    record: {
      ...common,
      outcome: attemptOutcomeOf(failure),
      ...(failure.status === undefined ? {} : { status: failure.status }),
      error: failure.message
    },
    failure
  } satisfies AttemptMade
})
