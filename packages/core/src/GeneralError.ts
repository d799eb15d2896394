/**
 * General errors: the 22xx family of the product text. A general error ends a
 * request before a job exists, so it carries no Smile job id. Each condition is
 * its own tagged error; {@link table} is the one place that maps a condition to
 * its wire code, its text and the HTTP status our server answers with.
 *
 * The hosted API may also answer with the same condition in a 23xx or 24xx form
 * (`2301`, `2405`, `2413`...): {@link canonicalCode} folds those onto 22xx.
 *
 * @example
 * const error = new GeneralError.MissingParameter({ detail: "partner_params.user_id is required" })
 * GeneralError.toErrorBody(error)
 * // { code: "2213", error: "Error - A required parameter is missing: partner_params.user_id is required" }
 */
import { Schema } from "effect"
import type { JobType } from "./JobType.js"

const detail = { detail: Schema.String }

/** 2201: an unexpected failure inside the service. */
export class SystemError extends Schema.TaggedError<SystemError>()("SystemError", detail) {}
/** 2203: info.json is not valid JSON or not the expected structure. */
export class InvalidJson extends Schema.TaggedError<InvalidJson>()("InvalidJson", detail) {}
/** 2204: a value has the wrong type or format. */
export class WrongDataType extends Schema.TaggedError<WrongDataType>()("WrongDataType", detail) {}
/** 2205: the signature or timestamp does not authenticate the request. */
export class NotAuthorized extends Schema.TaggedError<NotAuthorized>()("NotAuthorized", detail) {}
/** 2207: authentication of a user the partner has disabled. */
export class UserDisabled extends Schema.TaggedError<UserDisabled>()("UserDisabled", detail) {}
/** 2208: authentication of a user that was deleted. */
export class UserDeleted extends Schema.TaggedError<UserDeleted>()("UserDeleted", detail) {}
/** 2209: registration of a user id that is already enrolled. */
export class UserAlreadyEnrolled extends Schema.TaggedError<UserAlreadyEnrolled>()("UserAlreadyEnrolled", detail) {}
/** 2210: authentication of a user id that was never enrolled. */
export class NoEnrolledUser extends Schema.TaggedError<NoEnrolledUser>()("NoEnrolledUser", detail) {}
/** 2211: authentication of a user flagged for re-enrollment. */
export class ReEnrollmentRequired extends Schema.TaggedError<ReEnrollmentRequired>()("ReEnrollmentRequired", detail) {}
/** 2212: `job_type` is not 2 or 4. */
export class InvalidJobType extends Schema.TaggedError<InvalidJobType>()("InvalidJobType", detail) {}
/** 2213: a required field is missing from the request or info.json. */
export class MissingParameter extends Schema.TaggedError<MissingParameter>()("MissingParameter", detail) {}
/** 2214: the partner's account does not have this product enabled. */
export class ProductNotActivated extends Schema.TaggedError<ProductNotActivated>()("ProductNotActivated", detail) {}
/** 2215: the partner already used this `job_id`. */
export class JobAlreadyExists extends Schema.TaggedError<JobAlreadyExists>()("JobAlreadyExists", detail) {}
/** 2216: the user exists but has no selfie on file to compare against. */
export class NoPhotoOnFile extends Schema.TaggedError<NoPhotoOnFile>()("NoPhotoOnFile", detail) {}
/** 2217: the request does not describe a SmartSelfie job. */
export class InvalidProduct extends Schema.TaggedError<InvalidProduct>()("InvalidProduct", detail) {}
/** 2220: production use is not enabled for the partner. */
export class ProductionNotEnabled extends Schema.TaggedError<ProductionNotEnabled>()("ProductionNotEnabled", detail) {}
/** 2221: a Web SDK token is invalid. */
export class InvalidToken extends Schema.TaggedError<InvalidToken>()("InvalidToken", detail) {}

export type GeneralError =
  | SystemError
  | InvalidJson
  | WrongDataType
  | NotAuthorized
  | UserDisabled
  | UserDeleted
  | UserAlreadyEnrolled
  | NoEnrolledUser
  | ReEnrollmentRequired
  | InvalidJobType
  | MissingParameter
  | ProductNotActivated
  | JobAlreadyExists
  | NoPhotoOnFile
  | InvalidProduct
  | ProductionNotEnabled
  | InvalidToken

