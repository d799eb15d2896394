/**
 * `POST /v1/upload` ("prep upload"): the partner announces a job and receives
 * the URL to PUT its zip to.
 *
 * Input is as lenient as the official SDKs require (WIRE.md, "POST /upload"):
 * - `job_type` a number or a numeric string; extra `partner_params` keys kept;
 * - `callback_url` a URL, or missing, `null` or `""` = no callback;
 * - `model_parameters` `{}` (Node, Python), `""` (PHP), `null` or absent, and ignored;
 * - the partner id as `smile_client_id` (every SDK) or `partner_id` (other v1
 *   endpoints' spelling); if both are sent they must agree;
 * - unknown top-level keys ignored: the Node SDK spreads `id_info` at top level
 *   (`"entered": "false"`) and Android adds `allow_new_enroll`, `metadata`, `retry`;
 * - `timestamp` kept as the exact string that was signed.
 * `source_sdk`, `source_sdk_version`, `signature`, `timestamp` and
 * `partner_params` are required, as the product text lists them.
 */
import { Either, Option, ParseResult, Schema } from "effect"
import * as Ids from "../Ids.js"
import { CallbackUrlField, Code, Flag, jsonObject, PartnerIdField, says, Signature, SmileJobIdField, Text, Timestamp } from "./Fields.js"
import type { RequestDecodeError } from "./DecodeError.js"
import { invalidAt, missingAt, requestError } from "./DecodeError.js"
import { PartnerParams, PartnerParamsFromWire } from "./PartnerParams.js"

/** `model_parameters`: mobile-SDK settings the server ignores; `{}` (Node, Python) or `""` (PHP). */
export const ModelParameters = Schema.NullOr(
  Schema.Union(Schema.Record({ key: Schema.String, value: Schema.Unknown }), Schema.String)
).annotations(says("must be an object such as {} or a string"))

/**
 * The prep-upload body as on the wire, fields in the Node SDK's order (so
 * encoding reproduces it). Decoding ignores unknown keys
 * (`onExcessProperty: "ignore"`, Schema's default, relied on explicitly by
 * {@link decodePrepUploadRequest}).
 */
export const PrepUploadRequestWire = Schema.Struct({
  callback_url: Schema.optional(CallbackUrlField),
  file_name: Schema.optional(Text),
  model_parameters: Schema.optional(ModelParameters),
  partner_params: PartnerParamsFromWire,
  smile_client_id: Schema.optional(PartnerIdField),
  partner_id: Schema.optional(PartnerIdField),
  use_enrolled_image: Schema.optional(Flag),
  signature: Signature,
  timestamp: Timestamp,
  source_sdk: Text,
  source_sdk_version: Text
}).annotations({ identifier: "PrepUploadRequestWire", ...jsonObject })

/** A prep-upload request inside the service. */
export const PrepUploadRequest = Schema.Struct({
  partnerId: Ids.PartnerId,
  partnerParams: PartnerParams,
  /** None when the partner asked for no callback (missing, `null` or `""`). */
  callbackUrl: Schema.OptionFromSelf(Schema.String),
  /** Informational name of the zip (`"selfie.zip"` from the SDKs). */
  fileName: Schema.OptionFromSelf(Schema.String),
  useEnrolledImage: Schema.Boolean,
  signature: Schema.String,
  /** Exactly as sent and signed. */
  timestamp: Schema.String,
  /** `"javascript"`, `"Python"`, `"rest_api"`... */
  sourceSdk: Schema.String,
  sourceSdkVersion: Schema.String
}).annotations({ identifier: "PrepUploadRequest" })
export type PrepUploadRequest = typeof PrepUploadRequest.Type

/**
 * Wire body <-> {@link PrepUploadRequest}. Encoding writes what the Node SDK
 * writes: `callback_url` (`""` for none), `file_name`, `model_parameters: {}`,
 * `partner_params`, `smile_client_id`, `use_enrolled_image`, `signature`,
 * `timestamp`, `source_sdk`, `source_sdk_version`.
 */
