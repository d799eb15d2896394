/**
 * Reads on a SQLite file without `@effect/sql`'s per-statement machinery
 * (statement compilation, the connection semaphore, a span, row transforms):
 * a prepared better-sqlite3 statement run synchronously on a read-only
 * connection of the same file, its row answered as an array of its columns'
 * values (raw mode: no object built per read).
 * `SqlDatabase.layerSqlite` provides it next to its `SqlClient`; a store uses
 * it for its hottest read when it is present (`JobStoreSql.findByJobId`, read
 * on every job_status poll) and keeps `@effect/sql` otherwise (Postgres).
 *
 * What a read sees: the file is in WAL mode, so the read connection sees
 * every transaction committed before the statement runs, by this process or
 * another, and never waits for the writer. It does not see a transaction
 * still open on the `SqlClient`'s connection: a store falls back to the
 * `SqlClient` inside `withTransaction` (see {@link inTransaction}).
 *
 * The connection is opened on the first read, so a file whose stores never
 * read through it (the workflow journal) gets no second connection. It is
 * closed with the layer.
 */
import { SqlClient } from "@effect/sql"
import Database from "better-sqlite3"
import { Context, Effect, Layer } from "effect"

/** A value bound to a `?` of a statement. */
export type Parameter = string | number | null

/**
 * A prepared read of one row: the first row for the parameters as its
 * columns' values, in the order the statement selects them, or `undefined`
 * when there is none. A fresh array each time. Throws on a SQLite error.
 * Name the columns in the statement (not `*`) to fix their order.
 */
export type RowRead = (...parameters: ReadonlyArray<Parameter>) => ReadonlyArray<unknown> | undefined

export class SqliteReads extends Context.Tag("@selfie-auth/adapter-sql/SqliteReads")<SqliteReads, {
  /** A read of one row of `sql` (`?` placeholders), prepared on its first use. */
  readonly prepareRow: (sql: string) => RowRead
}>() {}

export interface Options {
  readonly filename: string
  /** How long a read waits when another connection holds a lock it needs (rare in WAL mode). */
  readonly busyTimeoutMillis: number
}

/** Reads on `filename`, which the `SqlClient` next to it has opened (and put in WAL mode) already. */
export const layer = (options: Options): Layer.Layer<SqliteReads> =>
  Layer.scoped(
    SqliteReads,
    Effect.gen(function*() {
      let connection: Database.Database | undefined
      const open = () =>
        (connection ??= new Database(options.filename, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMillis }))
      yield* Effect.addFinalizer(() => Effect.sync(() => connection?.close()))
      return SqliteReads.of({
        prepareRow: (sql) => {
          let statement: Database.Statement | undefined
          return (...parameters) =>
            (statement ??= open().prepare(sql).raw(true)).get(...parameters) as ReadonlyArray<unknown> | undefined
        }
      })
    })
  )

/**
 * Whether the fiber runs inside `withTransaction` of an `@effect/sql` client:
 * a read there must go through that client to see the transaction's own writes.
 */
export const inTransaction = (context: Context.Context<never>): boolean =>
  Context.getOption(context, SqlClient.TransactionConnection)._tag === "Some"
