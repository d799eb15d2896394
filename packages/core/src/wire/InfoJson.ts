/**
 * `info.json`: the manifest inside the uploaded zip (WIRE.md, "info.json").
 *
 * What varies between SDKs and is accepted:
 * - `image_type_id` a number or a string (`0` or `"0"`);
 * - `image` / `file_name` absent or `null` on an image entry read as `""`
 *   (the product text says all three keys exist and the unused one is `""`;
 *   reading absence the same way costs nothing);
 * - `server_information` the prep-upload answer as an object (Node) or the
 *   upload URL as a string (Python), or absent; never used by the server;
 * - `misc_information.signature` (Python) optional: Node sends none, so the
 *   server cannot require one; `retry` a string (`"false"`) or a boolean;
 * - `id_info` `{"entered": "false"}`, `{}` or absent; unknown keys anywhere
 *   (`userData`, whatever a future SDK adds) ignored.
 *
 * Required: `package_information.apiVersion` (the template every SDK copies),
 * `misc_information.partner_params` (user_id, job_id, job_type) and a
 * non-empty `images` array. Which image is the selfie is decided by
 * {@link ./SelfieImages.ts}.
 */
import { Either, Option, ParseResult, Schema, SchemaAST } from "effect"
import * as ImageType from "../ImageType.js"
import type { InfoJsonDecodeError } from "./DecodeError.js"
import { infoJsonError } from "./DecodeError.js"
import * as GeneralError from "../GeneralError.js"
import { CallbackUrlField, jsonObject, PartnerIdField, quote, says, Text, Timestamp } from "./Fields.js"
import { PartnerParamsFromWire } from "./PartnerParams.js"

/** `package_information`: the SDK's info.json template version and language. */
export const PackageInformation = Schema.Struct({
  apiVersion: Schema.Struct({
    buildNumber: Schema.Number.annotations(says("must be a number")),
    majorVersion: Schema.Number.annotations(says("must be a number")),
    minorVersion: Schema.Number.annotations(says("must be a number"))
  }).annotations(jsonObject),
  language: Schema.optional(Text)
}).annotations({ identifier: "PackageInformation", ...jsonObject })

/** `misc_information`: the job's partner params and what the SDK knew when it built the zip. */
export const MiscInformation = Schema.Struct({
  retry: Schema.optional(Schema.Union(Text, Schema.Boolean).annotations(says("must be \"true\"/\"false\" or a boolean"))),
  partner_params: PartnerParamsFromWire,
  timestamp: Schema.optional(Timestamp),
  signature: Schema.optional(Text),
  file_name: Schema.optional(Text),
  smile_client_id: Schema.optional(PartnerIdField),
  callback_url: Schema.optional(CallbackUrlField)
}).annotations({ identifier: "MiscInformation", ...jsonObject })

/** `image` or `file_name` of an image entry: a string; absent or null reads as `""`. */
const EntryText = Schema.optionalWith(Text, { nullable: true, default: () => "" })

/**
 * One entry of `images`. `file_name` names a file in the zip (types 0, 1, 4, 5);
 * `image` holds base64 (types 2, 3, 6, 7); the other one is `""`. The decoded
 * entry keeps the wire's key names: it is a row of the manifest, read as such by
 * the zip adapter, and `SelfieImages` turns it into domain references.
 */
export const ImageEntry = Schema.Struct({
  image_type_id: ImageType.WireImageTypeId.annotations(
    says("must be an image type id from 0 to 7, as a number or a string (0 selfie file, 2 selfie base64, 4 liveness file, 6 liveness base64)")
  ),
  image: EntryText,
  file_name: EntryText
}).annotations({ identifier: "ImageEntry", ...jsonObject })
export type ImageEntry = typeof ImageEntry.Type

/**
 * `images`: an array of entries, at least one (the selfie). An empty array is
 * a missing parameter (2213), not a structure error.
 */
