/**
 * What every `selfie-auth` command is: a name, one line of help, its usage and
 * a run that ends in an exit code. Commands live one per file in `commands/`;
 * `main.ts` dispatches on the first argument.
 */
import { Effect, Schema } from "effect"
import * as fs from "node:fs/promises"

/** The command line is wrong (exit 64, EX_USAGE): `detail` says what to type instead. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  detail: Schema.String
}) {}

/** An input file cannot be used (exit 2): missing, unreadable, or not a picture. */
export class InputError extends Schema.TaggedError<InputError>()("InputError", {
  file: Schema.String,
  detail: Schema.String
}) {}

export type CommandError = UsageError | InputError

export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  /** Runs with the arguments after the command's name; succeeds with the exit code. */
  readonly run: (args: ReadonlyArray<string>) => Effect.Effect<number, CommandError>
}

/** Reads an image file, with a message that says what is wrong with the path. */
export const readImageFile = (file: string): Effect.Effect<Uint8Array, InputError> =>
  Effect.tryPromise({
    try: () => fs.readFile(file),
    catch: (cause) => {
      const code = (cause as NodeJS.ErrnoException).code
      const detail = code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
        ? "is a directory, expected an image file"
        : code === "EACCES"
        ? "permission denied"
        : String(cause)
      return new InputError({ file, detail })
    }
  }).pipe(Effect.map((buffer) => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)))

/** Writes a line to standard output. */
export const printLine = (line: string) => Effect.sync(() => void process.stdout.write(line + "\n"))
