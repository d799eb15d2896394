/**
 * Delivering results to a partner's `callback_url` (the server side).
 *
 * What goes out, on every attempt:
 * - the body: the v1 result object plus `signature` and `timestamp`, signed
 *   afresh with the partner's API key for this attempt (so a retry ten hours
 *   later is still inside the receiver's freshness window), exactly what the
 *   official SDKs' `Signature.confirm_signature` checks;
 * - the headers `webhook-id` (the delivery id, the same on every attempt),
 *   `webhook-timestamp` (unix seconds of this attempt) and
 *   `webhook-signature` (see `WebhookSignature`), which bind the body bytes.
 *
 * The pieces, for a durable workflow and for in-process use:
 * - {@link attemptDelivery}: one attempt; returns a {@link DeliveryAttempt}
 *   record and never fails for HTTP or network outcomes;
 * - `RetrySchedule` (the delays as data) and `DeliveryAttempt.nextStep` (the
 *   decision after each attempt);
 * - {@link deliver}: the whole loop in-process, sleeping on `Effect.sleep`.
 *
 * In a workflow, run {@link attemptDelivery} as an activity and
 * `DurableClock.sleep` for `nextStep(...).after`; the activity is
 * at-least-once, which the stable delivery id makes harmless for receivers
 * that de-duplicate (see `SeenDeliveries`).
 *
 * @example
 * const report = yield* CallbackDelivery.deliver({
 *   url: "https://partner.example/smile/callback",
 *   deliveryId: CallbackDelivery.deliveryIdOf(result),
 *   result,
 *   partnerId: "001",
 *   apiKey: Redacted.make("test-api-key")
 * })
 * report.outcome._tag // "Delivered" | "Gone" | "Refused" | "Exhausted"
 */
import * as Http from "node:http"
import * as Https from "node:https"
import { Signer, Wire } from "@selfie-auth/core"
import { Clock, DateTime, Duration, Effect, Option, type Redacted, Schema } from "effect"
import {
  Delivered,
  DeliveryAttempt,
  Gone,
  HttpError,
  NetworkError,
  nextStep,
  type NextStep,
  Refused,
  type ResponseExcerpt,
  TimedOut
} from "./DeliveryAttempt.js"
import * as OutboundPolicy from "./OutboundPolicy.js"
import * as RetrySchedule from "./RetrySchedule.js"
import * as WebhookSignature from "./WebhookSignature.js"

/** How attempts are made. Every field has a default. */
export interface DeliveryOptions {
  /** Which destinations may be reached; `OutboundPolicy.strict` (public addresses only) by default. */
  readonly policy?: OutboundPolicy.OutboundPolicy
  /**
   * The status line must arrive within this (connecting and sending included),
   * and the body is read only until then; 15 seconds by default.
   */
  readonly timeout?: Duration.DurationInput
  /** At most this many bytes of the answer are read and recorded; 4096 by default. */
  readonly maxResponseBytes?: number
  /** When attempts happen (for {@link deliver}); `RetrySchedule.standard` by default. */
  readonly schedule?: RetrySchedule.RetrySchedule
  /** The `User-Agent` header. */
  readonly userAgent?: string
}

export const defaultTimeout: Duration.Duration = Duration.seconds(15)
export const defaultMaxResponseBytes = 4096
export const defaultUserAgent = "selfie-auth-callback/0.1"

/** A result to deliver, and the partner it belongs to. */
export interface DeliveryRequest {
  /** The partner's `callback_url`. */
  readonly url: string
  /** Names the delivery across retries (`webhook-id`); letters, digits, `_`, `-`. See {@link deliveryIdOf}. */
  readonly deliveryId: string
  readonly result: Wire.ResultObject.ResultObject
  readonly partnerId: string
  /** The partner's current API key: signs the body (v1) and the first `webhook-signature` entry. */
  readonly apiKey: Redacted.Redacted<string>
  /**
   * Keys also listed in `webhook-signature` while the partner's key is being
   * rotated (the previous key, or the next one), so a receiver holding either
   * verifies the body binding.
   */
  readonly rotatingApiKeys?: ReadonlyArray<Redacted.Redacted<string>>
}

/**
 * A delivery id that is the same every time it is computed for the same
 * result: `dlv_<SmileJobID>_<ResultCode>`. A job's machine result and its
 * later human-review result have different codes, so different ids; a
 * workflow that re-runs its body gets the same id back without storing it.
 */
