/**
 * The result object: the body of a callback (plus `signature` and `timestamp`)
 * and the `result` of a job_status answer. Its keys are the product's own
 * PascalCase vocabulary, so the schema keeps them; what it enforces is the
 * string typing partners' code relies on (WIRE.md, "Result object"):
 * `ConfidenceValue` a numeric string, `ResultCode` four digits,
 * `IsFinalResult`/`IsMachineResult` the strings `"true"`/`"false"`,
 * `SmileJobID` ten digits, `Actions` a record of strings.
 *
 * `Actions` stays `Record<string, string>` here: which actions exist and which
 * values they take is `Actions.ts`'s business, and results from the hosted API
 * carry actions of other products ("Verify_ID_Number": "Not Applicable").
 * `PartnerParams` decode to {@link PartnerParams} and echo the extras back.
 *
 * Every field is required in {@link ResultObject}: this is what our server
 * sends. Results from the hosted API, as Smile ID's SDK READMEs and examples
 * show them, leave out different fields; {@link HostedResultObject} reads those.
 */
import { Schema } from "effect"
import {
  BooleanString,
  ConfidenceValue,
  ResultCode as ResultCodeField,
  Signature,
  SmileJobIdField,
  Text,
  Timestamp,
  jsonObject
} from "./Fields.js"
import { PartnerParamsFromWire } from "./PartnerParams.js"

/** `ResultCode`: a 4-digit string (`"0840"`); never a number, the leading zero matters. */
export const ResultCode = ResultCodeField

/** `Actions`: each check Smile ID ran and its outcome, both strings. */
export const WireActions = Schema.Record({ key: Schema.String, value: Text }).annotations({
  identifier: "WireActions",
  description: "action name -> outcome, e.g. { Register_Selfie: \"Approved\" }"
})

/** The result object, in the field order of WIRE.md. */
export const ResultObject = Schema.Struct({
  Actions: WireActions,
  ConfidenceValue,
  PartnerParams: PartnerParamsFromWire,
  ResultCode,
  ResultText: Text,
  ResultType: Text,
  SmileJobID: SmileJobIdField,
  Source: Text,
  JSONVersion: Text,
  IsFinalResult: BooleanString,
  IsMachineResult: BooleanString
}).annotations({ identifier: "ResultObject", ...jsonObject })
export type ResultObject = typeof ResultObject.Type
export type ResultObjectWire = typeof ResultObject.Encoded

/**
 * A result object as the hosted API may send it: the same typing, but only
 * `PartnerParams`, `ResultText` and `SmileJobID` are required. Smile ID's own
 * READMEs show job_status results without `Actions`, `ResultCode` or `Source`,
 * and a hosted result without `ResultType`, `JSONVersion` or `IsFinalResult`.
 * For reading only; our server writes {@link ResultObject}.
 */
export const HostedResultObject = Schema.Struct({
  Actions: Schema.optional(WireActions),
  ConfidenceValue: Schema.optional(ConfidenceValue),
  PartnerParams: PartnerParamsFromWire,
  ResultCode: Schema.optional(ResultCode),
  ResultText: Text,
  ResultType: Schema.optional(Text),
  SmileJobID: SmileJobIdField,
  Source: Schema.optional(Text),
  JSONVersion: Schema.optional(Text),
  IsFinalResult: Schema.optional(BooleanString),
  IsMachineResult: Schema.optional(BooleanString)
}).annotations({ identifier: "HostedResultObject", ...jsonObject })
export type HostedResultObject = typeof HostedResultObject.Type

/** A callback body: the result object signed like every v1 message (`timestamp` as a string). */
export const CallbackBody = Schema.Struct({
  ...ResultObject.fields,
  signature: Signature,
  timestamp: Timestamp
}).annotations({ identifier: "CallbackBody" })
export type CallbackBody = typeof CallbackBody.Type

/** The `"true"`/`"false"` spelling of a boolean for `IsFinalResult` and `IsMachineResult`. */
export const booleanString = (value: boolean): typeof BooleanString.Type => (value ? "true" : "false")
