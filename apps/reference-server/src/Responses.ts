/**
 * Response bodies outside the v1 handlers: general errors in the v1 shape
 * (`{code, error}`) and the plain refusals of the upload and image routes
 * (`{error, reason}`), each saying what to do.
 */
import { HttpServerResponse } from "@effect/platform"
import { GeneralError } from "@selfie-auth/core"

/** A general error in the v1 shape, at the table's status. */
export const v1Error = (error: GeneralError.GeneralError) =>
  HttpServerResponse.unsafeJson(GeneralError.toErrorBody(error), { status: GeneralError.infoOf(error).httpStatus })

/** A refusal of the upload or image routes: `{ error, reason }` at `status`. */
export const problem = (status: number, reason: string, detail: string) =>
  HttpServerResponse.unsafeJson({ error: detail, reason }, { status })
