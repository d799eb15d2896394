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

/** Decodes a parsed `POST /v1/job_status` body; a bad body becomes 2213 or 2204 naming every offending field. */
export const decodeJobStatusRequest = (body: unknown): Either.Either<JobStatusRequest, RequestDecodeError> =>
  Either.mapLeft(decodeRequest(body), (error) => requestError(error, "POST /v1/job_status body"))

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

/**
 * An encoder of job_status answers that gives what
 * `Schema.encodeSync(JobStatusResponseFromWire)` gives, key order included,
 * but encodes each result object once: a result object it has encoded before
 * (the same object, not an equal one) is answered with the wire JSON it made
 * then. Every part is still checked by its schema: the answer without its
 * results by {@link JobStatusResponseFromWire}, `result` by
 * {@link JobStatusResult}, each `history` entry by {@link ResultObject}; an
 * invalid part throws its `ParseError`.
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
    // The rest, with results that cost nothing to encode in their places, so that the keys keep the schema's order.
    const rest = encodeRest({ ...response, result: NoZipUploaded, history: Option.map(response.history, () => []) })
    return {
      ...rest,
      result: typeof response.result === "string" ? encodeText(response.result) : once(response.result),
      ...(Option.isSome(response.history) ? { history: response.history.value.map(once) } : {})
    }
  }
}
