/**
 * The v1 SmartSelfie API as one `HttpApi` definition: the server implements it
 * with `HttpApiBuilder`, the partner client is derived from it with
 * `HttpApiClient`, and OpenAPI is generated from it. Every shape comes from
 * core's wire schemas (`Wire.*`); nothing here re-describes a field.
 *
 * | endpoint | request | answer |
 * |---|---|---|
 * | `POST /v1/upload` (`v1.prepUpload`) | {@link PrepUploadBody} | `Wire.PrepUpload.PrepUploadResponseFromWire` |
 * | `POST /v1/job_status` (`v1.jobStatus`) | {@link JobStatusBody} | `Wire.JobStatus.JobStatusResponseFromWire` |
 *
 * The zip `PUT` is not part of this API: it goes to whatever `upload_url` the
 * prep upload answered (a pre-signed S3 URL on the hosted API), so a client
 * never builds that URL and the server is free to choose it.
 *
 * ### Errors
 * Every failure is a general error of core's one table (`GeneralError.table`),
 * answered as the v1 body `{"code": "2213", "error": "..."}` with the table's
 * HTTP status. A handler simply fails with the core error
 * (`new GeneralError.JobAlreadyExists({ detail })`); {@link GeneralErrorResponses}
 * encode it. Decoding accepts the 23xx/24xx forms of a code (`"2405"` is 2205).
 *
 * ### Request bodies decode to an `Either`
 * A bad request body must answer its v1 code (2212 bad job type, 2213 missing
 * key, 2204 wrong type) with every offending field named, which is what core's
 * `decodePrepUploadRequest`/`decodeJobStatusRequest` do. `HttpApiBuilder` would
 * instead turn a payload `ParseError` into its own `HttpApiDecodeError` body,
 * which no official SDK understands. So the payload schemas never fail: they
 * decode any JSON to `Either<Request, GeneralError>` and a handler starts with
 * `const request = yield* payload`. OpenAPI still documents the wire struct
 * (through a surrogate annotation). Encoding (the client) takes `Either.right`.
 *
 * @example
 * // server (apps/reference-server)
 * HttpApiBuilder.group(V1Api, "v1", (handlers) =>
 *   handlers.handle("prepUpload", ({ payload }) =>
 *     Effect.gen(function*() {
 *       const request = yield* payload // fails with 2212 / 2213 / 2204
 *       return yield* prepareUpload(request)
 *     })
 *   )
 * )
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { GeneralError, Wire } from "@selfie-auth/core"
import { Either, ParseResult, Schema, SchemaAST } from "effect"

// ---------------------------------------------------------------------------
// Error bodies

type GeneralErrorTag = GeneralError.GeneralError["_tag"]

/** The classes of the general errors, by tag (the constructors the table's rows belong to). */
const generalErrorClasses = {
  SystemError: GeneralError.SystemError,
  InvalidJson: GeneralError.InvalidJson,
  WrongDataType: GeneralError.WrongDataType,
  NotAuthorized: GeneralError.NotAuthorized,
  UserDisabled: GeneralError.UserDisabled,
  UserDeleted: GeneralError.UserDeleted,
  UserAlreadyEnrolled: GeneralError.UserAlreadyEnrolled,
  NoEnrolledUser: GeneralError.NoEnrolledUser,
  ReEnrollmentRequired: GeneralError.ReEnrollmentRequired,
  InvalidJobType: GeneralError.InvalidJobType,
  MissingParameter: GeneralError.MissingParameter,
  ProductNotActivated: GeneralError.ProductNotActivated,
  JobAlreadyExists: GeneralError.JobAlreadyExists,
  NoPhotoOnFile: GeneralError.NoPhotoOnFile,
  InvalidProduct: GeneralError.InvalidProduct,
  ProductionNotEnabled: GeneralError.ProductionNotEnabled,
  InvalidToken: GeneralError.InvalidToken
} as const satisfies { readonly [Tag in GeneralErrorTag]: unknown }

/**
 * The `detail` inside an error body's `error` text: `GeneralError.toErrorBody`
 * writes `"<table text>: <detail>"`; a body with only the table text has an
 * empty detail; any other text (the hosted API's own wording) is all detail.
 */
export const detailOfErrorText = (text: string, tableText: string): string =>
  text === tableText ? "" : text.startsWith(`${tableText}: `) ? text.slice(tableText.length + 2) : text

/**
 * One general error as an HTTP error response: the core error class on the
 * inside, `{code, error}` on the wire, the table's HTTP status on the response.
 * Decoding matches the code in any of its 22xx/23xx/24xx forms.
 */
