/**
 * What the partner commands (`register`, `authenticate`, `status`) share: the
 * connection settings from flags or the environment, the partner client on
 * Node (`@selfie-auth/adapter-http/node`), progress lines on stderr, and the
 * result as a readable table or as JSON on stdout.
 *
 * Settings (a flag wins over the environment):
 * | flag | environment |
 * |---|---|
 * | `--partner-id` | `SELFIE_AUTH_PARTNER_ID` |
 * | `--api-key` | `SELFIE_AUTH_API_KEY` |
 * | `--base-url` | `SELFIE_AUTH_BASE_URL` (`sandbox`, `production` or a URL; default `sandbox`) |
 *
 * Failures: a client error is printed as one line that says what to do and
 * the command exits 1; an image that cannot be used is an `InputError` (exit
 * 2); a wrong flag or setting a `UsageError` (exit 64).
 */
import type { BaseUrl, JobRequest, PollTimeout } from "@selfie-auth/adapter-http"
import { SmartSelfie, V1Api } from "@selfie-auth/adapter-http"
import { layerNode } from "@selfie-auth/adapter-http/node"
import { ResultCode } from "@selfie-auth/core"
import { Duration, Effect, Redacted, Schedule } from "effect"
import { InputError, UsageError } from "./Command.js"

/** The flags every partner command accepts, in `node:util` `parseArgs` form. */
export const connectionOptions = {
  "partner-id": { type: "string" },
  "api-key": { type: "string" },
  "base-url": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean", default: false },
  quiet: { type: "boolean", default: false }
} as const

export const connectionUsage =
  "[--partner-id ID] [--api-key KEY] [--base-url sandbox|production|URL] [--timeout SECONDS] [--json] [--quiet]"

export interface ConnectionFlags {
  readonly "partner-id"?: string | undefined
  readonly "api-key"?: string | undefined
  readonly "base-url"?: string | undefined
  readonly timeout?: string | undefined
}

/** The client configuration from flags and the environment. */
export const clientConfig = (
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
  usage: string
): Effect.Effect<SmartSelfie.ClientConfig, UsageError> => {
  const partnerId = flags["partner-id"] ?? env["SELFIE_AUTH_PARTNER_ID"]
  const apiKey = flags["api-key"] ?? env["SELFIE_AUTH_API_KEY"]
  if (partnerId === undefined || partnerId === "") {
    return Effect.fail(new UsageError({ detail: `no partner id: pass --partner-id 001 or set SELFIE_AUTH_PARTNER_ID\nusage: ${usage}` }))
  }
  if (apiKey === undefined || apiKey === "") {
    return Effect.fail(
      new UsageError({
        detail: `no API key: set SELFIE_AUTH_API_KEY (or pass --api-key, which other users of this machine may see)\nusage: ${usage}`
      })
    )
  }
  const timeoutSeconds = flags.timeout === undefined ? undefined : Number(flags.timeout)
  if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
    return Effect.fail(new UsageError({ detail: `--timeout takes a number of seconds above 0, got "${flags.timeout}"\nusage: ${usage}` }))
  }
  return Effect.succeed({
    partnerId,
    apiKey: Redacted.make(apiKey),
    baseUrl: flags["base-url"] ?? env["SELFIE_AUTH_BASE_URL"] ?? "sandbox",
    // With --timeout, polling keeps the official rhythm past its 22 polls, until the timeout.
    ...(timeoutSeconds === undefined
      ? {}
      : {
          poll: {
            timeout: Duration.seconds(timeoutSeconds),
            schedule: Schedule.union(SmartSelfie.officialPollSchedule, Schedule.spaced("4 seconds"))
          }
        })
  })
}

/** Every way a use of the partner client can fail. */
export type ClientFailure = SmartSelfie.SubmitError | SmartSelfie.JobStatusError | PollTimeout | BaseUrl.InvalidBaseUrl

/**
 * Runs a use of the partner client and settles every failure: an unusable
 * image file becomes an `InputError`, a bad setting a `UsageError`; any other
 * failure (the API refused, no answer, a forged answer, a timeout) is printed
 * as its message, which says what to do, and the command exits 1.
 */
