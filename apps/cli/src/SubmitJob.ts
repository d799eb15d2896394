/**
 * `register` and `authenticate`: one SmartSelfie job from image files.
 * `--liveness` takes a directory (its .jpg, .jpeg and .png files in name
 * order) or one file, and may be repeated; without `--job` a job id is made
 * up and printed. Without `--callback-url` the command waits for the result
 * (as with `--wait`); `--no-wait` returns after the upload.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { Effect } from "effect"
import type { Command } from "./Command.js"
import { InputError, printLine, UsageError } from "./Command.js"
import {
  answerJson,
  clientConfig,
  connectionOptions,
  connectionUsage,
  progressPrinter,
  resultTable,
  withPartnerClient
} from "./PartnerClient.js"

const imageFile = /\.(jpe?g|png)$/i

/** The liveness frames named on the command line, directories expanded to their images in name order. */
export const livenessFrames = (entries: ReadonlyArray<string>): Effect.Effect<Array<{ readonly path: string }>, InputError> =>
  Effect.forEach(entries, (entry) =>
    Effect.try({
      try: () => fs.statSync(entry),
      catch: () => new InputError({ file: entry, detail: "no such file or directory (--liveness takes a directory of frames or one image)" })
    }).pipe(
      Effect.flatMap((stats) => {
        if (!stats.isDirectory()) return Effect.succeed([{ path: entry }])
        const files = fs.readdirSync(entry).filter((name) => imageFile.test(name)).sort()
        return files.length === 0
          ? Effect.fail(new InputError({ file: entry, detail: "the directory holds no .jpg, .jpeg or .png files" }))
          : Effect.succeed(files.map((name) => ({ path: path.join(entry, name) })))
      })
    )).pipe(Effect.map((lists) => lists.flat()))

/** `--param key=value` pairs as extra partner params. */
const extraParams = (pairs: ReadonlyArray<string>, usage: string) =>
  Effect.forEach(pairs, (pair) => {
    const separator = pair.indexOf("=")
    return separator <= 0
      ? Effect.fail(new UsageError({ detail: `--param takes key=value, e.g. --param branch=lagos, got "${pair}"\nusage: ${usage}` }))
      : Effect.succeed([pair.slice(0, separator), pair.slice(separator + 1)] as const)
  }).pipe(Effect.map((entries) => Object.fromEntries(entries)))

const madeUpJobId = () => `job-${new Date().toISOString().replace(/[-:.TZ]/g, "")}-${Math.random().toString(36).slice(2, 8)}`

/** The `register` (job type 4) or `authenticate` (job type 2) command. */
export const submitJobCommand = (jobType: 2 | 4): Command => {
  const name = jobType === 4 ? "register" : "authenticate"
  const usage = `selfie-auth ${name} --user USER --selfie IMAGE [--liveness DIR|IMAGE ...] [--job JOB] ` +
    `[--callback-url URL] [--param KEY=VALUE ...] [--no-wait] ${connectionUsage}`
  return {
    name,
    summary: jobType === 4
      ? "register a user's selfie with a v1 API (job type 4), then show the result"
      : "authenticate a registered user with a new selfie (job type 2), then show the result",
    usage,
    run: (args) =>
      Effect.gen(function*() {
        const { values: flags } = yield* Effect.try({
          try: () =>
            parseArgs({
              args: [...args],
              options: {
                ...connectionOptions,
                user: { type: "string" },
                job: { type: "string" },
                selfie: { type: "string" },
                liveness: { type: "string", multiple: true, default: [] },
                "callback-url": { type: "string" },
                param: { type: "string", multiple: true, default: [] },
                "no-wait": { type: "boolean", default: false }
              },
              strict: true
            }),
          catch: (cause) => new UsageError({ detail: `${(cause as Error).message}\nusage: ${usage}` })
        })
        const { selfie, user } = flags
        if (user === undefined) return yield* new UsageError({ detail: `--user is required: the user id to ${name}\nusage: ${usage}` })
        if (selfie === undefined) return yield* new UsageError({ detail: `--selfie is required: one JPEG or PNG\nusage: ${usage}` })
        const config = yield* clientConfig(flags, process.env, usage)
        const frames = yield* livenessFrames(flags.liveness)
        const extraPartnerParams = yield* extraParams(flags.param, usage)
        const jobId = flags.job ?? madeUpJobId()
        const callbackUrl = flags["callback-url"]
        if (!flags.quiet) process.stderr.write(`${name}: user ${user}, job ${jobId}, ${frames.length} liveness frame${frames.length === 1 ? "" : "s"}\n`)

        return yield* withPartnerClient(config, (client) =>
          Effect.gen(function*() {
            const outcome = yield* client.submitJob(jobType, {
              userId: user,
              jobId,
              selfie: { path: selfie },
              livenessFrames: frames,
              ...(callbackUrl === undefined ? {} : { callbackUrl }),
              extraPartnerParams,
              waitForResult: !flags["no-wait"],
              onProgress: progressPrinter(flags.quiet)
            })
            const ids = { userId: outcome.userId, jobId: outcome.jobId, smileJobId: outcome.smileJobId }
            yield* printLine(
              flags.json
                ? JSON.stringify(answerJson(ids, outcome.status), null, 2)
                : outcome.status === undefined
                ? `submitted: user ${ids.userId}, job ${ids.jobId} (Smile job ${ids.smileJobId}); ` +
                  `follow it with: selfie-auth status --user ${ids.userId} --job ${ids.jobId} --watch`
                : resultTable(ids, outcome.status)
            )
            return 0
          })
        )
      })
  }
}