/** Schema of every general error, for RPC and persistence. */
export const GeneralError = Schema.Union(
  SystemError,
  InvalidJson,
  WrongDataType,
  NotAuthorized,
  UserDisabled,
  UserDeleted,
  UserAlreadyEnrolled,
  NoEnrolledUser,
  ReEnrollmentRequired,
  InvalidJobType,
  MissingParameter,
  ProductNotActivated,
  JobAlreadyExists,
  NoPhotoOnFile,
  InvalidProduct,
  ProductionNotEnabled,
  InvalidToken
)

export const GeneralErrorCode = Schema.Literal(
  "2201",
  "2203",
  "2204",
  "2205",
  "2207",
  "2208",
  "2209",
  "2210",
  "2211",
  "2212",
  "2213",
  "2214",
  "2215",
  "2216",
  "2217",
  "2220",
  "2221"
)
export type GeneralErrorCode = typeof GeneralErrorCode.Type

export interface GeneralErrorInfo {
  readonly code: GeneralErrorCode
  /** The text of the product's table, as the hosted API sends it in `error`. */
  readonly text: string
  /** What the caller should do about it. */
  readonly fix: string
  /** The HTTP status our server answers with (the product text documents none but 400 for 2215). */
  readonly httpStatus: 400 | 401 | 403 | 404 | 409 | 500
  /** The job types under which the product text lists the code. */
  readonly listedFor: ReadonlyArray<JobType>
}

const both: ReadonlyArray<JobType> = [2, 4]
const authenticationOnly: ReadonlyArray<JobType> = [2]
const registrationOnly: ReadonlyArray<JobType> = [4]

/** The one table from condition to wire code, text, advice and HTTP status. */
export const table: { readonly [Tag in GeneralError["_tag"]]: GeneralErrorInfo } = {
  SystemError: {
    code: "2201",
    text: "System Error",
    fix: "Retry the request later; if it keeps failing, report the job id to the operator.",
    httpStatus: 500,
    listedFor: both
  },
  InvalidJson: {
    code: "2203",
    text: "Error - Invalid JSON",
    fix: "Make info.json valid JSON with package_information, misc_information and images.",
    httpStatus: 400,
    listedFor: both
  },
  WrongDataType: {
    code: "2204",
    text: "Error - A parameter is of the wrong data type",
    fix: "Send each field with the type the v1 API expects (strings for ids, an object for partner_params).",
    httpStatus: 400,
    listedFor: both
  },
  NotAuthorized: {
    code: "2205",
    text: "Error - You are not authorized to do that",
    fix: "Sign with base64(HMAC-SHA256(api key, timestamp + partner id + \"sid_request\")) and send that same timestamp.",
    httpStatus: 401,
    listedFor: both
  },
  UserDisabled: {
    code: "2207",
    text: "Error - Enrolled user is disabled",
    fix: "Enable the user, or authenticate an active user.",
    httpStatus: 403,
    listedFor: authenticationOnly
  },
  UserDeleted: {
    code: "2208",
    text: "Error - Enrolled user was deleted from the system",
    fix: "Register the user again (job type 4) or authenticate an active user.",
    httpStatus: 404,
    listedFor: authenticationOnly
  },
  UserAlreadyEnrolled: {
    code: "2209",
    text: "Error - User is already enrolled",
    fix: "Register with a user_id that is not enrolled yet, or authenticate this user with job type 2.",
    httpStatus: 409,
    listedFor: registrationOnly
  },
  NoEnrolledUser: {
    code: "2210",
    text: "Error - No enrolled user found",
    fix: "Register the user first (job type 4), or check the user_id.",
    httpStatus: 404,
    listedFor: authenticationOnly
  },
  ReEnrollmentRequired: {
    code: "2211",
    text: "Error - Enrolled user must complete re-enrollment",
    fix: "Re-enroll the user, or clear the re-enrollment flag.",
    httpStatus: 409,
    listedFor: authenticationOnly
  },
  InvalidJobType: {
    code: "2212",
    text: "Error - Invalid job type",
    fix: "Set partner_params.job_type to 4 to register or 2 to authenticate.",
    httpStatus: 400,
    listedFor: both
  },
  MissingParameter: {
    code: "2213",
    text: "Error - A required parameter is missing",
    fix: "Send every required field of the request and of info.json.",
    httpStatus: 400,
    listedFor: both
  },
  ProductNotActivated: {
    code: "2214",
    text: "Error - Product not activated for this account",
    fix: "Ask the operator to enable this product for the partner.",
    httpStatus: 403,
    listedFor: both
  },
  JobAlreadyExists: {
    code: "2215",
    text: "Error - Job already exists for job_id",
    fix: "Use a job_id that this partner has not used before.",
    httpStatus: 400,
    listedFor: authenticationOnly
  },
  NoPhotoOnFile: {
    code: "2216",
    text: "Error - Enrolled user does not have a photo on file",
    fix: "Register a selfie for the user (job type 4) before authenticating.",
    httpStatus: 409,
    listedFor: authenticationOnly
  },
  InvalidProduct: {
    code: "2217",
    text: "Error - Invalid Product",
    fix: "Send a SmartSelfie job: job_type 4 or 2 with the required fields.",
    httpStatus: 400,
    listedFor: both
  },
  ProductionNotEnabled: {
    code: "2220",
    text: "Error - Production is not enabled for this account",
    fix: "Use the sandbox, or ask the operator to enable production for the partner.",
    httpStatus: 403,
    listedFor: both
  },
  InvalidToken: {
    code: "2221",
    text: "Error - Invalid token",
    fix: "Generate a fresh Web SDK token and run the job again.",
    httpStatus: 401,
    listedFor: both
  }
}

