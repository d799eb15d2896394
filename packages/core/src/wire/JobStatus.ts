/**
 * `POST /v1/job_status`: the partner polls a job by its own ids.
 *
 * Request leniency (WIRE.md, "POST /job_status"): `history` and `image_links`
 * may be absent (read as false); Ruby and PHP add `source_sdk`, ignored with any
 * other unknown key; the partner id is `partner_id` here, `smile_client_id` is
 * accepted as the other spelling (if both are sent they must agree);
 * `timestamp` is kept as the exact string that was signed.
 */
import { Either, Option, ParseResult, Schema } from "effect"
import * as Ids from "../Ids.js"
import type { RequestDecodeError } from "./DecodeError.js"
import { invalidAt, missingAt, requestError } from "./DecodeError.js"
import { Code, Flag, JobIdField, jsonObject, PartnerIdField, Signature, Text, Timestamp, UserIdField } from "./Fields.js"
import { ResultObject } from "./ResultObject.js"

/** The job_status body as on the wire, in the Node SDK's order. */
export const JobStatusRequestWire = Schema.Struct({
  user_id: UserIdField,
  job_id: JobIdField,
  partner_id: Schema.optional(PartnerIdField),
  smile_client_id: Schema.optional(PartnerIdField),
  history: Schema.optional(Flag),
  image_links: Schema.optional(Flag),
  signature: Signature,
  timestamp: Timestamp
}).annotations({ identifier: "JobStatusRequestWire", ...jsonObject })

/** A job_status request inside the service: absent flags already read as false, one partner id. */
export const JobStatusRequest = Schema.Struct({
  userId: Ids.UserId,
  jobId: Ids.JobId,
  partnerId: Ids.PartnerId,
  /** Include every result the job had (`history`). */
  history: Schema.Boolean,
  /** Include expiring links to the job's images (`image_links`). */
  imageLinks: Schema.Boolean,
  signature: Schema.String,
  timestamp: Schema.String
}).annotations({ identifier: "JobStatusRequest" })
export type JobStatusRequest = typeof JobStatusRequest.Type

/** Wire body <-> {@link JobStatusRequest}; encodes every key, as the Node SDK does. */
export const JobStatusRequestFromWire = Schema.transformOrFail(JobStatusRequestWire, Schema.typeSchema(JobStatusRequest), {
  strict: true,
  decode: (wire) => {
    const partnerId = wire.partner_id ?? wire.smile_client_id
    if (partnerId === undefined) return ParseResult.fail(missingAt("partner_id", wire, PartnerIdField))
    if (wire.smile_client_id !== undefined && wire.smile_client_id !== partnerId) {
      const advice = `must equal partner_id ("${partnerId}") when both are sent; send only partner_id`
      return ParseResult.fail(invalidAt("smile_client_id", wire, wire.smile_client_id, advice))
    }
    return ParseResult.succeed({
      userId: wire.user_id,
      jobId: wire.job_id,
      partnerId,
      history: wire.history ?? false,
      imageLinks: wire.image_links ?? false,
      signature: wire.signature,
      timestamp: wire.timestamp
    })
  },
  encode: (request) =>
    ParseResult.succeed({
      user_id: request.userId,
      job_id: request.jobId,
      partner_id: request.partnerId,
      history: request.history,
      image_links: request.imageLinks,
      signature: request.signature,
      timestamp: request.timestamp
    })
}).annotations({ identifier: "JobStatusRequestFromWire" })

const decodeRequest = Schema.decodeUnknownEither(JobStatusRequestFromWire, { errors: "all", onExcessProperty: "ignore" })

/** What `NonBlank` of `Ids.ts` accepts: a string, not only whitespace, at most 255 characters. */
const isId = (value: unknown): value is string =>
  typeof value === "string" && value.length <= 255 && value.trim().length > 0

/** What `Timestamp` and `Signature` accept. */
const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value.length > 0

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key)

/**
 * The fast path of {@link decodeJobStatusRequest}: the request of a body that
 * {@link JobStatusRequestFromWire} accepts, built without the schema's
 * machinery, equal to what the schema decodes; `undefined` for every other
 * body (invalid, or unusual enough to leave to the schema). It reads keys as
 * the schema's struct parser does: a required key wherever it is found, an
 * optional key only when the body has it as its own (present but `undefined`
 * is read as absent).
 */
