/**
 * The v1 wire model: every message of the SmartSelfie v1 API as a `Schema`,
 * lenient on input where the official SDKs differ and precise on output
 * (see each module, and WIRE.md). Decode at the edge with the `decode*`
 * functions, which answer the general error (22xx) a partner should get.
 *
 * @example
 * const request = Wire.PrepUpload.decodePrepUploadRequest(JSON.parse(body))
 * // Either<PrepUploadRequest, MissingParameter | WrongDataType | InvalidJobType>
 */
export * as DecodeError from "./DecodeError.js"
export * as ErrorBody from "./ErrorBody.js"
export * as Fields from "./Fields.js"
export * as InfoJson from "./InfoJson.js"
export * as JobStatus from "./JobStatus.js"
export * as PartnerParams from "./PartnerParams.js"
export * as PrepUpload from "./PrepUpload.js"
export * as ResultObject from "./ResultObject.js"
export * as SelfieImages from "./SelfieImages.js"