export const PrepUploadRequestFromWire = Schema.transformOrFail(PrepUploadRequestWire, Schema.typeSchema(PrepUploadRequest), {
  strict: true,
  decode: (wire) => {
    const partnerId = wire.smile_client_id ?? wire.partner_id
    if (partnerId === undefined) return ParseResult.fail(missingAt("smile_client_id", wire, PartnerIdField))
    if (wire.partner_id !== undefined && wire.partner_id !== partnerId) {
      const advice = `must equal smile_client_id ("${partnerId}") when both are sent; send only smile_client_id`
      return ParseResult.fail(invalidAt("partner_id", wire, wire.partner_id, advice))
    }
    return ParseResult.succeed({
      partnerId,
      partnerParams: wire.partner_params,
      callbackUrl: Option.fromNullable(wire.callback_url).pipe(Option.filter((url) => url !== "")),
      fileName: Option.fromNullable(wire.file_name),
      useEnrolledImage: wire.use_enrolled_image ?? false,
      signature: wire.signature,
      timestamp: wire.timestamp,
      sourceSdk: wire.source_sdk,
      sourceSdkVersion: wire.source_sdk_version
    })
  },
  encode: (request) =>
    ParseResult.succeed({
      callback_url: Option.getOrElse(request.callbackUrl, () => ""),
      ...Option.match(request.fileName, { onNone: () => ({}), onSome: (fileName) => ({ file_name: fileName }) }),
      model_parameters: {},
      partner_params: request.partnerParams,
      smile_client_id: request.partnerId,
      use_enrolled_image: request.useEnrolledImage,
      signature: request.signature,
      timestamp: request.timestamp,
      source_sdk: request.sourceSdk,
      source_sdk_version: request.sourceSdkVersion
    })
}).annotations({ identifier: "PrepUploadRequestFromWire" })

const decodeRequest = Schema.decodeUnknownEither(PrepUploadRequestFromWire, { errors: "all", onExcessProperty: "ignore" })

/**
 * Decodes a parsed `POST /v1/upload` body; a bad body becomes 2213, 2212 or
 * 2204 with every offending field named.
 */
export const decodePrepUploadRequest = (body: unknown): Either.Either<PrepUploadRequest, RequestDecodeError> =>
  Either.mapLeft(decodeRequest(body), (error) => requestError(error, "POST /v1/upload body"))

/**
 * The prep-upload answer. The Node SDK copies it whole into info.json as
 * `server_information`. `code` is a 4-digit string; `camera_config` a string or
 * null (or absent).
 */
export const PrepUploadResponseWire = Schema.Struct({
  upload_url: Text,
  smile_job_id: SmileJobIdField,
  ref_id: Text,
  code: Code,
  camera_config: Schema.optional(Schema.NullOr(Text))
}).annotations({ identifier: "PrepUploadResponseWire", ...jsonObject })

/** A prep-upload answer inside the service; `cameraConfig` null when the server sent none. */
export const PrepUploadResponse = Schema.Struct({
  uploadUrl: Schema.String,
  smileJobId: Ids.SmileJobId,
  refId: Schema.String,
  code: Schema.String,
  cameraConfig: Schema.NullOr(Schema.String)
}).annotations({ identifier: "PrepUploadResponse" })
export type PrepUploadResponse = typeof PrepUploadResponse.Type

/** Wire answer <-> {@link PrepUploadResponse}; a missing `camera_config` reads as null and is written as null. */
export const PrepUploadResponseFromWire = Schema.transform(PrepUploadResponseWire, Schema.typeSchema(PrepUploadResponse), {
  strict: true,
  decode: (wire) => ({
    uploadUrl: wire.upload_url,
    smileJobId: wire.smile_job_id,
    refId: wire.ref_id,
    code: wire.code,
    cameraConfig: wire.camera_config ?? null
  }),
  encode: (response) => ({
    upload_url: response.uploadUrl,
    smile_job_id: response.smileJobId,
    ref_id: response.refId,
    code: response.code,
    camera_config: response.cameraConfig
  })
}).annotations({ identifier: "PrepUploadResponseFromWire" })
