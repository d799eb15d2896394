/**
 * `selfie-auth status --user U --job J [--watch] [--history] [--image-links]`:
 * a job's status from job_status (its signature verified), once or, with
 * `--watch`, polled on the official SDK's schedule until the job completes.
 */
import { parseArgs } from "node:util"
import { Effect } from "effect"
import type { Command } from "../Command.js"
import { printLine, UsageError } from "../Command.js"
import { answerJson, clientConfig, connectionOptions, connectionUsage, progressPrinter, resultTable, withPartnerClient } from "../PartnerClient.js"

const usage = `selfie-auth status --user USER --job JOB [--watch] [--history] [--image-links] ${connectionUsage}`

export const status: Command = {
  name: "status",
  summary: "show a job's status and result; --watch polls until it completes",
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
              watch: { type: "boolean", default: false },
              history: { type: "boolean", default: false },
              "image-links": { type: "boolean", default: false }
            },
            strict: true
          }),
        catch: (cause) => new UsageError({ detail: `${(cause as Error).message}\nusage: ${usage}` })
      })
      if (flags.user === undefined || flags.job === undefined) {
        return yield* new UsageError({ detail: `--user and --job are required: the ids the job was submitted with\nusage: ${usage}` })
      }
      const config = yield* clientConfig(flags, process.env, usage)
      const job = { userId: flags.user, jobId: flags.job, history: flags.history, imageLinks: flags["image-links"] }
      return yield* withPartnerClient(config, (client) =>
        Effect.gen(function*() {
          const answer = flags.watch
            ? yield* client.pollJobStatus({ ...job, onProgress: progressPrinter(flags.quiet) })
            : yield* client.jobStatus(job)
          yield* printLine(flags.json ? JSON.stringify(answerJson(job, answer), null, 2) : resultTable(job, answer))
          return 0
        })
      )
    })
}
