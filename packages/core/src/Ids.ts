/**
 * Branded identifiers. Every id that crosses a boundary is decoded through one
 * of these schemas, so a `UserId` can never be passed where a `JobId` is due.
 *
 * @example
 * import { Schema } from "effect"
 * const id = Schema.decodeUnknownSync(Ids.UserId)("user-001")
 */
import { Schema } from "effect"

const NonBlank = Schema.String.pipe(
  Schema.filter((s) => s.trim().length > 0, { message: () => "must be a non-empty string" }),
  Schema.maxLength(255, { message: () => "must be at most 255 characters" })
)

/** The partner's account id (`smile_client_id` / `partner_id` on the wire), e.g. `"001"`. */
export const PartnerId = NonBlank.pipe(Schema.brand("PartnerId"))
export type PartnerId = typeof PartnerId.Type

/** The partner's own id for one of its users (`partner_params.user_id`). */
export const UserId = NonBlank.pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type

/** The partner's own id for one job (`partner_params.job_id`); unique per partner. */
export const JobId = NonBlank.pipe(Schema.brand("JobId"))
export type JobId = typeof JobId.Type

/** The service's own reference for an accepted job (`smile_job_id` / `SmileJobID`), ten digits. */
export const SmileJobId = Schema.String.pipe(
  Schema.pattern(/^\d{10}$/, { message: () => "must be ten digits" }),
  Schema.brand("SmileJobId")
)
export type SmileJobId = typeof SmileJobId.Type
