/**
 * Verifying a callback (the partner side), then decoding it.
 *
 * The order reveals least and trusts nothing early (Stripe, Standard Webhooks):
 * 1. the body is JSON with `signature` and `timestamp`; the `webhook-*`
 *    headers are all present or all absent (and present when body binding is
 *    required);
 * 2. both timestamps (the body's `timestamp`, the `webhook-timestamp`) lie
 *    within the tolerance of `Clock`, in both directions;
 * 3. the v1 signature and, when sent, the body-binding `webhook-signature`
 *    are compared in constant time, both of them whatever the first says;
 * 4. only then is the body decoded into a {@link VerifiedCallback}.
 *
 * Every rejection is a typed error saying what is wrong and what to check.
 *
 * The delivery id, used to run handlers once per delivery: the `webhook-id`
 * header when sent; otherwise (senders without the header, such as the
 * hosted API) `v1:<SmileJobID>:<ResultCode>:<timestamp>:<signature>`. That
 * derived key names one signed message: it stops a captured message from
 * being replayed, but a sender that re-signs a retry makes a new key, so
 * such retries cannot be told apart from new results by the key alone
 * (handlers should also be idempotent on SmileJobID + ResultCode).
 *
 * @example
 * const callback = yield* verifyCallback(
 *   { body: rawBody, headers: request.headers },
 *   { apiKey: Redacted.make(process.env.SMILE_API_KEY!), partnerId: "001" }
 * )
 * callback.category // "approved" | "provisional" | "rejected" | "general_failure" | "unknown"
 */
import { Actions, Ids, JobType, ResultCode, Signature, Signer, Timestamp, Wire } from "@selfie-auth/core"
import { Clock, DateTime, Duration, Effect, Either, ParseResult, type Redacted, Schema } from "effect"
import * as WebhookSignature from "./WebhookSignature.js"

// ---------------------------------------------------------------------------
// Input and options

/** Header collections as they come: Fetch `Headers`, or node's `IncomingHttpHeaders`. */
export type HeadersInput =
  | { readonly get: (name: string) => string | null }
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** A received callback: the raw body bytes (or text) exactly as received, and the headers. */
export interface ReceivedCallback {
  readonly body: Uint8Array | string
  readonly headers: HeadersInput
}

export interface VerifyOptions {
  /** The partner's API key. */
  readonly apiKey: Redacted.Redacted<string>
  /** Keys accepted as well, while a key is being rotated. */
  readonly previousApiKeys?: ReadonlyArray<Redacted.Redacted<string>>
  /** The partner id the v1 signature is computed with, exactly as issued (`"001"`). */
  readonly partnerId: string
  /** How far from `Clock` either timestamp may be, in each direction; 5 minutes by default. */
  readonly tolerance?: Duration.DurationInput
  /**
   * Refuse callbacks without the body-binding `webhook-signature`. Off by
   * default, since senders of the plain v1 protocol do not send it; turn it on
   * when every sender you accept sends it (this project's server always does).
   */
  readonly requireBodySignature?: boolean
}

/** Standard Webhooks' recommendation; callbacks are signed at each attempt, so minutes are enough. */
export const defaultTolerance: Duration.Duration = Duration.minutes(5)

// ---------------------------------------------------------------------------
// Errors

/** The body is not a JSON object (or not UTF-8). */
export class NotJson extends Schema.TaggedError<NotJson>()("NotJson", { detail: Schema.String }) {
  override get message(): string {
    return `callback body is not a JSON object: ${this.detail}`
  }
}

/** A field every signed callback carries is absent. */
export class MissingField extends Schema.TaggedError<MissingField>()("MissingField", { field: Schema.String }) {
  override get message(): string {
    return `callback body has no "${this.field}" field; every signed v1 callback carries "signature" and "timestamp"`
  }
}

/** A field is present but unusable. */
export class MalformedField extends Schema.TaggedError<MalformedField>()("MalformedField", {
  field: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `callback field "${this.field}": ${this.detail}`
  }
}

/** A header is absent: one of the three `webhook-*` headers without the others, or body binding required. */
export class MissingHeader extends Schema.TaggedError<MissingHeader>()("MissingHeader", {
  header: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `callback has no ${this.header} header: ${this.detail}`
  }
}

/** A header is present but unusable. */
export class MalformedHeader extends Schema.TaggedError<MalformedHeader>()("MalformedHeader", {
  header: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `callback header ${this.header}: ${this.detail}`
  }
}

