/**
 * The databases the stores run on: a SQLite file (the default, embedded) or
 * Postgres (by configuration, for several server processes).
 *
 * - {@link layerSqlite}: WAL journal (readers never wait for the writer) and a
 *   busy timeout, so a second process on the same file waits for the lock
 *   instead of failing at once. better-sqlite3 runs every statement on one
 *   connection, which `@effect/sql` serialises; writes are durable at commit
 *   (`synchronous = FULL`, SQLite's default, is kept on purpose).
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

/** The SQLite file the stores use inside a server's data folder. */
export const sqliteFileName = "stores.sqlite"

export interface SqliteOptions {
  /** The database file; created when missing (its folder must exist). */
  readonly filename: string
  /** How long a statement waits for another process's write lock before failing. Default 5 seconds. */
  readonly busyTimeout?: Duration.DurationInput | undefined
}

/** A SQLite file in WAL mode with a busy timeout. */
export const layerSqlite = (options: SqliteOptions): Layer.Layer<SqlClient.SqlClient, SqlError | ConfigError> => {
  const busyTimeoutMillis = Math.round(Duration.toMillis(options.busyTimeout ?? Duration.seconds(5)))
  return Layer.effectDiscard(
    Effect.gen(function*() {
      const sql = yield* SqliteClient.SqliteClient
      yield* sql.unsafe(`PRAGMA busy_timeout = ${busyTimeoutMillis}`)
      const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
      if (mode?.journal_mode !== "wal") {
        return yield* Effect.dieMessage(
          `SQLite file ${options.filename} is in ${mode?.journal_mode} journal mode, not WAL; ` +
            "it may be on a file system without shared memory (a network share): put the data folder on a local disk"
        )
      }
    })
  ).pipe(Layer.provideMerge(SqliteClient.layer({ filename: options.filename })))
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

