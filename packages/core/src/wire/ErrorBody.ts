/**
 * The v1 error body: `{"code": "<4 digits>", "error": "<text>"}` (WIRE.md,
 * "Errors"). `code` is a string: `"2213"`, and the hosted API may also answer
 * in 23xx/24xx forms (`"2413"`), which `GeneralError.canonicalCode` folds.
 */
import { Schema } from "effect"
import * as GeneralError from "../GeneralError.js"
import { Code, Text } from "./Fields.js"

/** `{code, error}`: `code` a 4-digit string (a number is refused), `error` the human text. */
export const ErrorBody = Schema.Struct({ code: Code, error: Text }).annotations({ identifier: "ErrorBody" })
export type ErrorBody = typeof ErrorBody.Type

/** The body our server answers a general error with: the table's text, then exactly what was wrong. */
export const fromGeneralError = (error: GeneralError.GeneralError): ErrorBody => GeneralError.toErrorBody(error)

/** The general error an error body names, or `undefined` for a code outside the 22xx/23xx/24xx table. */
export const toGeneralError = (body: ErrorBody): GeneralError.GeneralError | undefined =>
  GeneralError.fromCode(body.code, body.error)
