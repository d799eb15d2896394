/**
 * The errors of the partner client. Each says what went wrong and what to do
 * in its `message`; each is data (`Schema.TaggedError`), so code can branch on
 * `_tag` and on the fields.
 *
 * | error | when | retried by the client? |
 * |---|---|---|
 * | `InvalidJobRequest` | the job is wrong before anything is sent (no selfie, two selfies, bad ids, wrong job type) | no request is made |
 * | `UnreadableImage` | an image file cannot be read, is empty, or is not a JPEG/PNG | no request is made |
 * | `ApiRejected` | the API answered `{code, error}` (2205 bad signature, 2215 job exists...) | no |
 * | `UnexpectedResponse` | an answer the v1 contract does not describe (an HTML 502 page, bad JSON) | 5xx only, while polling |
 * | `TransportError` | no answer at all (DNS, connection refused, TLS) | only while polling |
 * | `ResponseSignatureMismatch` | a job_status answer whose signature does not verify | never |
 * | `PollTimeout` | the job did not complete within the polling budget | - |
 * | `ZipUploadFailed` (adapter-s3) | the zip PUT failed | network and 5xx, on a bounded schedule |
 * | `InvalidBaseUrl` | the base URL is unusable | - |
 */
import { GeneralError, ResultCode } from "@selfie-auth/core"
import { Schema } from "effect"

/** The job to submit is wrong; nothing was sent. `field` names the input to fix (`selfie`, `userId`...). */
export class InvalidJobRequest extends Schema.TaggedError<InvalidJobRequest>()("InvalidJobRequest", {
  field: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.field}: ${this.detail}`
  }
}

/** An image cannot be used; nothing was sent. */
export class UnreadableImage extends Schema.TaggedError<UnreadableImage>()("UnreadableImage", {
  /** `selfie` or `livenessFrames[3]`. */
  field: Schema.String,
  /** The file path, when the image was given as one. */
  path: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.field}${this.path === undefined ? "" : ` (${this.path})`}: ${this.detail}`
  }
}

/**
 * The API refused the request with a v1 error body. `code` is as received
 * (`"2405"`), `canonicalCode` its 22xx form when it is a known general error;
 * `text` is the product's text for the code and `fix` what to do about it
 * (both from core's one table), `serverMessage` the `error` the server sent.
 */
export class ApiRejected extends Schema.TaggedError<ApiRejected>()("ApiRejected", {
  endpoint: Schema.String,
  httpStatus: Schema.Number,
  code: Schema.String,
  canonicalCode: Schema.optional(Schema.String),
  /** The general error's tag (`"NotAuthorized"`), when the code is a known one. */
  condition: Schema.optional(Schema.String),
  text: Schema.String,
  fix: Schema.String,
  serverMessage: Schema.String
}) {
  override get message(): string {
    const said = this.serverMessage === "" || this.serverMessage === this.text ? "" : ` (server said: ${this.serverMessage})`
    return `${this.endpoint} was refused with ${this.code} ${this.text}${said}. ${this.fix}`
  }

  /** Whether a later retry of the same request could succeed (a system error, 2201/2301/2401). */
  get isTransient(): boolean {
    return this.canonicalCode === "2201" || this.httpStatus >= 500
  }
}

/** Builds {@link ApiRejected} from an error body, with the text and the fix of core's tables. */
export const apiRejected = (input: {
  readonly endpoint: string
  readonly httpStatus: number
  readonly code: string
  readonly error: string
}): ApiRejected => {
  const tag = GeneralError.tagOfCode(input.code)
  const classification = ResultCode.classify(input.code)
  const row = tag === undefined ? undefined : GeneralError.table[tag]
  return new ApiRejected({
    endpoint: input.endpoint,
    httpStatus: input.httpStatus,
    code: input.code,
    ...(row === undefined ? {} : { canonicalCode: row.code, condition: tag }),
    text: row?.text ?? (classification._tag === "Known" ? classification.row.resultText : input.error),
    fix: row?.fix ??
      (input.httpStatus === 401 || input.httpStatus === 403
        ? "Check the partner id, the API key and the base URL (sandbox keys do not work in production)."
        : "The code is not in the SmartSelfie tables; read the server's message and contact the operator if it persists."),
    serverMessage: input.error
  })
}

/** An answer outside the v1 contract: a status or body the API does not send (a proxy's HTML page, bad JSON). */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>()("UnexpectedResponse", {
  endpoint: Schema.String,
  httpStatus: Schema.Number,
  /** The first 300 characters of the body. */
  bodyExcerpt: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.endpoint} answered HTTP ${this.httpStatus} that is not a v1 answer: ${this.detail}. Check the base URL points at a v1 API.`
  }

  get isTransient(): boolean {
    return this.httpStatus >= 500
  }
}

/** No answer at all: DNS, connection refused, TLS, timeout. */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  endpoint: Schema.String,
  url: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.endpoint} got no answer from ${this.url}: ${this.detail}. Check the base URL and the network.`
  }
}

/**
 * A job_status answer whose `signature` is not the v1 signature of its
 * `timestamp` under the partner's key: it may not come from the API (or the
 * key is wrong). Never retried: a forged or misrouted answer does not become
 * genuine by asking again.
 */
export class ResponseSignatureMismatch extends Schema.TaggedError<ResponseSignatureMismatch>()(
  "ResponseSignatureMismatch",
  { endpoint: Schema.String, timestamp: Schema.String }
) {
  override get message(): string {
    return `Unable to confirm validity of the ${this.endpoint} response: its signature does not match timestamp ` +
      `${JSON.stringify(this.timestamp)} under your API key. Check the API key and that the base URL is the API you expect.`
  }
}

/** The job did not complete within the polling budget. */
export class PollTimeout extends Schema.TaggedError<PollTimeout>()("PollTimeout", {
  userId: Schema.String,
  jobId: Schema.String,
  polls: Schema.Number,
  /** Why polling stopped: the overall timeout or the end of the schedule. */
  reason: Schema.Literal("Timeout", "ScheduleExhausted"),
  /** The last job_status `code` seen (e.g. `"2314"` no zip yet), if any. */
  lastCode: Schema.optional(Schema.String),
  /**
   * The `ResultCode` and `ResultText` of the last answer, when the job already
   * had a result that is not final (a provisional machine result such as
   * `0822`, waiting for a human reviewer).
   */
  lastResultCode: Schema.optional(Schema.String),
  lastResultText: Schema.optional(Schema.String),
  elapsedMillis: Schema.Number
}) {
  override get message(): string {
    const waited = `Timeout waiting for the job status of job ${JSON.stringify(this.jobId)} (user ${JSON.stringify(this.userId)}) ` +
      `after ${this.polls} polls in ${Math.round(this.elapsedMillis / 1000)} s` +
      `${this.lastCode === undefined ? "" : `, last code ${this.lastCode}`}.`
    return this.lastResultCode === undefined
      ? `${waited} The job may still complete: poll again later, or wait for the callback.`
      : `${waited} The job has a result that is not final yet, ${this.lastResultCode} ${this.lastResultText ?? ""}: ` +
        "a reviewer's decision will follow; poll again later (selfie-auth status --watch) or wait for the callback."
  }
}
