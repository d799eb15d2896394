/**
 * From a `ParseError` of a wire schema to the one general error (22xx) the
 * partner gets, with a message naming every offending field by its wire path
 * (`partner_params.user_id`, `images[1].image_type_id`) and what to send instead.
 *
 * Mapping (product text, "General Failures"):
 * - a required key is absent -> 2213 `MissingParameter` ("Not all the required
 *   keys were submitted in the info.json or request payload"): this holds for
 *   info.json too, since that row names info.json explicitly;
 * - `partner_params.job_type` present but not 2 or 4 -> 2212 `InvalidJobType`;
 * - any other wrong value in a request body -> 2204 `WrongDataType`;
 * - any other wrong value in info.json (or info.json not JSON at all) -> 2203
 *   `InvalidJson` ("The info.json file in the Zip is not properly structured").
 *
 * When several fields are wrong, all are listed in one message; the code is
 * the first of 2212, 2213, 2204/2203 that applies, and the problems it names
 * are listed first.
 */
import { Array as Arr, Order, ParseResult, type Schema, SchemaAST } from "effect"
import * as GeneralError from "../GeneralError.js"

/** One thing wrong with a decoded document. */
export interface Problem {
  /** The wire path, e.g. `partner_params.job_type` or `images[0].file_name`; `""` for the whole document. */
  readonly path: string
  readonly kind: "missing" | "invalid_job_type" | "invalid"
  /** What is wrong and what to send instead, without the path. */
  readonly message: string
}

/** Errors a request body can decode to. */
export type RequestDecodeError = GeneralError.MissingParameter | GeneralError.WrongDataType | GeneralError.InvalidJobType

/** Errors an info.json can decode to. */
export type InfoJsonDecodeError = GeneralError.InvalidJson | GeneralError.MissingParameter | GeneralError.InvalidJobType

/** `["images", 1, "file_name"]` -> `images[1].file_name`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((out, segment) => {
    if (typeof segment === "number") return `${out}[${segment}]`
    const key = String(segment)
    return /^[A-Za-z_$][\w$]*$/.test(key) ? (out === "" ? key : `${out}.${key}`) : `${out}[${JSON.stringify(key)}]`
  }, "")

const genericMessage = /^Expected ([\s\S]+), actual ([\s\S]+)$/

/** Rewrites Effect's generic "Expected X, actual Y" into advice; keeps schema-provided messages. */
const toAdvice = (message: string): string => {
  const generic = genericMessage.exec(message)
  if (generic === null) return message
  const [, expected = "", actual = ""] = generic
  const shape = expected.startsWith("{")
    ? "a JSON object"
    : expected.startsWith("ReadonlyArray<") || expected.startsWith("readonly [")
      ? "a JSON array"
      : expected
  return `must be ${shape} (got ${actual})`
}

/**
 * The problems of a `ParseError`, one per wire path, in the order Effect found
 * them. Decode with `{ errors: "all" }` to get every problem at once.
 */
export const problemsOf = (error: ParseResult.ParseError): ReadonlyArray<Problem> => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const byPath = Arr.groupBy(issues, (issue) => formatPath(issue.path))
  const order = Arr.dedupe(issues.map((issue) => formatPath(issue.path)))
  return order.map((path): Problem => {
    const atPath = byPath[path] ?? []
    const missing = atPath.find((issue) => issue._tag === "Missing")
    if (missing !== undefined) {
      // Effect's own wording is "is missing"; a schema may explain more (e.g. an empty images array).
      return { path, kind: "missing", message: missing.message === "is missing" ? "is required" : missing.message }
    }
    // Optional fields add a generic "Expected undefined" beside the field's own message: prefer the own one.
    const own = atPath.find((issue) => !genericMessage.test(issue.message)) ?? atPath[0]
    const message = toAdvice(own?.message ?? "is not valid")
    return { path, kind: isJobTypePath(path) ? "invalid_job_type" : "invalid", message }
  })
}

const isJobTypePath = (path: string): boolean => path === "partner_params.job_type" || path.endsWith(".partner_params.job_type")

/** One line for all problems: `partner_params.user_id is required; timestamp must be ... (got 5)`. */
export const describeProblems = (problems: ReadonlyArray<Problem>): string =>
  problems.map((problem) => (problem.path === "" ? problem.message : `${problem.path} ${problem.message}`)).join("; ")

const rank: Record<Problem["kind"], number> = { invalid_job_type: 0, missing: 1, invalid: 2 }

/** Problems with those the chosen code names first (a stable sort: same-kind problems keep their order). */
const prioritised = (problems: ReadonlyArray<Problem>): ReadonlyArray<Problem> =>
  Arr.sort(problems, Order.mapInput(Order.number, (problem: Problem) => rank[problem.kind]))

/**
 * The general error for a request body that failed its schema.
 * `document` names the body in the message, e.g. `"POST /v1/upload body"`.
 */
export const requestError = (error: ParseResult.ParseError, document: string): RequestDecodeError => {
  const problems = prioritised(problemsOf(error))
  const detail = `${document}: ${describeProblems(problems)}`
  switch (problems[0]?.kind) {
    case "invalid_job_type":
      return new GeneralError.InvalidJobType({ detail })
    case "missing":
      return new GeneralError.MissingParameter({ detail })
    default:
      return new GeneralError.WrongDataType({ detail })
  }
}

/** The general error for an info.json that failed its schema. */
export const infoJsonError = (error: ParseResult.ParseError): InfoJsonDecodeError => {
  const problems = prioritised(problemsOf(error))
  const detail = `info.json: ${describeProblems(problems)}`
  switch (problems[0]?.kind) {
    case "invalid_job_type":
      return new GeneralError.InvalidJobType({ detail })
    case "missing":
      return new GeneralError.MissingParameter({ detail })
    default:
      return new GeneralError.InvalidJson({ detail })
  }
}

/** A "missing" issue at `key`, for schemas that decide presence themselves (one of two spellings of a key). */
export const missingAt = (key: string, input: unknown, schema: Schema.Schema.Any): ParseResult.ParseIssue =>
  new ParseResult.Pointer(key, input, new ParseResult.Missing(new SchemaAST.PropertySignature(key, schema.ast, false, true)))

/** A "wrong value" issue at `key` with the advice to show. */
export const invalidAt = (key: string, input: unknown, actual: unknown, message: string): ParseResult.ParseIssue =>
  new ParseResult.Pointer(key, input, new ParseResult.Type(SchemaAST.unknownKeyword, actual, message))
