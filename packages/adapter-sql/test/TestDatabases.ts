/**
 * Throwaway databases for the suites: each build of a layer is a database of
 * its own, removed when the layer is released.
 *
 * - SQLite: a file in a fresh temporary folder.
 * - Postgres: a fresh schema in database `test` on 127.0.0.1:5432 as user
 *   `postgres` (trust auth; `npm test` starts the server), chosen through the
 *   URL's `search_path`, dropped with everything in it afterwards. When the
 *   server does not answer, building the layer fails with a message that says
 *   so: the Postgres suite fails, it never skips.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqlDatabase } from "@selfie-auth/adapter-sql"
import { Effect, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** A fresh temporary folder, removed on release. */
export const temporaryFolder = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-sql-"))),
  (folder) => Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))
)

/** A SQLite file of its own. */
export const sqlite: Layer.Layer<SqlClient.SqlClient> = Layer.unwrapScoped(
  Effect.map(temporaryFolder, (folder) => SqlDatabase.layerSqlite({ filename: path.join(folder, SqlDatabase.sqliteFileName) }))
).pipe(Layer.orDie)

export const postgresServer = "postgres://postgres@127.0.0.1:5432/test"

const unreachable = (server: string) => (cause: unknown) =>
  Effect.dieMessage(
    `PostgreSQL did not answer at ${server} (${String(cause)}). The Postgres suites need it running with ` +
      "trust auth for user postgres and a database named test: run `npm test` from the repository root, which starts " +
      "it, or `pg_ctlcluster --skip-systemctl-redirect <version> main start` and `createdb test`."
  )

/** Runs statements as the administrator on database `test`, in a pool closed afterwards. */
export const asAdministrator = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>, server = postgresServer) =>
  Effect.provide(effect, PgClient.layer({ url: Redacted.make(server), maxConnections: 1 })).pipe(
    Effect.catchTag("SqlError", unreachable(server)),
    Effect.orDie
  )

/** The URL of `schema` in database `test`. */
export const postgresUrlOf = (schema: string): Redacted.Redacted<string> =>
  Redacted.make(`${postgresServer}?options=${encodeURIComponent(`-c search_path=${schema}`)}`)

/** A schema of its own in database `test`: created on build, dropped (cascade) on release. */
export const freshSchema = Effect.acquireRelease(
  Effect.gen(function*() {
    const schema = `selfie_auth_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
    yield* asAdministrator(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE SCHEMA ${schema}`)))
    return schema
  }),
  (schema) => asAdministrator(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)))
)

/** A Postgres schema of its own. */
export const postgres: Layer.Layer<SqlClient.SqlClient> = Layer.unwrapScoped(
  Effect.map(freshSchema, (schema) => SqlDatabase.layerPostgres({ url: postgresUrlOf(schema), maxConnections: 4 }))
).pipe(Layer.orDie)
