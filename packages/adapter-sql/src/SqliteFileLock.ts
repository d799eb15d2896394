/**
 * An exclusive lock on a file, held for a scope's life, that the operating
 * system releases when the holding process ends, however it ends.
 *
 * Node has no `flock`; SQLite has the same guarantee built in. The lock file is
 * an (empty) SQLite database on which one connection opens `BEGIN EXCLUSIVE`
 * and keeps it open: SQLite takes a POSIX advisory lock on the file for it, so
 * any other connection, in this process or another, is refused at once
 * (`SQLITE_BUSY`, no waiting). When the holder closes the scope, the
 * transaction is rolled back and the file closed; when the holder is killed,
 * the kernel drops its locks with its file descriptors, so a restart right
 * after a crash takes the lock without waiting for anything to expire.
 *
 * Where it holds: on a local file system. On a network share the lock is only
 * as good as the share's lock daemon, which is why the stores' own files must
 * be local anyway (their WAL mode needs shared memory; `SqlDatabase` checks).
 */
import Database from "better-sqlite3"
import { Data, Effect } from "effect"
import type { Scope } from "effect"

/** Another connection (most likely another process) holds the lock on `filename`. */
export class FileLocked extends Data.TaggedError("FileLocked")<{ readonly filename: string }> {}

const isBusy = (cause: unknown) =>
  typeof cause === "object" && cause !== null && "code" in cause &&
  (cause.code === "SQLITE_BUSY" || cause.code === "SQLITE_LOCKED")

/**
 * Takes the lock on `filename` (created when missing; its folder must exist)
 * for the scope, or fails with `FileLocked` at once when another connection
 * holds it. Any other failure to open the file (permissions, a missing folder)
 * is a defect carrying SQLite's own message.
 */
export const holdExclusive = (filename: string): Effect.Effect<void, FileLocked, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      let connection: Database.Database | undefined
      try {
        connection = new Database(filename, { timeout: 0 })
        connection.exec("BEGIN EXCLUSIVE")
        return Effect.succeed(connection)
      } catch (cause) {
        connection?.close()
        return isBusy(cause)
          ? Effect.fail(new FileLocked({ filename }))
          : Effect.die(new Error(`cannot lock ${filename}: ${cause instanceof Error ? cause.message : String(cause)}`))
      }
    }),
    (connection) =>
      Effect.sync(() => {
        connection.exec("ROLLBACK")
        connection.close()
      })
  ).pipe(Effect.asVoid)