/** A timestamp lies outside the tolerance: an old (replayed) callback, or a clock that is off. */
export class ClockSkew extends Schema.TaggedError<ClockSkew>()("ClockSkew", {
  /** Which timestamp: the body's `timestamp` or the `webhook-timestamp` header. */
  source: Schema.Literal("timestamp", "webhook-timestamp"),
  direction: Schema.Literal("past", "future"),
  skewSeconds: Schema.Number,
  allowedSeconds: Schema.Number
}) {
  override get message(): string {
    return this.direction === "past"
      ? `callback ${this.source} is ${this.skewSeconds} s old, beyond the tolerance of ${this.allowedSeconds} s: ` +
        "a replayed old callback, or this machine's clock is ahead (check NTP)"
      : `callback ${this.source} is ${this.skewSeconds} s in the future, beyond the tolerance of ${this.allowedSeconds} s: ` +
        "this machine's clock (or the sender's) is off (check NTP)"
  }
}

/** The v1 signature does not verify under any configured key. */
export class WrongKey extends Schema.TaggedError<WrongKey>()("WrongKey", {
  partnerId: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** The v1 signature verifies but the body-binding signature does not: the body or the `webhook-*` headers changed after signing. */
export class BodyAltered extends Schema.TaggedError<BodyAltered>()("BodyAltered", { deliveryId: Schema.String }) {
  override get message(): string {
    return `callback ${this.deliveryId}: the ${WebhookSignature.headerNames.signature} does not match the body although ` +
      "the v1 signature matches the key: the body (or webhook-id / webhook-timestamp) was altered after signing. " +
      "Verify the raw bytes as received, before any JSON parsing or re-serialising middleware."
  }
}

/** The callback verified, but its body is not a result object. */
export class InvalidResult extends Schema.TaggedError<InvalidResult>()("InvalidResult", { detail: Schema.String }) {
  override get message(): string {
    return `callback verified but is not a valid result object: ${this.detail}`
  }
}

/** Every reason a callback is refused before a handler sees it. */
export type CallbackRejected =
  | NotJson
  | MissingField
  | MalformedField
  | MissingHeader
  | MalformedHeader
  | ClockSkew
  | WrongKey
  | BodyAltered
  | InvalidResult

export const CallbackRejected = Schema.Union(
  NotJson,
  MissingField,
  MalformedField,
  MissingHeader,
  MalformedHeader,
  ClockSkew,
  WrongKey,
  BodyAltered,
  InvalidResult
)

// ---------------------------------------------------------------------------
// The decoded result

/**
 * The body as decoded: a result object as the hosted API or this project's
 * server sends it (only `PartnerParams`, `ResultText` and `SmileJobID` are
 * required; see `Wire.ResultObject.HostedResultObject`), plus the signed fields.
 */
export const ReceivedCallbackBody = Schema.Struct({
  ...Wire.ResultObject.HostedResultObject.fields,
  signature: Wire.Fields.Signature,
  timestamp: Wire.Fields.Timestamp
}).annotations({ identifier: "ReceivedCallbackBody" })
export type ReceivedCallbackBody = typeof ReceivedCallbackBody.Type

/** A verified callback, decoded. */
export interface VerifiedCallback {
  /** Names this delivery across retries: `webhook-id`, or the derived key (see the module comment). */
  readonly deliveryId: string
  readonly deliveryIdSource: "webhook-id" | "derived"
  /** Whether the body bytes were covered by a verified `webhook-signature`. */
  readonly bodyBound: boolean
  /** When the sender signed the body (its `timestamp`). */
  readonly signedAt: DateTime.Utc
  readonly smileJobId: Ids.SmileJobId
  readonly jobType: JobType.JobType
  /** `user_id`, `job_id`, `job_type` and the partner's extra keys, echoed back. */
  readonly partnerParams: Wire.PartnerParams.PartnerParams
  /** The `ResultCode` as received, when sent. */
  readonly resultCode: string | undefined
  readonly resultText: string
  /** The code in the core taxonomy; `undefined` when no code was sent. */
  readonly classification: ResultCode.Classification | undefined
  /** The taxonomy's category, or `"unknown"` for an absent or unknown code. */
  readonly category: ResultCode.Category | "unknown"
  /** The actions, read leniently (unknown actions and values kept aside, never dropped). */
  readonly actions: Actions.FromWire
  /** `ConfidenceValue` as a number (0 to 100), when sent. */
  readonly confidence: number | undefined
  /** `IsFinalResult`, or when absent whether the taxonomy says the code is final; `undefined` if neither is known. */
  readonly isFinal: boolean | undefined
  readonly isMachineResult: boolean | undefined
  /** The whole body as decoded, for fields not lifted above (`ResultType`, `Source`, `JSONVersion`). */
  readonly body: ReceivedCallbackBody
}

// ---------------------------------------------------------------------------
// Verification

/** One header's value from either kind of header collection (several values joined with ", "). */
export const headerValue = (headers: HeadersInput, name: string): string | undefined => {
  if (typeof headers.get === "function") {
    return (headers as { readonly get: (name: string) => string | null }).get(name) ?? undefined
  }
  const record = headers as Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1]
  return typeof value === "string" ? value : value === undefined ? undefined : value.join(", ")
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

const readJsonObject = (body: Uint8Array | string): Either.Either<Record<string, unknown>, NotJson> => {
  let text: string
  try {
    text = typeof body === "string" ? body : utf8.decode(body)
  } catch {
    return Either.left(new NotJson({ detail: "the bytes are not UTF-8" }))
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return Either.left(new NotJson({ detail: error instanceof Error ? error.message : String(error) }))
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return Either.left(new NotJson({ detail: `got ${Array.isArray(parsed) ? "an array" : JSON.stringify(parsed)?.slice(0, 40)}` }))
  }
  return Either.right(parsed as Record<string, unknown>)
}

const signedField = (body: Record<string, unknown>, field: "signature" | "timestamp") => {
  const value = body[field]
  if (value === undefined || value === null) return Either.left(new MissingField({ field }))
  if (typeof value !== "string" || value.length === 0) {
    return Either.left(new MalformedField({ field, detail: `must be a non-empty string (got ${JSON.stringify(value)?.slice(0, 40)})` }))
  }
  return Either.right(value)
}

const decodeBody = Schema.decodeUnknownEither(ReceivedCallbackBody, { errors: "all" })

const toBytes = (body: Uint8Array | string): Uint8Array => typeof body === "string" ? Signature.utf8Encode(body) : body

/**
 * Verifies a received callback and decodes it (see the module comment for
 * the order of the checks). Needs a `Signer` (`SignerNode.layer` or
 * `SignerWebCrypto.layer`); reads the time from `Clock`.
 */
export const verifyCallback = Effect.fn("VerifyCallback.verifyCallback")(function*(
  request: ReceivedCallback,
  options: VerifyOptions
) {
  // 1. Presence and form.
  const json = yield* readJsonObject(request.body)
  const signature = yield* signedField(json, "signature")
  const timestamp = yield* signedField(json, "timestamp")

  const { id: idName, signature: signatureName, timestamp: timestampName } = WebhookSignature.headerNames
  const webhookId = headerValue(request.headers, idName)
  const webhookTimestamp = headerValue(request.headers, timestampName)
  const webhookSignature = headerValue(request.headers, signatureName)
  const sent = [webhookId, webhookTimestamp, webhookSignature].filter((value) => value !== undefined).length
  if (sent > 0 && sent < 3) {
    const missing = webhookId === undefined ? idName : webhookTimestamp === undefined ? timestampName : signatureName
    return yield* new MissingHeader({
      header: missing,
      detail: `${idName}, ${timestampName} and ${signatureName} come together; a proxy may have dropped this one`
    })
  }
  if (sent === 0 && options.requireBodySignature === true) {
    return yield* new MissingHeader({
      header: signatureName,
      detail: "body binding is required (requireBodySignature) but the sender did not sign the body"
    })
  }

  const signedAtMillis = Timestamp.parse(timestamp)
  if (Either.isLeft(signedAtMillis)) return yield* new MalformedField({ field: "timestamp", detail: signedAtMillis.left.detail })
  const v1Digest = Signature.decode(signature)
  if (Either.isLeft(v1Digest)) return yield* new MalformedField({ field: "signature", detail: v1Digest.left.detail })

  let binding: { readonly id: string; readonly timestampSeconds: number; readonly digests: ReadonlyArray<Uint8Array> } | undefined
  if (webhookId !== undefined && webhookTimestamp !== undefined && webhookSignature !== undefined) {
    if (!WebhookSignature.deliveryIdPattern.test(webhookId)) {
      return yield* new MalformedHeader({ header: idName, detail: "must be 1 to 255 letters, digits, _ or -" })
    }
    if (!/^\d{1,15}$/.test(webhookTimestamp.trim())) {
      return yield* new MalformedHeader({
        header: timestampName,
        detail: `must be unix seconds, e.g. "1704164645" (got ${JSON.stringify(webhookTimestamp.slice(0, 40))})`
      })
    }
    const digests = WebhookSignature.parseHeader(webhookSignature)
    if (Either.isLeft(digests)) return yield* new MalformedHeader({ header: signatureName, detail: digests.left.detail })
    binding = { id: webhookId, timestampSeconds: Number(webhookTimestamp.trim()), digests: digests.right }
  }

  // 2. Freshness, both timestamps, both directions.
  const tolerance = options.tolerance ?? defaultTolerance
  const window = { past: tolerance, future: tolerance }
  const now = yield* Clock.currentTimeMillis
  const checks: ReadonlyArray<readonly [ClockSkew["source"], number]> = [
    ["timestamp", signedAtMillis.right],
    ...(binding === undefined ? [] : [["webhook-timestamp", binding.timestampSeconds * 1000] as const])
  ]
  for (const [source, millis] of checks) {
    const fresh = Timestamp.checkFreshness(millis, now, window)
    if (Either.isLeft(fresh)) {
      const { allowedSeconds, direction, skewSeconds } = fresh.left
      return yield* new ClockSkew({ source, direction, skewSeconds, allowedSeconds })
    }
  }

  // 3. Signatures, in constant time, both of them.
  const signer = yield* Signer
  const apiKeys = [options.apiKey, ...(options.previousApiKeys ?? [])]
  let v1Matches = false
  for (const apiKey of apiKeys) {
    v1Matches = (yield* signer.verify({ apiKey, partnerId: options.partnerId, timestamp, signature })) || v1Matches
  }
  const bodyMatches = binding === undefined
    ? undefined
    : yield* WebhookSignature.verify(apiKeys, binding.digests, {
      id: binding.id,
      timestampSeconds: binding.timestampSeconds,
      body: toBytes(request.body)
    })
  const keys = apiKeys.length === 1 ? "the configured API key" : `any of the ${apiKeys.length} configured API keys`
  if (!v1Matches) {
    return yield* new WrongKey({
      partnerId: options.partnerId,
      detail: bodyMatches === true
        ? `callback signature does not match partner id ${JSON.stringify(options.partnerId)}, although the ` +
          `${signatureName} matches ${keys}: the sender signed for another partner id; check partnerId`
        : `callback signature does not match ${keys} for partner id ${JSON.stringify(options.partnerId)}: ` +
          "check that the key is this partner's current API key (sandbox and production keys differ) and the partner id"
    })
  }
  if (binding !== undefined && bodyMatches !== true) return yield* new BodyAltered({ deliveryId: binding.id })

  // 4. Only now: decode.
  const decoded = decodeBody(json)
  if (Either.isLeft(decoded)) {
    return yield* new InvalidResult({ detail: ParseResult.TreeFormatter.formatErrorSync(decoded.left) })
  }
  const body = decoded.right
  const classification = body.ResultCode === undefined ? undefined : ResultCode.classify(body.ResultCode, body.ResultText)
  const known = classification?._tag === "Known" ? classification.row : undefined
  return {
    deliveryId: binding?.id ?? `v1:${body.SmileJobID}:${body.ResultCode ?? "-"}:${timestamp}:${signature}`,
    deliveryIdSource: binding === undefined ? "derived" : "webhook-id",
    bodyBound: binding !== undefined,
    signedAt: DateTime.unsafeMake(signedAtMillis.right),
    smileJobId: body.SmileJobID,
    jobType: body.PartnerParams.jobType,
    partnerParams: body.PartnerParams,
    resultCode: body.ResultCode,
    resultText: body.ResultText,
    classification,
    category: known?.category ?? "unknown",
    actions: Actions.fromWire(body.Actions ?? {}),
    confidence: body.ConfidenceValue === undefined ? undefined : Number(body.ConfidenceValue),
    isFinal: body.IsFinalResult === undefined ? known?.isFinal : body.IsFinalResult === "true",
    isMachineResult: body.IsMachineResult === undefined ? undefined : body.IsMachineResult === "true",
    body
  } satisfies VerifiedCallback
})
