/**
 * `partner_params`: the partner's own ids for a job (`user_id`, `job_id`), the
 * job type, and any extra tracking keys the partner adds. The product text
 * promises that extra keys "will be returned in the response", so they are kept
 * in {@link PartnerParams.extras} and echoed back after the three fixed keys.
 *
 * Decisions:
 * - Extra values must be strings. The product text calls them key value pairs
 *   for tracking and Smile ID's own mobile SDKs type them as string maps; a
 *   number, boolean, object or null would either be changed on the way back or
 *   break those readers, so it is refused with 2204 naming the key and the fix
 *   (send `"2"`, not `2`).
 * - `job_type` is read as `2`, `4`, `"2"` or `"4"` and always written back as
 *   the number. The product text's table lists `PartnerParams.job_type` as a
 *   String, but every hosted-API result shown in Smile ID's own SDK READMEs and
 *   examples carries the number (`"job_type": 4`), and the Node and Python SDKs
 *   send the number; clients reading results accept both.
 */
import { Schema } from "effect"
import * as Ids from "../Ids.js"
import * as JobType from "../JobType.js"
import { JobIdField, JobTypeField, jsonObject, quote, UserIdField } from "./Fields.js"

const fixedKeys: ReadonlySet<string> = new Set(["user_id", "job_id", "job_type"])

const isExtraKey = (key: string): boolean => !fixedKeys.has(key)

const isExtraEntry = (entry: readonly [string, unknown]): entry is [string, string] =>
  isExtraKey(entry[0]) && typeof entry[1] === "string"

/**
 * JSON may carry a key named `__proto__`, but a decoded JavaScript object
 * cannot hold it as plain data (Schema's struct decoding would drop it
 * silently), so it is refused by name before decoding.
 */
const WithoutProtoKey = Schema.Unknown.pipe(
  Schema.filter((value) =>
    typeof value !== "object" || value === null || !Object.hasOwn(value, "__proto__")
      ? undefined
      : { path: ["__proto__"], message: "is a name JavaScript reserves and cannot be echoed back; rename this key" }
  )
)

const PartnerParamsStruct = Schema.Struct(
  { user_id: UserIdField, job_id: JobIdField, job_type: JobTypeField },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations(jsonObject)

/**
 * `partner_params` exactly as on the wire (snake_case). Unknown keys are the
 * partner's extras and must be strings; anything else fails at
 * `partner_params.<key>`. (Its `Encoded` type is `unknown` because of the
 * `__proto__` guard in front of the struct.)
 */
export const PartnerParamsWire = Schema.compose(WithoutProtoKey, PartnerParamsStruct, { strict: false }).pipe(
  Schema.filter((params) =>
    Object.entries(params)
      .filter(([key, value]) => isExtraKey(key) && typeof value !== "string")
      .map(([key, value]) => ({ path: [key], message: extraValueAdvice(value) }))
  )
).annotations({ identifier: "PartnerParamsWire" })

/** Partner params inside the service (camelCase), extras separate from the fixed keys. */
export const PartnerParams = Schema.Struct({
  userId: Ids.UserId,
  jobId: Ids.JobId,
  jobType: JobType.JobType,
  /** The partner's extra keys in the order received, without `user_id`, `job_id` or `job_type`. */
  extras: Schema.Record({ key: Schema.String, value: Schema.String })
}).annotations({ identifier: "PartnerParams" })
export type PartnerParams = typeof PartnerParams.Type

/**
 * `partner_params` on the wire <-> {@link PartnerParams}. Encodes in the Node
 * SDK's order: `user_id`, `job_id`, `job_type` (a number), then the extras in
 * their original order.
 *
 * @example
 * Schema.decodeUnknownSync(PartnerParamsFromWire)({ user_id: "u-1", job_id: "j-1", job_type: "4", branch: "lagos" })
 * // { userId: "u-1", jobId: "j-1", jobType: 4, extras: { branch: "lagos" } }
 */
export const PartnerParamsFromWire = Schema.transform(PartnerParamsWire, Schema.typeSchema(PartnerParams), {
  strict: true,
  decode: (wire) => ({
    userId: wire.user_id,
    jobId: wire.job_id,
    jobType: wire.job_type,
    extras: Object.fromEntries(Object.entries(wire).filter(isExtraEntry))
  }),
  encode: (params) => ({
    user_id: params.userId,
    job_id: params.jobId,
    job_type: params.jobType,
    ...Object.fromEntries(Object.entries(params.extras).filter(isExtraEntry))
  })
}).annotations({ identifier: "PartnerParamsFromWire" })

/** Why an extra value is refused and what to send instead. */
const extraValueAdvice = (value: unknown): string => {
  const scalar = typeof value === "number" || typeof value === "boolean"
  return `must be a string, since extra partner_params are echoed back as strings (got ${quote(value)}${
    scalar ? `; send ${quote(String(value))}` : ""
  })`
}