export const Images = Schema.Array(ImageEntry)
  .annotations({ message: (issue) => `must be an array of { image_type_id, image, file_name } (got ${quote(issue.actual)})` })
  .pipe(
    Schema.filter((images) =>
      images.length > 0 ||
      new ParseResult.Missing(
        new SchemaAST.Type(ImageEntry.ast),
        "is empty: list at least the selfie (image_type_id 0 with file_name, or 2 with base64 in image)"
      )
    )
  )

/** `server_information`: an object (Node copies the prep-upload answer) or a string (Python sends the upload URL). */
export const ServerInformation = Schema.Union(Schema.Record({ key: Schema.String, value: Schema.Unknown }), Text).annotations(
  says("must be an object or a string")
)

/** info.json as on the wire. */
export const InfoJsonWire = Schema.Struct({
  package_information: PackageInformation,
  misc_information: MiscInformation,
  id_info: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  images: Images,
  server_information: Schema.optional(ServerInformation)
}).annotations({ identifier: "InfoJsonWire", ...jsonObject })

/** info.json inside the service: what the pipeline reads. */
export const InfoJson = Schema.Struct({
  partnerParams: Schema.typeSchema(PartnerParamsFromWire),
  /** As the SDK wrote it; not the signed request timestamp (that came with the prep upload). */
  timestamp: Schema.OptionFromSelf(Schema.String),
  callbackUrl: Schema.OptionFromSelf(Schema.String),
  images: Schema.Array(Schema.typeSchema(ImageEntry)),
  language: Schema.OptionFromSelf(Schema.String)
}).annotations({ identifier: "InfoJson" })
export type InfoJson = typeof InfoJson.Type

/**
 * Wire info.json -> {@link InfoJson}. The service never writes info.json, so
 * encoding produces a minimal Node-style manifest (package_information 2.0.0,
 * misc_information, images) for tests and for the partner client.
 */
export const InfoJsonFromWire = Schema.transform(InfoJsonWire, Schema.typeSchema(InfoJson), {
  strict: true,
  decode: (wire) => ({
    partnerParams: wire.misc_information.partner_params,
    timestamp: Option.fromNullable(wire.misc_information.timestamp),
    callbackUrl: Option.fromNullable(wire.misc_information.callback_url).pipe(Option.filter((url) => url !== "")),
    images: wire.images,
    language: Option.fromNullable(wire.package_information.language)
  }),
  encode: (info) => ({
    package_information: {
      apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 },
      ...Option.match(info.language, { onNone: () => ({}), onSome: (language) => ({ language }) })
    },
    misc_information: {
      retry: "false",
      partner_params: info.partnerParams,
      ...Option.match(info.timestamp, { onNone: () => ({}), onSome: (timestamp) => ({ timestamp }) }),
      callback_url: Option.getOrElse(info.callbackUrl, () => "")
    },
    images: info.images
  })
}).annotations({ identifier: "InfoJsonFromWire" })

const decodeInfo = Schema.decodeUnknownEither(InfoJsonFromWire, { errors: "all", onExcessProperty: "ignore" })

/** Decodes a parsed info.json; a wrong one becomes 2213 (key missing), 2212 (job_type) or 2203 (anything else). */
export const decodeInfoJson = (json: unknown): Either.Either<InfoJson, InfoJsonDecodeError> =>
  Either.mapLeft(decodeInfo(json), infoJsonError)

/** Parses and decodes the text of info.json; text that is not JSON is 2203 with the parser's reason. */
export const decodeInfoJsonText = (text: string): Either.Either<InfoJson, InfoJsonDecodeError> =>
  Either.flatMap(parseJson(text), decodeInfoJson)

const parseJson = (text: string): Either.Either<unknown, GeneralError.InvalidJson> =>
  Either.try({
    // A leading byte-order mark (Windows editors, some PHP setups) is not part of the JSON.
    try: (): unknown => JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text),
    catch: (cause) =>
      new GeneralError.InvalidJson({
        detail: `info.json is not valid JSON (${cause instanceof Error ? cause.message : String(cause)}); write it with a JSON serializer`
      })
  })
