/**
 * The `selfie-auth-server` command: reads the configuration, serves, and on
 * SIGTERM or SIGINT drains in-flight requests and ends with status 0.
 *
 * Exit status: 0 after a clean stop or `--help`; 2 for a configuration
 * mistake (flags, partners or reviewers file, TLS files, data folder), with a message
 * that says what to fix; 1 when the server cannot start otherwise.
 *
 * The backend is a parameter so that the product (`main.ts`) and the tests'
 * child process run the very same command.
 */
import { Cause, Deferred, Effect, Either, Exit, type Layer, Logger, Option } from "effect"
import * as Listener from "./Listener.js"
import * as Server from "./Server.js"
import { helpText, parseCommand } from "./ServerConfig.js"

/** How long in-flight requests may take to finish after SIGTERM before their connections are cut. */
export const drainDeadlineMillis = 10_000

/**
 * Every log line goes to stderr, so stdout carries only what scripts read:
 * `listening on <url>` first, then the certificate lines.
 */
const logToStderr = Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))

/** Failures that are the operator's configuration to fix (exit status 2). */
const configurationErrors: ReadonlySet<string> = new Set([
  "InvalidConfiguration",
  "InvalidPartnersFile",
  "InvalidReviewersFile",
  "TlsUnavailable",
  "DataDirUnavailable"
])

/** Runs the command to its end; answers the exit status. Writes to the process's stdout and stderr. */
export const run = <E>(
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>,
  backendFor: (input: Server.BackendInput) => Layer.Layer<Server.BackendServices, E>
): Promise<number> => {
  const program = Effect.gen(function*() {
    const command = parseCommand(argv, env)
    if (Either.isLeft(command)) return yield* command.left
    if (command.right._tag === "Help") {
      process.stdout.write(`${helpText()}\n`)
      return 0
    }
    const { config } = command.right
    const stop = yield* Deferred.make<string>()
    const onSignal = (signal: string) => () => Deferred.unsafeDone(stop, Exit.succeed(signal))
    process.once("SIGTERM", onSignal("SIGTERM"))
    process.once("SIGINT", onSignal("SIGINT"))

    return yield* Effect.scoped(
      Effect.gen(function*() {
        const running = yield* Server.start(config, backendFor)
        process.stdout.write(`${Server.startupLines(running).join("\n")}\n`)
        const signal = yield* Deferred.await(stop)
        process.stderr.write(`${signal}: draining in-flight requests (at most ${drainDeadlineMillis / 1000} s)\n`)
        yield* Listener.drain(running.server, drainDeadlineMillis)
        process.stderr.write("stopped\n")
        return 0
      })
    )
  })
  return Effect.runPromiseExit(Effect.provide(program, logToStderr)).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    const tag = Option.match(failure, {
      onNone: () => "",
      onSome: (error) => (typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "")
    })
    const message = Option.match(failure, {
      onNone: () => Cause.pretty(exit.cause),
      onSome: (error) => (error instanceof Error ? error.message : String(error))
    })
    process.stderr.write(`selfie-auth-server could not start: ${message}\n`)
    return configurationErrors.has(tag) ? 2 : 1
  })
}