const byCode: ReadonlyMap<GeneralErrorCode, GeneralError["_tag"]> = new Map(
  (Object.keys(table) as Array<GeneralError["_tag"]>).map((tag) => [table[tag].code, tag] as const)
)

/** The table row of an error. */
export const infoOf = (error: GeneralError): GeneralErrorInfo => table[error._tag]

/** The tag of the condition a wire code names, in any of its 22xx/23xx/24xx forms. */
export const tagOfCode = (code: string): GeneralError["_tag"] | undefined => {
  const canonical = canonicalCode(code)
  return canonical === undefined ? undefined : byCode.get(canonical)
}

/**
 * Folds the 23xx and 24xx forms of a general error onto its 22xx code:
 * `"2405"` -> `"2205"`. Answers `undefined` for a code that is not a known general error.
 */
export const canonicalCode = (code: string): GeneralErrorCode | undefined => {
  if (!/^2[234]\d\d$/.test(code)) return undefined
  const folded = `22${code.slice(2)}`
  return Schema.is(GeneralErrorCode)(folded) ? folded : undefined
}

/** The `{code, error}` body of the v1 API for an error: the table's text, then what exactly was wrong. */
export const toErrorBody = (error: GeneralError): { readonly code: GeneralErrorCode; readonly error: string } => {
  const info = infoOf(error)
  return { code: info.code, error: error.detail.length > 0 ? `${info.text}: ${error.detail}` : info.text }
}

/** Builds the error a wire code names, e.g. from a hosted API's `{code, error}` answer. */
export const fromCode = (code: string, detail: string): GeneralError | undefined => {
  const tag = tagOfCode(code)
  if (tag === undefined) return undefined
  return constructors[tag]({ detail })
}

const constructors: { readonly [Tag in GeneralError["_tag"]]: (args: { detail: string }) => GeneralError } = {
  SystemError: (a) => new SystemError(a),
  InvalidJson: (a) => new InvalidJson(a),
  WrongDataType: (a) => new WrongDataType(a),
  NotAuthorized: (a) => new NotAuthorized(a),
  UserDisabled: (a) => new UserDisabled(a),
  UserDeleted: (a) => new UserDeleted(a),
  UserAlreadyEnrolled: (a) => new UserAlreadyEnrolled(a),
  NoEnrolledUser: (a) => new NoEnrolledUser(a),
  ReEnrollmentRequired: (a) => new ReEnrollmentRequired(a),
  InvalidJobType: (a) => new InvalidJobType(a),
  MissingParameter: (a) => new MissingParameter(a),
  ProductNotActivated: (a) => new ProductNotActivated(a),
  JobAlreadyExists: (a) => new JobAlreadyExists(a),
  NoPhotoOnFile: (a) => new NoPhotoOnFile(a),
  InvalidProduct: (a) => new InvalidProduct(a),
  ProductionNotEnabled: (a) => new ProductionNotEnabled(a),
  InvalidToken: (a) => new InvalidToken(a)
}

export const isGeneralError = (u: unknown): u is GeneralError =>
  typeof u === "object" && u !== null && "_tag" in u && typeof u._tag === "string" && u._tag in table