export const acceptJobStatusRequest = (body: unknown): JobStatusRequest | undefined => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined
  const wire = body as { readonly [key: string]: unknown }
  const userId = wire["user_id"]
  if (!isId(userId)) return undefined
  const jobId = wire["job_id"]
  if (!isId(jobId)) return undefined
  const partnerId = hasOwn(wire, "partner_id") ? wire["partner_id"] : undefined
  if (partnerId !== undefined && !isId(partnerId)) return undefined
  const smileClientId = hasOwn(wire, "smile_client_id") ? wire["smile_client_id"] : undefined
  if (smileClientId !== undefined && !isId(smileClientId)) return undefined
  const partner = partnerId ?? smileClientId
  if (partner === undefined || (smileClientId !== undefined && smileClientId !== partner)) return undefined
  const history = hasOwn(wire, "history") ? wire["history"] : undefined
  if (history !== undefined && typeof history !== "boolean") return undefined
  const imageLinks = hasOwn(wire, "image_links") ? wire["image_links"] : undefined
  if (imageLinks !== undefined && typeof imageLinks !== "boolean") return undefined
  const signature = wire["signature"]
  if (!isNonEmptyString(signature)) return undefined
  const timestamp = wire["timestamp"]
  if (!isNonEmptyString(timestamp)) return undefined
  // Brands exist only in types: at runtime the schema's ids are these same strings.
  return {
    userId: userId as Ids.UserId,
    jobId: jobId as Ids.JobId,
    partnerId: partner as Ids.PartnerId,
    history: history ?? false,
    imageLinks: imageLinks ?? false,
    signature,
    timestamp
  }
}

/**
 * Decodes a parsed `POST /v1/job_status` body; a bad body becomes 2213 or 2204
 * naming every offending field.
 *
 * The body is polled every few seconds per job, so a valid one is checked
 * and read by {@link acceptJobStatusRequest}, with exactly the rules of
 * {@link JobStatusRequestFromWire} (ids non-blank and at most 255 characters,
 * `timestamp` and `signature` non-empty strings, flags booleans or absent, one
 * partner id) but without running the schema. Any body it does not accept,
 * including every invalid one, is decoded by the schema, which alone rejects
 * and writes the message.
 */
export const decodeJobStatusRequest = (body: unknown): Either.Either<JobStatusRequest, RequestDecodeError> => {
  const accepted = acceptJobStatusRequest(body)
  return accepted !== undefined
    ? Either.right(accepted)
    : Either.mapLeft(decodeRequest(body), (error) => requestError(error, "POST /v1/job_status body"))
}

/** `result` while nothing is processed yet: a plain string, as the hosted API sends it. */
export const NoZipUploaded = "No zip uploaded"

/**
 * `result` of a job_status answer: the result object, or a plain string such as
 * {@link NoZipUploaded} before the job has a result.
 */
export const JobStatusResult = Schema.Union(ResultObject, Text).annotations({ identifier: "JobStatusResult" })

/** `image_links`: expiring URLs of the job's images, e.g. `{ selfie_image: "https://..." }`. */
export const ImageLinks = Schema.Record({ key: Schema.String, value: Text }).annotations({ identifier: "ImageLinks" })

/**
 * The job_status answer as on the wire. The server signs it like a request
 * (its timestamp + partner id + "sid_request"), with `timestamp` a string.
 * `code` is `"2302"` when the job's result is reported.
 */
export const JobStatusResponseWire = Schema.Struct({
  timestamp: Timestamp,
  signature: Signature,
  job_complete: Flag,
  job_success: Flag,
  code: Code,
  result: JobStatusResult,
  history: Schema.optional(Schema.Array(ResultObject)),
  image_links: Schema.optional(ImageLinks)
}).annotations({ identifier: "JobStatusResponseWire", ...jsonObject })

/** A job_status answer inside the service; the optional parts as `Option`s. */
export const JobStatusResponse = Schema.Struct({
  timestamp: Schema.String,
  signature: Schema.String,
  jobComplete: Schema.Boolean,
  jobSuccess: Schema.Boolean,
  code: Schema.String,
  result: Schema.typeSchema(JobStatusResult),
  /** Present when the request asked for `history`. */
  history: Schema.OptionFromSelf(Schema.Array(Schema.typeSchema(ResultObject))),
  /** Present when the request asked for `image_links`. */
  imageLinks: Schema.OptionFromSelf(ImageLinks)
}).annotations({ identifier: "JobStatusResponse" })
export type JobStatusResponse = typeof JobStatusResponse.Type

/** A job_status answer's wire fields, whatever the schema of `result` and of each `history` entry. */
export interface JobStatusResponseFields<Result, Entry> {
  readonly timestamp: string
  readonly signature: string
  readonly job_complete: boolean
  readonly job_success: boolean
  readonly code: string
  readonly result: Result
  readonly history?: ReadonlyArray<Entry> | undefined
  readonly image_links?: { readonly [key: string]: string } | undefined
}

/** A job_status answer inside the service, whatever the schema of `result` and of each `history` entry. */
export interface JobStatusResponseValue<Result, Entry> {
  readonly timestamp: string
  readonly signature: string
  readonly jobComplete: boolean
  readonly jobSuccess: boolean
  readonly code: string
  readonly result: Result
  readonly history: Option.Option<ReadonlyArray<Entry>>
  readonly imageLinks: Option.Option<{ readonly [key: string]: string }>
}

