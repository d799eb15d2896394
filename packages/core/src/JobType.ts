/**
 * The two SmartSelfie job types. The official SDKs send `job_type` as a number
 * (Node, Python) or a string (REST callers, some SDK releases), so input is
 * lenient and output is always the number.
 */
import { Schema } from "effect"

/** Job type 2: authenticate a registered user against the selfie on file. */
export const Authentication = 2 as const
/** Job type 4: register a user's selfie. */
export const Registration = 4 as const

export const JobType = Schema.Literal(Authentication, Registration)
export type JobType = typeof JobType.Type

/** Any integer job type as it may arrive on the wire: `2`, `"2"`, `" 4 "`. */
export const WireJobTypeNumber = Schema.Union(
  Schema.Int,
  Schema.compose(Schema.Trim, Schema.NumberFromString).pipe(Schema.int())
).annotations({ identifier: "WireJobType", description: "an integer, as a number or a string of digits" })

/** `partner_params.job_type` as it arrives: a number or a numeric string, 2 or 4. */
export const WireJobType = Schema.compose(WireJobTypeNumber, JobType)

export const isJobType = Schema.is(JobType)

export const describe = (jobType: JobType): string =>
  jobType === Registration ? "registration (job type 4)" : "authentication (job type 2)"
