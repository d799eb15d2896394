/**
 * The databases the stores run on: a SQLite file (the default, embedded) or
 * Postgres (by configuration, for several server processes).
 *
 * - {@link layerSqlite}: WAL journal (readers never wait for the writer) and a
 *   busy timeout, so a second process on the same file waits for the lock
 *   instead of failing at once. better-sqlite3 runs every statement on one
 *   connection, which `@effect/sql` serialises. How durable a commit is
 *   ({@link SqliteSynchronous}) is set explicitly, `"full"` unless chosen
 *   otherwise: better-sqlite3 is built with `SQLITE_DEFAULT_WAL_SYNCHRONOUS=1`,
 *   so a connection left alone drops to `NORMAL` as soon as it finds the file
 *   in WAL mode (from its first transaction on, or at once on a reopened file).
 *   Next to the client it provides {@link SqliteReads}: prepared reads on a
 *   read-only connection of the same file, for a store's hottest read.
 * - {@link layerPostgres}: a pool from a connection URL (`Redacted`, it may
 *   hold a password). Choose a schema with the URL's
 *   `options=-c search_path=<schema>`.
 *
 * Keep the stores' file apart from the workflow journal's: both are written
 * often and SQLite has one writer per file.
 */
import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Duration, Effect, Layer, Redacted } from "effect"
import type { ConfigError } from "effect/ConfigError"
import * as SqliteReads from "./SqliteReads.js"

/** The SQLite file the stores use inside a server's data folder. */
export const sqliteFileName = "stores.sqlite"

/**
 * How durable a committed transaction is (SQLite's `synchronous`, in WAL mode):
 * - `"full"`: the WAL is flushed to disk (`fsync`) at every commit, so a
 *   commit survives a power loss or an operating system crash. One `fsync`
 *   per commit: 0.05 to 0.5 ms on a server SSD with power-loss protection,
 *   about 4 ms on the project's virtual machines.
 * - `"normal"`: the WAL is flushed only when it is checkpointed. A commit
 *   survives the process being killed (the bytes are in the operating
 *   system's cache), and the database is never corrupted, but a power loss
 *   or an operating system crash can undo the last commits.
 */
export type SqliteSynchronous = "full" | "normal"

export interface SqliteOptions {
  /** The database file; created when missing (its folder must exist). */
  readonly filename: string
  /** How long a statement waits for another process's write lock before failing. Default 5 seconds. */
  readonly busyTimeout?: Duration.DurationInput | undefined
  /** How durable a commit is; see {@link SqliteSynchronous}. Default `"full"`. */
  readonly synchronous?: SqliteSynchronous | undefined
}

/** SQLite's numbers for the `synchronous` levels, as `PRAGMA synchronous` reads them back. */
const synchronousLevel: Record<SqliteSynchronous, number> = { normal: 1, full: 2 }

/** A SQLite file in WAL mode with a busy timeout and an explicit `synchronous` level, and prepared reads on it. */
export const layerSqlite = (
  options: SqliteOptions
): Layer.Layer<SqlClient.SqlClient | SqliteReads.SqliteReads, SqlError | ConfigError> => {
  const busyTimeoutMillis = Math.round(Duration.toMillis(options.busyTimeout ?? Duration.seconds(5)))
  const synchronous = options.synchronous ?? "full"
  return Layer.effectDiscard(
    Effect.gen(function*() {
      const sql = yield* SqliteClient.SqliteClient
      yield* sql.unsafe(`PRAGMA busy_timeout = ${busyTimeoutMillis}`)
      // Set explicitly: an explicit level is kept for the connection's life, where the built-in WAL default would win.
      yield* sql.unsafe(`PRAGMA synchronous = ${synchronous.toUpperCase()}`)
      const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
      if (mode?.journal_mode !== "wal") {
        return yield* Effect.dieMessage(
          `SQLite file ${options.filename} is in ${mode?.journal_mode} journal mode, not WAL; ` +
            "it may be on a file system without shared memory (a network share): put the data folder on a local disk"
        )
      }
      const [level] = yield* sql<{ synchronous: number }>`PRAGMA synchronous`
      if (Number(level?.synchronous) !== synchronousLevel[synchronous]) {
        return yield* Effect.dieMessage(`SQLite file ${options.filename} did not accept synchronous = ${synchronous}`)
      }
    })
  ).pipe(
    Layer.provideMerge(SqliteClient.layer({ filename: options.filename })),
    Layer.merge(SqliteReads.layer({ filename: options.filename, busyTimeoutMillis }))
  )
}

export interface PostgresOptions {
  /** `postgres://user[:password]@host:port/database[?options=-c search_path=...]` */
  readonly url: Redacted.Redacted<string>
  /** Connections in the pool. Default 10. */
  readonly maxConnections?: number | undefined
}

/** A Postgres connection pool. */
export const layerPostgres = (options: PostgresOptions): Layer.Layer<SqlClient.SqlClient, SqlError | ConfigError> =>
  PgClient.layer({
    url: options.url,
    applicationName: "selfie-auth-stores",
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections })
  })

