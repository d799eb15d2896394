/**
 * Field schemas shared by the v1 wire messages. Each carries the message a
 * partner sees when the field is wrong, so {@link ./DecodeError.ts} can say
 * exactly what to fix without knowing the field.
 */
import { type ParseResult, Schema } from "effect"
import * as Ids from "../Ids.js"
import * as JobType from "../JobType.js"

/** How a received value is quoted in a message: as JSON, cut short (base64 images can be megabytes). */
export const quote = (value: unknown): string => {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value) // a BigInt or a cyclic object: not from JSON, but decode accepts unknown
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/**
 * A message for a field that replaces Effect's nested messages (union members,
 * transformation steps) with one sentence of advice, then the value received.
 */
export const says = (advice: string) => ({
  message: (issue: ParseResult.ParseIssue) => ({ message: `${advice} (got ${quote(issue.actual)})`, override: true })
})

/**
 * For object schemas: the message when the value is not an object at all. It
 * does not override, so problems inside the object keep their own messages.
 */
export const jsonObject = {
  message: (issue: ParseResult.ParseIssue) => `must be a JSON object (got ${quote(issue.actual)})`
}

/**
 * `timestamp` exactly as the partner signed it. Every SDK writes its own style
 * (Node `2024-01-02T03:04:05.678Z`, Python `...05.678000+00:00`, Ruby
 * `2024-01-02 03:04:05 +0000`, PHP `...05+00:00`, Java `Instant.toString()`),
 * and the signature covers these exact characters, so the wire model keeps the
 * string untouched: parsing and freshness belong to signing.
 */
export const Timestamp = Schema.NonEmptyString.annotations({
  identifier: "Timestamp",
  ...says("must be the non-empty timestamp string that was signed, e.g. \"2024-01-02T03:04:05.678Z\"")
})

/** `signature`: base64(HMAC-SHA256) as sent; verified by signing, not here. */
export const Signature = Schema.NonEmptyString.annotations({
  identifier: "Signature",
  ...says("must be the non-empty base64 signature string")
})

/** `user_id` of a request or of `partner_params`. */
export const UserIdField = Ids.UserId.annotations(says("must be a non-empty string of at most 255 characters"))

/** `job_id` of a request or of `partner_params`. */
export const JobIdField = Ids.JobId.annotations(says("must be a non-empty string of at most 255 characters"))

/** `smile_client_id` / `partner_id`: the partner's account id, a string such as `"001"`. */
export const PartnerIdField = Ids.PartnerId.annotations(says("must be your partner id as a non-empty string, e.g. \"001\""))

/** `smile_job_id` / `SmileJobID`: ten digits. */
export const SmileJobIdField = Ids.SmileJobId.annotations(says("must be a Smile job id of ten digits, e.g. \"0000000001\""))

/** `job_type`: `2`, `4`, `"2"` or `"4"` on input (WIRE.md: SDKs send a number, REST callers may send a string); the number on output. */
export const JobTypeField = JobType.WireJobType.annotations(
  says("must be 2 (authenticate a registered user) or 4 (register a user's selfie), as a number or a string of digits")
)

/** A 4-digit code string of the v1 API (`"0840"`, `"2302"`, `"2213"`). Never a number: leading zeros matter. */
export const Code = Schema.String.pipe(Schema.pattern(/^\d{4}$/)).annotations({
  identifier: "Code",
  ...says("must be a string of four digits, e.g. \"0840\"")
})

/**
 * `ResultCode` of a result object: a 4-digit string. Kept as a plain pattern
 * here; the taxonomy of what each code means lives in `ResultCode.ts`.
 */
export const ResultCode = Code.annotations({ identifier: "ResultCode" })

/** A boolean spelled as a string, as the v1 result object does: `"true"` or `"false"`. */
export const BooleanString = Schema.Literal("true", "false").annotations({
  identifier: "BooleanString",
  ...says("must be the string \"true\" or \"false\"")
})

/** `ConfidenceValue`: a number from 0 to 100 spelled as a string (`"99"`, `"100.000000"` in the SDK READMEs). */
export const ConfidenceValue = Schema.String.pipe(
  Schema.pattern(/^(?:100(?:\.0+)?|\d{1,2}(?:\.\d+)?)$/)
).annotations({
  identifier: "ConfidenceValue",
  ...says("must be a number from 0 to 100 written as a string, e.g. \"99\"")
})

/** An http(s) URL for results; the callback sender does the full URL check and the delivery. */
export const CallbackUrl = Schema.String.pipe(Schema.pattern(/^https?:\/\/[^\s/?#]+[^\s]*$/i)).annotations({
  identifier: "CallbackUrl",
  ...says("must be an http(s) URL, or be empty, null or absent for no callback")
})

/**
 * `callback_url` as it arrives: a URL, or missing, `null` or `""` (all three
 * seen from the official Node SDK, WIRE.md) meaning "no callback".
 */
export const CallbackUrlField = Schema.NullOr(Schema.Union(Schema.Literal(""), CallbackUrl)).annotations(
  says("must be an http(s) URL, or be empty, null or absent for no callback")
)

/** A string field of the wire whose content is not constrained. */
export const Text = Schema.String.annotations(says("must be a string"))

/** A boolean field of the wire (`history`, `image_links`, `use_enrolled_image`). */
export const Flag = Schema.Boolean.annotations(says("must be true or false (a JSON boolean)"))
