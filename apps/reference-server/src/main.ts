#!/usr/bin/env node
/**
 * `selfie-auth-server`: the composition root. Reads the configuration, wires
 * the product's layers, serves, and on SIGTERM or SIGINT drains in-flight
 * requests and exits 0.
 *
 * Exit status: 0 after a clean stop or `--help`, 2 for a configuration
 * mistake (the message says what to fix), 1 for a failure at start-up.
 */
import { Cause, Deferred, Effect, Either, Exit, Option } from "effect"
import { ProductBackend } from "./ProductBackend.js"
import * as Listener from "./Listener.js"
import * as Server from "./Server.js"
import { helpText, parseCommand } from "./ServerConfig.js"

/** How long in-flight requests may take to finish after SIGTERM before their connections are cut. */
const drainDeadlineMillis = 10_000

const program = Effect.gen(function*() {
  const command = parseCommand(process.argv.slice(2), process.env)
  if (Either.isLeft(command)) {
    process.stderr.write(`${command.left.message}\n`)
    return 2
  }
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
      const running = yield* Server.start(config, ProductBackend.layer(config))
      process.stdout.write(`${Server.startupLines(running).join("\n")}\n`)
      const signal = yield* Deferred.await(stop)
      process.stderr.write(`${signal}: draining in-flight requests\n`)
      yield* Listener.drain(running.server, drainDeadlineMillis)
      return 0
    })
  )
})

Effect.runPromiseExit(program).then((exit) => {
  const code = Exit.isSuccess(exit) ? exit.value : 1
  if (Exit.isFailure(exit)) {
    const message = Option.match(Cause.failureOption(exit.cause), {
      onNone: () => Cause.pretty(exit.cause),
      onSome: (error) => (error instanceof Error ? error.message : String(error))
    })
    process.stderr.write(`selfie-auth-server could not start: ${message}\n`)
  }
  process.exitCode = code
  // Everything is closed by now; a stray timer of a dependency must not keep a stopped server alive.
  setTimeout(() => process.exit(code), 2000).unref()
})