export const deliveryIdOf = (result: Pick<Wire.ResultObject.ResultObject, "SmileJobID" | "ResultCode">): string =>
  `dlv_${result.SmileJobID}_${result.ResultCode}`

/** An already signed body to send, with the keys for its `webhook-signature`. */
export interface SignedSend {
  readonly url: string
  readonly deliveryId: string
  /** The exact body bytes (JSON). */
  readonly body: Uint8Array
  /** The keys to list in `webhook-signature`, current first. */
  readonly apiKeys: ReadonlyArray<Redacted.Redacted<string>>
  /** 1 for the first attempt. */
  readonly attempt: number
  /** The unix seconds for `webhook-timestamp`; the current time when absent. */
  readonly timestampSeconds?: number
}

const encodeCallbackBody = Schema.encodeSync(Wire.ResultObject.CallbackBody)

/**
 * The callback body for a result, signed now with the partner's key: the
 * result object's fields in wire order, then `signature` and `timestamp`.
 * Returns the body bytes and the epoch milliseconds of the signature.
 */
export const signedBody = Effect.fn("CallbackDelivery.signedBody")(function*(input: {
  readonly result: Wire.ResultObject.ResultObject
  readonly partnerId: string
  readonly apiKey: Redacted.Redacted<string>
}) {
  const signedAtMillis = yield* Clock.currentTimeMillis
  const timestamp = new Date(signedAtMillis).toISOString()
  const signer = yield* Signer
  const signature = yield* signer.sign({ partnerId: input.partnerId, apiKey: input.apiKey, timestamp })
  const json = JSON.stringify(encodeCallbackBody({ ...input.result, signature, timestamp }))
  return { body: new TextEncoder().encode(json), signedAtMillis }
})

/** Mutable state of one exchange, read when it ends or times out. */
interface ExchangeState {
  status: number | undefined
  readonly chunks: Array<Uint8Array>
  bytesRead: number
  truncated: boolean
  failure: { readonly code: string; readonly detail: string } | undefined
}

/** POSTs the body to the checked address and reads at most `maxBytes` of the answer. */
const exchange = (
  destination: OutboundPolicy.CheckedDestination,
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  maxBytes: number,
  state: ExchangeState
) =>
  Effect.async<void>((resume) => {
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      resume(Effect.void)
    }
    const transport = destination.url.protocol === "https:" ? Https : Http
    const request = transport.request(destination.url, {
      method: "POST",
      headers,
      // A fresh connection per attempt: a pooled socket could lead to an address this check never saw.
      agent: false,
      lookup: OutboundPolicy.pinnedLookup(destination)
    })
    request.on("response", (response) => {
      state.status = response.statusCode
      response.on("data", (chunk: Buffer) => {
        const room = maxBytes - state.bytesRead
        if (chunk.length > room) {
          state.chunks.push(chunk.subarray(0, room))
          state.bytesRead += room
          state.truncated = true
          request.destroy()
          finish()
          return
        }
        state.chunks.push(chunk)
        state.bytesRead += chunk.length
      })
      response.on("end", finish)
      response.on("error", finish)
      response.on("close", finish)
    })
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (state.status === undefined) state.failure = { code: error.code ?? error.name, detail: error.message }
      finish()
    })
    request.end(body)
    return Effect.sync(() => request.destroy())
  })

/**
 * One attempt with an already signed body: checks the destination against
 * the policy, adds the `webhook-*` headers, POSTs, and records the outcome.
 * Never fails: every outcome, a refused URL included, is in the record.
 */