export const withPartnerClient = (
  config: SmartSelfie.ClientConfig,
  use: (client: SmartSelfie.SmartSelfieService) => Effect.Effect<number, ClientFailure>
): Effect.Effect<number, UsageError | InputError> =>
  Effect.flatMap(SmartSelfie.SmartSelfie, use).pipe(
    Effect.provide(layerNode(config)),
    Effect.catchAll((error: ClientFailure): Effect.Effect<number, UsageError | InputError> => {
      switch (error._tag) {
        case "UnreadableImage":
          return error.path === undefined
            ? Effect.fail(new UsageError({ detail: error.message }))
            : Effect.fail(new InputError({ file: error.path, detail: error.detail }))
        case "InvalidBaseUrl":
        case "InvalidJobRequest":
          return Effect.fail(new UsageError({ detail: error.message }))
        default:
          return Effect.sync(() => {
            process.stderr.write(`selfie-auth: ${error.message}\n`)
            return 1
          })
      }
    })
  )

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`)

/** One progress line per client event. */
export const describeProgress = (event: JobRequest.ProgressEvent): string => {
  switch (event._tag) {
    case "ImagesLoaded":
      return `read ${event.images} image${event.images === 1 ? "" : "s"} (${size(event.bytes)})`
    case "UploadPrepared":
      return `upload prepared: Smile job ${event.smileJobId}`
    case "ZipPacked":
      return `zipped ${size(event.bytes)} in ${event.millis} ms`
    case "ZipUploaded":
      return `uploaded the zip (HTTP ${event.httpStatus})`
    case "Polled":
      return event.jobComplete
        ? `job_status #${event.poll}: complete (${event.code})`
        : `job_status #${event.poll}: not complete yet (${event.code}), waiting`
  }
}

/** Progress on stderr, unless `--quiet`. */
export const progressPrinter = (quiet: boolean) => (event: JobRequest.ProgressEvent) => {
  if (!quiet) process.stderr.write(`${describeProgress(event)}\n`)
}

export interface JobIds {
  readonly userId: string
  readonly jobId: string
  readonly smileJobId?: string | undefined
}

/** The job's status as a readable table: ids, code, text, outcome, confidence and the applicable actions. */
export const resultTable = (ids: JobIds, answer: V1Api.JobStatusAnswer): string => {
  const rows: Array<readonly [string, string]> = [
    ["user", ids.userId],
    ["job", ids.jobId + (ids.smileJobId === undefined ? "" : ` (Smile job ${ids.smileJobId})`)],
    ["complete", answer.jobComplete ? "yes" : "no"],
    ["status code", answer.code]
  ]
  const actions: Array<readonly [string, string]> = []
  const result = answer.result
  if (typeof result === "string") {
    rows.push(["result", result])
  } else {
    if (result.ResultCode !== undefined) {
      rows.push(["result code", result.ResultCode])
      const classification = ResultCode.classify(result.ResultCode, result.ResultText)
      rows.push(["result text", result.ResultText])
      if (classification._tag === "Known") {
        const { category, isFinal, judgement } = classification.row
        rows.push([
          "outcome",
          `${category.replace("_", " ")}${judgement === "none" ? "" : `, ${judgement} judgement`}${isFinal ? "" : " (a reviewer's result will follow)"}`
        ])
      }
    } else {
      rows.push(["result text", result.ResultText])
    }
    if (result.ConfidenceValue !== undefined) rows.push(["confidence", result.ConfidenceValue])
    for (const [name, value] of Object.entries(result.Actions ?? {})) {
      if (value !== "Not Applicable") actions.push([`  ${name}`, value])
    }
  }
  const width = Math.max(...[...rows, ...actions].map(([name]) => name.length))
  const line = ([name, value]: readonly [string, string]) => `${name.padEnd(width)}  ${value}`
  return [...rows.map(line), ...(actions.length === 0 ? [] : ["actions", ...actions.map(line)])].join("\n")
}

/** The ids and, when there is one, the job_status answer in its wire form (snake_case, as the API sent it), for `--json`. */
export const answerJson = (ids: JobIds, answer: V1Api.JobStatusAnswer | undefined) => ({
  user_id: ids.userId,
  job_id: ids.jobId,
  ...(ids.smileJobId === undefined ? {} : { smile_job_id: ids.smileJobId }),
  ...(answer === undefined ? {} : V1Api.jobStatusAnswerToWire(answer))
})
