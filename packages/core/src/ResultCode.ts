/**
 * The result-code taxonomy of SmartSelfie registration (job type 4) and
 * authentication (job type 2), as one table: every code of the product text
 * with the `ResultText` the hosted API sends, the product's judgement line or
 * description, its category, who judged (machine, human, nobody), the job
 * types it belongs to, whether it is deprecated and whether it is final.
 *
 * General failures (22xx) are not retyped here: their rows are derived from
 * {@link GeneralError.table}, the one table of general errors. Their 23xx and
 * 24xx forms (`"2405"`, `"2413"`) are recognised by {@link classify}.
 *
 * Gotcha: `0001` is one code with three texts ("Data Invalid", "Data Invalid -
 * Unable to extract zip file", "System Error"). It has three rows; pass the
 * received `ResultText` to {@link classify} to get the right one.
 *
 * @example
 * const answer = ResultCode.classify("0825")
 * if (answer._tag === "Known") answer.row.category // "provisional"
 */
import { Schema } from "effect"
import * as GeneralError from "./GeneralError.js"
import type { JobType } from "./JobType.js"

/**
 * What a code means for the partner:
 * - `approved`: every applicable action passed.
 * - `provisional`: provisionally approved, under review or pending: a human
 *   reviewer still has to decide, so a later result will follow.
 * - `rejected`: at least one applicable action failed.
 * - `general_failure`: the job could not be processed at all (22xx general
 *   errors, and `0001` whose data could not be used).
 */
export const Category = Schema.Literal("approved", "provisional", "rejected", "general_failure")
export type Category = typeof Category.Type

/** Who reached the result: the machine, a human reviewer, or nobody (a failure before any judgement). */
export const Judgement = Schema.Literal("machine", "human", "none")
export type Judgement = typeof Judgement.Type

/** The job-result codes of the product text (not the general errors). */
export const JobResultCode = Schema.Literal(
  "0001",
  "0820",
  "0821",
  "0822",
  "0823",
  "0824",
  "0825",
  "0840",
  "0841",
  "0844",
  "0846",
  "0921",
  "0922",
  "0941",
  "0942",
  "1220",
  "1221",
  "1222",
  "1240",
  "1241",
  "1242"
)
export type JobResultCode = typeof JobResultCode.Type

/** Every code of the taxonomy in its canonical form: job results and 22xx general errors. */
export const ResultCode = Schema.Literal(...JobResultCode.literals, ...GeneralError.GeneralErrorCode.literals)
export type ResultCode = typeof ResultCode.Type

/** One row of the product text. */
export interface Row {
  readonly code: ResultCode
  /** `ResultText` exactly as the hosted API sends it (or the general error's `error` text). */
  readonly resultText: string
  /**
   * The product's judgement line, verbatim ("PASS - Machine Judgement");
   * absent for `0001` and general errors, which no one judged. Where the
   * product gives no short text, it is also the `ResultText`.
   */
  readonly judgementLine?: string
  /** What happened and, for failures, what to do about it. */
  readonly description: string
  readonly category: Category
  readonly judgement: Judgement
  /** The job types under which the product text lists the code. */
  readonly jobTypes: ReadonlyArray<JobType>
  readonly deprecated: boolean
  /** False exactly for provisional codes: a later result (a human's) will follow. */
  readonly isFinal: boolean
}

const registration: ReadonlyArray<JobType> = [4]
const authentication: ReadonlyArray<JobType> = [2]
const both: ReadonlyArray<JobType> = [2, 4]

const row = (fields: Omit<Row, "isFinal" | "deprecated"> & { readonly deprecated?: true }): Row => ({
  ...fields,
  deprecated: fields.deprecated ?? false,
  isFinal: fields.category !== "provisional"
})

/**
 * The job-result rows of the product text, in its order: `0001` (both job
 * types), registration, then authentication.
 */