export const send = Effect.fn("CallbackDelivery.send")(function*(input: SignedSend, options: DeliveryOptions = {}) {
  const timeout = Duration.decode(options.timeout ?? defaultTimeout)
  const maxBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
  const startedAt = yield* DateTime.now
  const startNanos = yield* Clock.currentTimeNanos
  const elapsedMillis = Effect.map(Clock.currentTimeNanos, (now) => Number(now - startNanos) / 1e6)
  const record = (outcome: DeliveryAttempt["outcome"], response?: DeliveryAttempt["response"]) =>
    Effect.map(elapsedMillis, (latencyMillis) =>
      new DeliveryAttempt({
        deliveryId: input.deliveryId,
        number: input.attempt,
        url: input.url,
        startedAt,
        latencyMillis,
        outcome,
        ...(response === undefined ? {} : { response })
      }))

  const destination = yield* Effect.either(OutboundPolicy.check(input.url, options.policy ?? OutboundPolicy.strict))
  if (destination._tag === "Left") {
    const refused = destination.left
    // A name that does not resolve may resolve later (DNS outage, a record being created): retry it.
    if (refused.reason === "Unresolvable") {
      return yield* record(new NetworkError({ code: refused.code ?? "ENOTFOUND", detail: refused.detail }))
    }
    return yield* record(new Refused({ reason: refused.reason, detail: refused.detail }))
  }

  const timestampSeconds = input.timestampSeconds ?? Math.floor((yield* Clock.currentTimeMillis) / 1000)
  const signature = yield* WebhookSignature.sign(input.apiKeys, { id: input.deliveryId, timestampSeconds, body: input.body })
  const headers = {
    "content-type": "application/json",
    "content-length": String(input.body.length),
    "user-agent": options.userAgent ?? defaultUserAgent,
    [WebhookSignature.headerNames.id]: input.deliveryId,
    [WebhookSignature.headerNames.timestamp]: String(timestampSeconds),
    [WebhookSignature.headerNames.signature]: signature
  }

  const state: ExchangeState = { status: undefined, chunks: [], bytesRead: 0, truncated: false, failure: undefined }
  const completed = yield* exchange(destination.right, headers, input.body, maxBytes, state).pipe(Effect.timeoutOption(timeout))
  const response: { -readonly [K in keyof ResponseExcerpt]: ResponseExcerpt[K] } | undefined = state.status === undefined ? undefined : {
    bytesRead: state.bytesRead,
    truncated: state.truncated,
    text: Buffer.concat(state.chunks).toString("utf8")
  }
  const status = state.status
  // The status line is the partner's answer; a body still arriving at the
  // timeout is recorded as read so far (marked truncated) and does not change it.
  if (Option.isNone(completed)) {
    if (status === undefined) return yield* record(new TimedOut({ afterMillis: Duration.toMillis(timeout) }))
    if (response !== undefined) response.truncated = true
  }
  if (status === undefined) {
    const failure = state.failure ?? { code: "ERROR", detail: "the connection closed without an answer" }
    return yield* record(new NetworkError(failure))
  }
  if (status >= 200 && status <= 299) return yield* record(new Delivered({ status }), response)
  if (status === 410) return yield* record(new Gone({ status: 410 }), response)
  return yield* record(new HttpError({ status }), response)
})

/**
 * One attempt of a delivery: signs the body afresh (v1 `signature` and
 * `timestamp` of now), then {@link send}s it. Returns the attempt's record;
 * never fails for HTTP, network or policy outcomes.
 */
export const attemptDelivery = Effect.fn("CallbackDelivery.attemptDelivery")(function*(
  request: DeliveryRequest & { readonly attempt: number },
  options: DeliveryOptions = {}
) {
  const { body, signedAtMillis } = yield* signedBody(request)
  return yield* send({
    url: request.url,
    deliveryId: request.deliveryId,
    body,
    apiKeys: [request.apiKey, ...(request.rotatingApiKeys ?? [])],
    attempt: request.attempt,
    timestampSeconds: Math.floor(signedAtMillis / 1000)
  }, options)
})

/** How a delivery ended, with every attempt. */
export interface DeliveryReport {
  readonly deliveryId: string
  readonly outcome: Exclude<NextStep, { readonly _tag: "Attempt" }>
  readonly attempts: ReadonlyArray<DeliveryAttempt>
}

/**
 * The whole delivery in-process: attempts on the schedule until one is
 * delivered, the endpoint answers 410, the policy refuses the URL, or the
 * schedule is exhausted. Sleeps with `Effect.sleep` (so `TestClock` drives it
 * in tests); a process restart loses the pending retries, which is what the
 * durable workflow is for.
 */
export const deliver = Effect.fn("CallbackDelivery.deliver")(function*(
  request: DeliveryRequest,
  options: DeliveryOptions = {}
) {
  const schedule = options.schedule ?? RetrySchedule.standard
  const attempts: Array<DeliveryAttempt> = []
  while (true) {
    const step = nextStep(attempts, schedule)
    if (step._tag !== "Attempt") {
      return { deliveryId: request.deliveryId, outcome: step, attempts } satisfies DeliveryReport
    }
    if (Duration.greaterThan(step.after, Duration.zero)) yield* Effect.sleep(step.after)
    const attempt = yield* attemptDelivery({ ...request, attempt: step.number }, options)
    yield* Effect.logDebug(attempt.summary)
    attempts.push(attempt)
  }
})
