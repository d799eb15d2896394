/**
 * CallbackSender: one attempt to POST a signed result to a partner's
 * `callback_url`.
 *
 * The body arrives signed (`signature` + `timestamp` inside it, see
 * `Signer.signNow`) and is sent as JSON with no auth headers, as v1 does. The
 * `deliveryId` names the delivery across retries, so a partner can drop
 * duplicates; adapters send it as a header as well.
 *
 * One call is one attempt: retries, backoff and their durable clock belong to
 * the pipeline. A non-2xx answer, a refused connection or a timeout is a
 * {@link CallbackFailed}, since a partner's endpoint being down is an expected
 * condition; {@link isRetryable} says whether to try again.
 *
 * Adapters: `@selfie-auth/adapter-callback` (HttpClient) and
 * {@link CallbackSender.makeMemory} / {@link CallbackSender.layerMemory}.
 */
import { Clock, Context, Effect, Layer, Ref, Schema } from "effect"

export interface CallbackRequest {
  /** The partner's `callback_url`, http or https. */
  readonly url: string
  /** The signed result object; sent as JSON. */
  readonly body: unknown
  readonly deliveryId: string
  readonly partnerId: string
}

/** A delivery the partner accepted (any 2xx). */
export interface DeliveryAttempt {
  readonly deliveryId: string
  readonly url: string
  readonly status: number
  readonly attemptedAt: number
  readonly durationMillis: number
}

export const CallbackFailureReason = Schema.Literal("InvalidUrl", "Unreachable", "Timeout", "Rejected")
export type CallbackFailureReason = typeof CallbackFailureReason.Type

/**
 * The partner did not accept the callback:
 * - `InvalidUrl`: not an absolute http(s) URL; the partner must fix it (not retried).
 * - `Unreachable`: DNS, connection refused or reset.
 * - `Timeout`: no answer in time.
 * - `Rejected`: the partner answered `status`, not 2xx.
 */
export class CallbackFailed extends Schema.TaggedError<CallbackFailed>()("CallbackFailed", {
  reason: CallbackFailureReason,
  deliveryId: Schema.String,
  url: Schema.String,
  status: Schema.optionalWith(Schema.Number, { exact: true }),
  detail: Schema.String
}) {
  override get message(): string {
    return `Callback ${this.deliveryId} to ${this.url} failed (${this.reason}${this.status === undefined ? "" : ` ${this.status}`}): ${this.detail}`
  }
}

/**
 * Whether the delivery should be tried again. Only two answers end it early:
 * an invalid URL (the partner must fix it) and `410 Gone` (the partner asks us
 * to stop). Every other failure, a 4xx or a redirect included, is retried on
 * the schedule: a partner's endpoint that is misconfigured for a while (a 404
 * during a deploy, an auth proxy answering 401) must not lose a result. After
 * the last attempt the job records the failure and the delivery can be replayed.
 */
export const isRetryable = (error: CallbackFailed): boolean => {
  if (error.reason === "InvalidUrl") return false
  return !(error.reason === "Rejected" && error.status === 410)
}

export interface CallbackSenderService {
  readonly deliver: (request: CallbackRequest) => Effect.Effect<DeliveryAttempt, CallbackFailed>
}

/** What the memory partner endpoint does with a request: answer a status, or fail to answer. */
export type MemoryResponse = number | "unreachable" | "timeout"

/** A memory sender and what it has delivered, for tests. */
export interface CallbackSenderMemory extends CallbackSenderService {
  /** Every request that reached the (simulated) partner, with its answer, in order. */
  readonly received: Effect.Effect<ReadonlyArray<{ readonly request: CallbackRequest; readonly response: MemoryResponse }>>
}

const absoluteHttpUrl = /^https?:\/\/[^/\s?#]+(?:[/?#]\S*)?$/i

export class CallbackSender extends Context.Tag("@selfie-auth/core/CallbackSender")<CallbackSender, CallbackSenderService>() {
  /**
   * A sender whose partner endpoint is the `respond` function (200 by
   * default); it records what it received. Checks the URL as a real adapter
   * does.
   */
  static makeMemory(options: { readonly respond?: (request: CallbackRequest) => MemoryResponse } = {}): Effect.Effect<CallbackSenderMemory> {
    const respond = options.respond ?? (() => 200)
    return Effect.gen(function*() {
      const log = yield* Ref.make<ReadonlyArray<{ readonly request: CallbackRequest; readonly response: MemoryResponse }>>([])
      return {
        received: Ref.get(log),
        deliver: Effect.fn("CallbackSender.deliver")(function*(request: CallbackRequest) {
          const failed = (reason: CallbackFailureReason, detail: string, status?: number) =>
            new CallbackFailed({ reason, deliveryId: request.deliveryId, url: request.url, detail, ...(status === undefined ? {} : { status }) })
          if (!absoluteHttpUrl.test(request.url)) {
            return yield* failed("InvalidUrl", "the callback_url must be an absolute http or https URL; fix it in the prep upload")
          }
          const attemptedAt = yield* Clock.currentTimeMillis
          const response = respond(request)
          yield* Ref.update(log, (all) => [...all, { request, response }])
          if (response === "unreachable") return yield* failed("Unreachable", "the partner's endpoint refused the connection")
          if (response === "timeout") return yield* failed("Timeout", "the partner's endpoint did not answer in time")
          if (response < 200 || response > 299) {
            return yield* failed("Rejected", `the partner's endpoint answered ${response}; it must answer 2xx to accept`, response)
          }
          const durationMillis = (yield* Clock.currentTimeMillis) - attemptedAt
          return { deliveryId: request.deliveryId, url: request.url, status: response, attemptedAt, durationMillis }
        })
      }
    })
  }

  /** {@link CallbackSender.makeMemory} as a layer (when nothing needs to read what was received). */
  static layerMemory(options: { readonly respond?: (request: CallbackRequest) => MemoryResponse } = {}): Layer.Layer<CallbackSender> {
    return Layer.effect(CallbackSender, CallbackSender.makeMemory(options))
  }
}