export const jobResultRows: ReadonlyArray<Row> = [
  row({
    code: "0001",
    resultText: "Data Invalid",
    description: "One of the required input is invalid.",
    category: "general_failure",
    judgement: "none",
    jobTypes: both
  }),
  row({
    code: "0001",
    resultText: "Data Invalid - Unable to extract zip file",
    description: "There was an error while extracting the zip file. Confirm the images and info.json were archived properly and re-run the job.",
    category: "general_failure",
    judgement: "none",
    jobTypes: both
  }),
  row({
    code: "0001",
    resultText: "System Error",
    description: "An unknown system error occurred while processing the job.",
    category: "general_failure",
    judgement: "none",
    jobTypes: both
  }),
  row({
    code: "0840",
    resultText: "Enroll User",
    judgementLine: "PASS - Machine Judgement",
    description: "Machine passed the selfie - no spoof detected and the image contains a face.",
    category: "approved",
    judgement: "machine",
    jobTypes: registration
  }),
  row({
    code: "0841",
    resultText: "Failed Enroll",
    judgementLine: "FAIL - Possible Spoof - Machine Judgement",
    description: "Machine rejected the job due to a possible fraud attempt on the selfie.",
    category: "rejected",
    judgement: "machine",
    jobTypes: registration
  }),
  row({
    code: "0844",
    resultText: "PROVISIONAL - Possible Spoof - Machine Judgement",
    judgementLine: "PROVISIONAL - Possible Spoof - Machine Judgement",
    description: "The machine thinks there is a possible spoof but cannot make a final decision; a reviewer will check the selfie for fraud attempts.",
    category: "provisional",
    judgement: "machine",
    jobTypes: registration
  }),
  row({
    code: "0846",
    resultText: "PENDING - Possible Spoof - Machine Judgement",
    judgementLine: "PENDING - Possible Spoof - Machine Judgement",
    description: "Awaiting document review result.",
    category: "provisional",
    judgement: "machine",
    jobTypes: registration,
    deprecated: true
  }),
  row({
    code: "0941",
    resultText: "FAIL - No Face Found",
    judgementLine: "FAIL - No Face Found",
    description: "There was no face found in the uploaded selfie. Upload an image with a face.",
    category: "rejected",
    judgement: "machine",
    jobTypes: registration
  }),
  row({
    code: "0942",
    resultText: "FAIL - Image Quality Judged Too Poor",
    judgementLine: "FAIL - Image Quality Judged Too Poor",
    description: "The uploaded selfie quality was too poor. Upload a higher quality selfie.",
    category: "rejected",
    judgement: "machine",
    jobTypes: registration
  }),
  row({
    code: "1240",
    resultText: "Enroll User",
    judgementLine: "PASS - Human Judgement",
    description: "The human reviewer did not find any fraud attempts on the selfie.",
    category: "approved",
    judgement: "human",
    jobTypes: registration
  }),
  row({
    code: "1241",
    resultText: "Failed Enroll",
    judgementLine: "FAIL - Image Unusable",
    description: "The human reviewer marked the selfie as unusable, either too dark or too blurry.",
    category: "rejected",
    judgement: "human",
    jobTypes: registration
  }),
  row({
    code: "1242",
    resultText: "Failed Enroll",
    judgementLine: "Spoof detected - Human Judgement",
    description: "The human reviewer detected a possible fraud attempt on the selfie (or images too blurry or dark to decide).",
    category: "rejected",
    judgement: "human",
    jobTypes: registration
  }),
  row({
    code: "0820",
    resultText: "Authenticate User",
    judgementLine: "Machine Judgement - PASS",
    description: "Comparison between the images matched.",
    category: "approved",
    judgement: "machine",
    jobTypes: authentication
  }),
  row({
    code: "0821",
    resultText: "Failed Authentication",
    judgementLine: "Machine Judgement - FAIL - COMPARISON",
    description: "Images did not match and therefore the job was rejected.",
    category: "rejected",
    judgement: "machine",
    jobTypes: authentication
  }),
  row({
    code: "0822",
    resultText: "Machine Judgement - PURE PROVISIONAL",
    judgementLine: "Machine Judgement - PURE PROVISIONAL",
    description: "Waiting on the reviewer's decision.",
    category: "provisional",
    judgement: "machine",
    jobTypes: authentication
  }),
  row({
    code: "0823",
    resultText: "Failed Authentication",
    judgementLine: "Machine Judgement - FAIL - Possible Spoof",
    description: "Machine rejected the job due to a possible fraud attempt on the selfie.",
    category: "rejected",
    judgement: "machine",
    jobTypes: authentication,
    deprecated: true
  }),
  row({
    code: "0824",
    resultText: "Machine Judgement - PROVISIONAL - Possible Spoof",
    judgementLine: "Machine Judgement - PROVISIONAL - Possible Spoof",
    description: "The machine thinks there is a possible spoof but cannot make a final decision; a reviewer will check the selfie for fraud attempts.",
    category: "provisional",
    judgement: "machine",
    jobTypes: authentication
  }),
  row({
    code: "0825",
    resultText: "Machine Judgement - PROVISIONAL - Machine Compare Unsure",
    judgementLine: "Machine Judgement - PROVISIONAL - Machine Compare Unsure",
    description: "The machine is not sure if both images match, so a reviewer will compare.",
    category: "provisional",
    judgement: "machine",
    jobTypes: authentication
  }),
  row({
    code: "0921",
    resultText: "FAIL - No Face Found",
    judgementLine: "FAIL - No Face Found",
    description: "There was no face found in the uploaded selfie. Upload an image with a face.",
    category: "rejected",
    judgement: "machine",
    jobTypes: authentication
  }),
  row({
    code: "0922",
    resultText: "FAIL - Image Quality Judged Too Poor",
    judgementLine: "FAIL - Image Quality Judged Too Poor",
    description: "The uploaded selfie quality was too poor. Upload a higher quality selfie.",
    category: "rejected",
    judgement: "machine",
    jobTypes: authentication
  }),
  row({
    code: "1220",
    resultText: "Authenticate User",
    judgementLine: "Human Judgement - PASS",
    description: "The reviewer marked that both images are of the same person.",
    category: "approved",
    judgement: "human",
    jobTypes: authentication
  }),
  row({
    code: "1221",
    resultText: "Failed Authentication",
    judgementLine: "Human Judgement - FAIL - Human Compare Failed",
    description: "The reviewer marked that both images are of different persons.",
    category: "rejected",
    judgement: "human",
    jobTypes: authentication
  }),
  row({
    code: "1222",
    resultText: "Failed Authentication",
    judgementLine: "Human Judgement - FAIL - Spoof Detected",
    description: "The reviewer detected a possible fraud attempt on the selfie (or images too blurry or dark to decide).",
    category: "rejected",
    judgement: "human",
    jobTypes: authentication
  })
]

