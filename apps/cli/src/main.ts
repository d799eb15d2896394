#!/usr/bin/env node
/**
 * `selfie-auth`: the project's command line. The first argument names the
 * command; each command is one file in `commands/`.
 *
 * Exit codes: 0 done, 1 failure inside the tool, 2 an input file cannot be
 * used (missing or not a picture), 64 wrong command line.
 */
import { Cause, Effect, Exit } from "effect"
import type { Command } from "./Command.js"
import { analyze } from "./commands/analyze.js"
import { authenticate } from "./commands/authenticate.js"
import { compare } from "./commands/compare.js"
import { register } from "./commands/register.js"
import { status } from "./commands/status.js"

const commands: ReadonlyArray<Command> = [analyze, compare, register, authenticate, status]

const help = [
  "usage: selfie-auth <command> [arguments]",
  "",
  "commands:",
  ...commands.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`),
  "",
  ...commands.map((command) => `  ${command.usage}`)
].join("\n")

const fail = (message: string, code: number) => {
  process.stderr.write(`selfie-auth: ${message}\n`)
  return code
}

/** Runs one command line; resolves to the exit code. */
export const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const [name, ...args] = argv
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(help + "\n")
    return name === undefined ? 64 : 0
  }
  const command = commands.find((candidate) => candidate.name === name)
  if (command === undefined) return fail(`unknown command "${name}"\n${help}`, 64)
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`usage: ${command.usage}\n`)
    return 0
  }
  const exit = await Effect.runPromiseExit(command.run(args))
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") {
    const error = failure.value
    return error._tag === "UsageError"
      ? fail(error.detail, 64)
      : fail(`cannot use ${error.file}: ${error.detail}`, 2)
  }
  return fail(Cause.pretty(exit.cause), 1)
}

process.exitCode = await main(process.argv.slice(2))
