/**
 * The core `CallbackSender` port on `node:http`/`node:https`, through
 * {@link CallbackDelivery.send}: the same outbound policy (every resolved
 * address checked, the connection pinned to it), timeout, response cap and
 * `webhook-*` headers as the rest of this package.
 *
 * The port hands over a body already signed (v1 `signature` + `timestamp`
 * inside, from `Signer.signNow`); this layer adds the body-binding
 * `webhook-signature`, for which it needs the partner's API key(s):
 * `apiKeysFor(partnerId)` returns them, current key first.
 *
 * Outcomes onto the port's `CallbackFailed` reasons:
 * | attempt outcome | port |
 * |---|---|
 * | 2xx | success |
 * | 410 or any other status | `Rejected` with the status (the port's `isRetryable` says no to 410) |
 * | no status line in time | `Timeout` |
 * | refused, reset, unresolvable host, TLS failure | `Unreachable` |
 * | URL refused by the outbound policy | `InvalidUrl` (not retried) |
 *
 * Several partners on one server may need different outbound policies (one
 * evaluating against a receiver on loopback, another in production):
 * `policyFor(partnerId)` chooses each delivery's policy from the partner it is
 * for, and `policy` is the one used for partners it does not know.
 *
 * @example
 * CallbackSenderHttp.layer({
 *   apiKeysFor: (partnerId) => Partners.apiKeys(partnerId),
 *   policyFor: (partnerId) => partnerId === "evaluation" ? OutboundPolicy.localEvaluation : OutboundPolicy.strict
 * }).pipe(Layer.provide(SignerNode.layer))
 */
import { CallbackFailed, CallbackSender, type CallbackRequest, Signer } from "@selfie-auth/core"
import { DateTime, Effect, Layer, type Redacted } from "effect"
import { type DeliveryOptions, send } from "./CallbackDelivery.js"
import type { OutboundPolicy } from "./OutboundPolicy.js"

export interface CallbackSenderHttpOptions extends Omit<DeliveryOptions, "schedule"> {
  /** The partner's API keys for `webhook-signature`, current first (several while a key is rotated). */
  readonly apiKeysFor: (partnerId: string) => Effect.Effect<ReadonlyArray<Redacted.Redacted<string>>>
  /**
   * The outbound policy for one partner's deliveries; `undefined` for a
   * partner it does not know, which then gets `policy` (strict by default).
   */
  readonly policyFor?: (partnerId: string) => OutboundPolicy | undefined
}

/** The port's service, on the `Signer` in context. */
export const make = (options: CallbackSenderHttpOptions) =>
  Effect.gen(function*() {
    const signer = yield* Signer
    return CallbackSender.of({
      deliver: Effect.fn("CallbackSender.deliver")(function*(request: CallbackRequest) {
        const apiKeys = yield* options.apiKeysFor(request.partnerId)
        const body = new TextEncoder().encode(JSON.stringify(request.body))
        // The port has no attempt number (retries belong to the pipeline); the record's number is not surfaced.
        const policy = options.policyFor?.(request.partnerId) ?? options.policy
        const attempt = yield* send(
          { url: request.url, deliveryId: request.deliveryId, body, apiKeys, attempt: 1 },
          policy === undefined ? options : { ...options, policy }
        ).pipe(
          Effect.provideService(Signer, signer)
        )
        const failed = (reason: CallbackFailed["reason"], detail: string, status?: number) =>
          new CallbackFailed({
            reason,
            deliveryId: request.deliveryId,
            url: request.url,
            detail,
            ...(status === undefined ? {} : { status })
          })
        const excerpt = attempt.response === undefined || attempt.response.text.length === 0
          ? ""
          : `; it said ${JSON.stringify(attempt.response.text.slice(0, 200))}`
        const outcome = attempt.outcome
        switch (outcome._tag) {
          case "Delivered":
            return {
              deliveryId: request.deliveryId,
              url: request.url,
              status: outcome.status,
              attemptedAt: DateTime.toEpochMillis(attempt.startedAt),
              durationMillis: attempt.latencyMillis
            }
          case "Gone":
            return yield* failed("Rejected", `the partner's endpoint answered 410 Gone: it wants no more callbacks${excerpt}`, 410)
          case "HttpError":
            return yield* failed("Rejected", `the partner's endpoint answered ${outcome.status}; it must answer 2xx to accept${excerpt}`, outcome.status)
          case "TimedOut":
            return yield* failed("Timeout", `no answer within ${outcome.afterMillis} ms`)
          case "NetworkError":
            return yield* failed("Unreachable", `${outcome.code}: ${outcome.detail}`)
          case "Refused":
            return yield* failed("InvalidUrl", outcome.detail)
        }
      })
    })
  })

/** `CallbackSender` on node:http(s); needs a `Signer`. */
export const layer = (options: CallbackSenderHttpOptions): Layer.Layer<CallbackSender, never, Signer> =>
  Layer.effect(CallbackSender, make(options))