/**
 * Wire fields -> camelCase. Shared by {@link JobStatusResponseFromWire} and
 * by clients that read `result` more leniently (the hosted API's abridged results).
 */
export const responseFromWire = <Result, Entry>(
  wire: JobStatusResponseFields<Result, Entry>
): JobStatusResponseValue<Result, Entry> => ({
  timestamp: wire.timestamp,
  signature: wire.signature,
  jobComplete: wire.job_complete,
  jobSuccess: wire.job_success,
  code: wire.code,
  result: wire.result,
  history: Option.fromNullable(wire.history),
  imageLinks: Option.fromNullable(wire.image_links)
})

/** camelCase -> wire fields; `history` and `image_links` are written only when present. */
export const responseToWire = <Result, Entry>(
  response: JobStatusResponseValue<Result, Entry>
): JobStatusResponseFields<Result, Entry> => ({
  timestamp: response.timestamp,
  signature: response.signature,
  job_complete: response.jobComplete,
  job_success: response.jobSuccess,
  code: response.code,
  result: response.result,
  ...Option.match(response.history, { onNone: () => ({}), onSome: (history) => ({ history }) }),
  ...Option.match(response.imageLinks, { onNone: () => ({}), onSome: (imageLinks) => ({ image_links: imageLinks }) })
})

/** Wire answer <-> {@link JobStatusResponse}; `history`/`image_links` are written only when present. */
export const JobStatusResponseFromWire = Schema.transform(JobStatusResponseWire, Schema.typeSchema(JobStatusResponse), {
  strict: true,
  decode: responseFromWire,
  encode: responseToWire
}).annotations({ identifier: "JobStatusResponseFromWire" })

/** A job_status answer as wire JSON (what {@link JobStatusResponseFromWire} encodes to). */
export type JobStatusResponseEncoded = typeof JobStatusResponseFromWire.Encoded

/** What {@link Code} accepts. */
const fourDigits = /^\d{4}$/

/**
 * An encoder of job_status answers that gives what
 * `Schema.encodeSync(JobStatusResponseFromWire)` gives, key order included,
 * but encodes each result object once: a result object it has encoded before
 * (the same object, not an equal one) is answered with the wire JSON it made
 * then.
 *
 * What is checked where: `result` by {@link JobStatusResult} and each
 * `history` entry by {@link ResultObject}, each object once. The rest of the
 * answer is checked here with the schema's own rules (`timestamp` and
 * `signature` non-empty strings, `jobComplete` and `jobSuccess` booleans,
 * `code` four digits, `history` and `imageLinks` `Option`s) and written
 * directly in the schema's key order; an answer with `imageLinks` (rare), or
 * one those checks refuse, is encoded by {@link JobStatusResponseFromWire}
 * instead. An invalid part throws its `ParseError`.
 *
 * For the server's job_status route, where the same job's result objects are
 * answered poll after poll; result objects must not be mutated once encoded
 * (they are immutable throughout the service). Entries are held weakly.
 */
export const makeResponseEncoder = (): (response: JobStatusResponse) => JobStatusResponseEncoded => {
  const encodeRest = Schema.encodeSync(JobStatusResponseFromWire)
  const encodeText = Schema.encodeSync(JobStatusResult)
  const encodeResultObject = Schema.encodeSync(ResultObject)
  const encoded = new WeakMap<ResultObject, typeof ResultObject.Encoded>()
  const once = (object: ResultObject) => {
    let wire = encoded.get(object)
    if (wire === undefined) {
      wire = encodeResultObject(object)
      encoded.set(object, wire)
    }
    return wire
  }
  return (response) => {
    if (
      typeof response === "object" && response !== null &&
      isNonEmptyString(response.timestamp) && isNonEmptyString(response.signature) &&
      typeof response.jobComplete === "boolean" && typeof response.jobSuccess === "boolean" &&
      typeof response.code === "string" && fourDigits.test(response.code) &&
      Option.isOption(response.history) && Option.isOption(response.imageLinks) && Option.isNone(response.imageLinks)
    ) {
      // Every string is valid Text and encodes to itself.
      const result = typeof response.result === "string" ? response.result : once(response.result)
      const wire = {
        timestamp: response.timestamp,
        signature: response.signature,
        job_complete: response.jobComplete,
        job_success: response.jobSuccess,
        code: response.code,
        result
      }
      // `history` last, as the schema writes it.
      return Option.isSome(response.history) ? { ...wire, history: response.history.value.map(once) } : wire
    }
    // The rest, with results that cost nothing to encode in their places, so that the keys keep the schema's order.
    const rest = encodeRest({ ...response, result: NoZipUploaded, history: Option.map(response.history, () => []) })
    return {
      ...rest,
      result: typeof response.result === "string" ? encodeText(response.result) : once(response.result),
      ...(Option.isSome(response.history) ? { history: response.history.value.map(once) } : {})
    }
  }
}