const errorResponse = <Tag extends GeneralErrorTag>(tag: Tag) => {
  const errorClass = generalErrorClasses[tag]
  const info = GeneralError.table[tag]
  const target = Schema.typeSchema(errorClass as unknown as Schema.Schema<GeneralError.GeneralError>)
  return Schema.transformOrFail(Wire.ErrorBody.ErrorBody, target, {
    strict: true,
    decode: (body, _, ast) =>
      GeneralError.canonicalCode(body.code) === info.code
        ? ParseResult.succeed(
            new errorClass({ detail: detailOfErrorText(body.error, info.text) }) as GeneralError.GeneralError
          )
        : ParseResult.fail(new ParseResult.Type(ast, body, `expected code ${info.code} (${tag}), got ${body.code}`)),
    encode: (error) => ParseResult.succeed(GeneralError.toErrorBody(error))
  }).annotations({
    ...HttpApiSchema.annotations({ status: info.httpStatus }),
    identifier: `${tag}Body`,
    title: `${info.code} ${info.text}`,
    description: info.fix
  }) as unknown as Schema.Schema<InstanceType<(typeof generalErrorClasses)[Tag]>, Wire.ErrorBody.ErrorBody>
}

/**
 * Every general error as an error response, one schema per row of
 * `GeneralError.table` (the status of each response is the row's `httpStatus`).
 */
export const GeneralErrorResponses = {
  SystemError: errorResponse("SystemError"),
  InvalidJson: errorResponse("InvalidJson"),
  WrongDataType: errorResponse("WrongDataType"),
  NotAuthorized: errorResponse("NotAuthorized"),
  UserDisabled: errorResponse("UserDisabled"),
  UserDeleted: errorResponse("UserDeleted"),
  UserAlreadyEnrolled: errorResponse("UserAlreadyEnrolled"),
  NoEnrolledUser: errorResponse("NoEnrolledUser"),
  ReEnrollmentRequired: errorResponse("ReEnrollmentRequired"),
  InvalidJobType: errorResponse("InvalidJobType"),
  MissingParameter: errorResponse("MissingParameter"),
  ProductNotActivated: errorResponse("ProductNotActivated"),
  JobAlreadyExists: errorResponse("JobAlreadyExists"),
  NoPhotoOnFile: errorResponse("NoPhotoOnFile"),
  InvalidProduct: errorResponse("InvalidProduct"),
  ProductionNotEnabled: errorResponse("ProductionNotEnabled"),
  InvalidToken: errorResponse("InvalidToken")
} as const satisfies { readonly [Tag in GeneralErrorTag]: Schema.Schema<any, Wire.ErrorBody.ErrorBody> }

// ---------------------------------------------------------------------------
// Request bodies

/**
 * A v1 request body: any JSON on the way in, decoded by core's wire decoder to
 * `Either<A, E>` (never a `ParseError`, see the module comment); a request
 * `A` on the way out, encoded by `wire`. OpenAPI shows `wire`'s encoded struct.
 */
const requestBody = <A, I, E>(options: {
  readonly identifier: string
  readonly wire: Schema.Schema<A, I>
  readonly decode: (body: unknown) => Either.Either<A, E>
}) => {
  const encodeWire = ParseResult.encodeUnknown(options.wire)
  const anyJson = Schema.Unknown.annotations({ [SchemaAST.SurrogateAnnotationId]: options.wire.ast })
  return Schema.transformOrFail(anyJson, Schema.EitherFromSelf({ right: Schema.Any, left: Schema.Any }), {
    strict: true,
    decode: (body) => ParseResult.succeed(options.decode(body)),
    encode: (request, _, ast) =>
      Either.match(request, {
        onLeft: () => ParseResult.fail(new ParseResult.Forbidden(ast, request, "an Either.left is not a request to send")),
        onRight: (value) => encodeWire(value)
      })
  }).annotations({ identifier: options.identifier }) as unknown as Schema.Schema<Either.Either<A, E>, unknown>
}

/** `POST /v1/upload` body: decodes to the request or to 2212 / 2213 / 2204 naming every bad field. */
export const PrepUploadBody = requestBody({
  identifier: "PrepUploadRequest",
  wire: Wire.PrepUpload.PrepUploadRequestFromWire,
  decode: Wire.PrepUpload.decodePrepUploadRequest
})

/** `POST /v1/job_status` body: decodes to the request or to 2213 / 2204 naming every bad field. */
export const JobStatusBody = requestBody({
  identifier: "JobStatusRequest",
  wire: Wire.JobStatus.JobStatusRequestFromWire,
  decode: Wire.JobStatus.decodeJobStatusRequest
})

// ---------------------------------------------------------------------------
// The API

/** `POST /v1/upload`: announce a job, get the URL to PUT its zip to. */
export const prepUpload = HttpApiEndpoint.post("prepUpload", "/upload")
  .setPayload(PrepUploadBody)
  .addSuccess(Wire.PrepUpload.PrepUploadResponseFromWire)

/** `POST /v1/job_status`: the job's result so far, signed by the server (`signature` + `timestamp`). */
export const jobStatus = HttpApiEndpoint.post("jobStatus", "/job_status")
  .setPayload(JobStatusBody)
  .addSuccess(Wire.JobStatus.JobStatusResponseFromWire)