/** The general-error rows, derived from {@link GeneralError.table}. */
export const generalErrorRows: ReadonlyArray<Row> = Object.values(GeneralError.table).map(
  (info): Row => ({
    code: info.code,
    resultText: info.text,
    description: info.fix,
    category: "general_failure",
    judgement: "none",
    jobTypes: info.listedFor,
    deprecated: false,
    isFinal: true
  })
)

/** Every row of the taxonomy: job results, then general errors. */
export const table: ReadonlyArray<Row> = [...jobResultRows, ...generalErrorRows]

const rowsByCode: ReadonlyMap<string, ReadonlyArray<Row>> = table.reduce((map, entry) => {
  map.set(entry.code, [...(map.get(entry.code) ?? []), entry])
  return map
}, new Map<string, Array<Row>>())

/** Every row of a canonical code (three for `0001`, one otherwise). */
export const rowsOf = (code: ResultCode): ReadonlyArray<Row> => rowsByCode.get(code) ?? []

/**
 * The row of a code, choosing among the texts of `0001` by `resultText`
 * (the first row when the text is absent or none matches).
 */
export const rowOf = (code: ResultCode, resultText?: string): Row => {
  const rows = rowsOf(code)
  const chosen = rows.find((candidate) => candidate.resultText === resultText) ?? rows[0]
  if (chosen === undefined) throw new Error(`ResultCode table has no row for ${code}`) // unreachable: the table covers the literal union
  return chosen
}

/** The form a general-error code arrived in: `22xx`, or the `23xx`/`24xx` variants of the same condition. */
export type CodeForm = "canonical" | "23xx" | "24xx"

/**
 * The answer of {@link classify}:
 * - `Known`: the row, every row of the same code, the canonical code and the
 *   form it arrived in.
 * - `Unknown`: the code is not one of this taxonomy, with the reason.
 */
export type Classification =
  | {
      readonly _tag: "Known"
      readonly received: string
      readonly code: ResultCode
      readonly form: CodeForm
      readonly row: Row
      readonly variants: ReadonlyArray<Row>
    }
  | { readonly _tag: "Unknown"; readonly received: string; readonly reason: string }

const isResultCode = Schema.is(ResultCode)

/**
 * Classifies any incoming `ResultCode` (or general-error `code`): a code of
 * this taxonomy, a 23xx/24xx form of a general error (folded onto its 22xx
 * row), or unknown with a reason. Pure and total.
 *
 * Gotcha: codes the hosted API uses outside the product's tables are unknown
 * here on purpose: `"2302"` is job_status's "result reported" `code`, not a
 * result; `"2314"` ("No Zip File Received") has no 22xx row to fold onto.
 *
 * @param resultText the received `ResultText`, used only to pick among the
 *   texts of `0001`.
 * @example
 * classify("2405") // Known, code "2205", form "24xx", category "general_failure"
 * classify("0001", "System Error").row.resultText // "System Error"
 * classify("0830") // Unknown: not a SmartSelfie registration or authentication code
 */
export const classify = (code: string, resultText?: string): Classification => {
  if (!/^\d{4}$/.test(code)) {
    return { _tag: "Unknown", received: code, reason: `a result code is a string of four digits, e.g. "0840" (got ${JSON.stringify(code)})` }
  }
  const canonical = isResultCode(code) ? code : GeneralError.canonicalCode(code)
  if (canonical === undefined) {
    return {
      _tag: "Unknown",
      received: code,
      reason: `${code} is not a result code of SmartSelfie registration (job type 4) or authentication (job type 2)`
    }
  }
  const form: CodeForm = canonical === code ? "canonical" : code.startsWith("23") ? "23xx" : "24xx"
  return { _tag: "Known", received: code, code: canonical, form, row: rowOf(canonical, resultText), variants: rowsOf(canonical) }
}
