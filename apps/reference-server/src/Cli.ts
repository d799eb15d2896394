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
import * as BlobKeysCommand from "./BlobKeysCommand.js"
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
  "DataDirUnavailable",
  "BlobKeysUnavailable"
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
    if (command.right._tag === "BlobKeys") return yield* BlobKeysCommand.run(command.right.config, command.right.reseal)
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
      onSome: describeFailure
    })
    process.stderr.write(`selfie-auth-server${argv[0] === "blob-keys" ? " blob-keys" : ""} could not start: ${message}\n`)
    return configurationErrors.has(tag) ? 2 : 1
  })
}

/** An error and its causes, outermost first. */
const causeChain = (error: unknown): ReadonlyArray<unknown> => {
  const chain: Array<unknown> = []
  for (let current = error; current !== undefined && current !== null && chain.length < 8;) {
    chain.push(current)
    current = typeof current === "object" && "cause" in current ? (current as { readonly cause?: unknown }).cause : undefined
  }
  return chain
}

/**
 * What stopped the start, in words that say what to do. A failure to listen
 * arrives wrapped (the platform's `ServeError` has no message of its own), so
 * the system error code is looked for down the cause chain.
 */
export const describeFailure = (error: unknown): string => {
  const chain = causeChain(error)
  const code = chain
    .map((e) => (typeof e === "object" && e !== null && "code" in e ? String((e as { readonly code: unknown }).code) : undefined))
    .find((c) => c !== undefined)
  if (code === "EADDRINUSE") return "the port is already in use: stop the other process, or pass another --port (0 picks a free one)"
  if (code === "EACCES") return "no permission to listen on that port: use a port above 1023, or --port 0"
  if (code === "EADDRNOTAVAIL") return "--host is not an address of this machine: use 127.0.0.1, ::1 or 0.0.0.0"
  const message = chain.map((e) => (e instanceof Error ? e.message : typeof e === "string" ? e : "")).find((m) => m.length > 0)
  return message ?? String(error)
}