/** The v1 endpoints, mounted at `/v1` (the official SDKs' base URLs end in `/v1`). */
export class V1Group extends HttpApiGroup.make("v1")
  .add(prepUpload)
  .add(jobStatus)
  .addError(GeneralErrorResponses.SystemError)
  .addError(GeneralErrorResponses.InvalidJson)
  .addError(GeneralErrorResponses.WrongDataType)
  .addError(GeneralErrorResponses.NotAuthorized)
  .addError(GeneralErrorResponses.UserDisabled)
  .addError(GeneralErrorResponses.UserDeleted)
  .addError(GeneralErrorResponses.UserAlreadyEnrolled)
  .addError(GeneralErrorResponses.NoEnrolledUser)
  .addError(GeneralErrorResponses.ReEnrollmentRequired)
  .addError(GeneralErrorResponses.InvalidJobType)
  .addError(GeneralErrorResponses.MissingParameter)
  .addError(GeneralErrorResponses.ProductNotActivated)
  .addError(GeneralErrorResponses.JobAlreadyExists)
  .addError(GeneralErrorResponses.NoPhotoOnFile)
  .addError(GeneralErrorResponses.InvalidProduct)
  .addError(GeneralErrorResponses.ProductionNotEnabled)
  .addError(GeneralErrorResponses.InvalidToken)
  .prefix("/v1") {}

/** The path prefix every v1 endpoint is mounted under. */
export const v1Prefix = "/v1"

/** The whole v1 API. */
export class V1Api extends HttpApi.make("SmartSelfieV1").add(V1Group) {}

// ---------------------------------------------------------------------------
// The client's reading of job_status

/**
 * `result` (and each `history` entry) as a client reads it: a result object
 * of our server or of the hosted API, which is documented to leave fields out
 * (`Wire.ResultObject.HostedResultObject`: only `PartnerParams`, `ResultText`
 * and `SmileJobID` are required), or a plain string such as "No zip uploaded".
 */
export const JobStatusResultRead = Schema.Union(Wire.ResultObject.HostedResultObject, Schema.String).annotations({
  identifier: "JobStatusResultRead"
})

/** A job_status answer as a client reads it (camelCase), lenient in `result` and `history` only. */
export const JobStatusAnswer = Schema.Struct({
  timestamp: Schema.String,
  signature: Schema.String,
  jobComplete: Schema.Boolean,
  jobSuccess: Schema.Boolean,
  code: Schema.String,
  result: Schema.typeSchema(JobStatusResultRead),
  history: Schema.OptionFromSelf(Schema.Array(Schema.typeSchema(Wire.ResultObject.HostedResultObject))),
  imageLinks: Schema.OptionFromSelf(Wire.JobStatus.ImageLinks)
}).annotations({ identifier: "JobStatusAnswer" })
export type JobStatusAnswer = typeof JobStatusAnswer.Type

/** Wire job_status answer -> {@link JobStatusAnswer}: core's wire struct with the lenient `result` and `history`. */
export const JobStatusAnswerFromWire = Schema.transform(
  Schema.Struct({
    ...Wire.JobStatus.JobStatusResponseWire.fields,
    result: JobStatusResultRead,
    history: Schema.optional(Schema.Array(Wire.ResultObject.HostedResultObject))
  }),
  Schema.typeSchema(JobStatusAnswer),
  { strict: true, decode: Wire.JobStatus.responseFromWire, encode: Wire.JobStatus.responseToWire }
).annotations({ identifier: "JobStatusAnswerFromWire" })

/**
 * The contract as the partner client uses it: {@link V1Api} with the one
 * difference of reading job_status leniently ({@link JobStatusAnswerFromWire}),
 * because the client must also talk to the hosted API. Lenient on input,
 * precise on output: the server writes {@link V1Api}'s `ResultObject`, which
 * this reads unchanged.
 */
export class V1ClientApi extends HttpApi.make("SmartSelfieV1Client").add(
  HttpApiGroup.make("v1")
    .add(prepUpload)
    .add(
      HttpApiEndpoint.post("jobStatus", "/job_status").setPayload(JobStatusBody).addSuccess(JobStatusAnswerFromWire)
    )
    .prefix("/v1")
) {}

/**
 * A request as the payload a derived client sends: `Either.right(request)`,
 * typed as the `Right` case alone (the client's payload type is distributed
 * over the `Either` union, so a plain `Either` does not fit).
 */
export const outgoing = <A>(request: A): Either.Right<never, A> => Either.right(request) as Either.Right<never, A>

/**
 * A job_status answer back in its wire form (snake_case keys, `PartnerParams`
 * as `user_id`/`job_id`/`job_type` plus extras), e.g. to print or store it as
 * received.
 */
export const jobStatusAnswerToWire = (answer: JobStatusAnswer): typeof JobStatusAnswerFromWire.Encoded =>
  Schema.encodeSync(JobStatusAnswerFromWire)(answer)
