/**
 * A Postgres schema of its own for one test run on 127.0.0.1:5432 (trust
 * auth, database `test`), reached through `search_path`, and dropped after.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"

export const databaseUrl = "postgres://postgres@127.0.0.1:5432/test"

const admin = PgClient.layer({ url: Redacted.make(databaseUrl) })

/** Creates a fresh schema; answers its name and a URL whose connections use it. */
export const create = Effect.gen(function*() {
  const schema = `pipeline_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const sql = yield* PgClient.PgClient
  yield* sql.unsafe(`CREATE SCHEMA ${schema}`)
  return { schema, url: `${databaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}` }
}).pipe(Effect.provide(admin), Effect.orDie)

/** Drops a schema made by {@link create}, with everything in it. */
export const drop = (schema: string) =>
  Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).pipe(
    Effect.provide(admin),
    Effect.orDie
  )
