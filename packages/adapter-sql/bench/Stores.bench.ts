/**
 * What one store call costs, per database: the job_status path reads a job
 * by Smile job id; the pipeline updates it with compare-and-set. 2,000 jobs
 * are stored first. Postgres needs the server of the test suites
 * (127.0.0.1:5432, database `test`, user `postgres`): it says so and fails
 * when it is absent.
 *
 * Run: `cd packages/adapter-sql && npx vitest bench --run`. vitest runs no
 * hooks around benchmarks, so the databases have fixed names, replaced at
 * the start of each run: schema `selfie_auth_bench` in database `test`, and
 * `selfie-auth-sql-bench/` in the temporary folder.
 */
import { JobStoreSql } from "@selfie-auth/adapter-sql"
import { JobStore } from "@selfie-auth/core"
import { Effect, Layer, ManagedRuntime } from "effect"
import { SqlClient } from "@effect/sql"
import { SqlDatabase } from "@selfie-auth/adapter-sql"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { bench, describe } from "vitest"
import { newJob, uniquePartnerId } from "../../core/test/contracts/fixtures.js"
import * as TestDatabases from "../test/TestDatabases.js"

const sqliteFolder = path.join(os.tmpdir(), "selfie-auth-sql-bench")
const sqlite = Layer.unwrapEffect(Effect.sync(() => {
  fs.rmSync(sqliteFolder, { recursive: true, force: true })
  fs.mkdirSync(sqliteFolder)
  return SqlDatabase.layerSqlite({ filename: path.join(sqliteFolder, SqlDatabase.sqliteFileName) })
}))

const schema = "selfie_auth_bench"
const postgres = Layer.unwrapEffect(
  TestDatabases.asAdministrator(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    yield* sql.unsafe(`CREATE SCHEMA ${schema}`)
  })).pipe(Effect.as(SqlDatabase.layerPostgres({ url: TestDatabases.postgresUrlOf(schema) })))
)

for (const [name, database] of [["SQLite", sqlite], ["Postgres", postgres]] as const) {
  describe(`JobStore on ${name}`, () => {
    const runtime = ManagedRuntime.make(JobStoreSql.layer.pipe(Layer.provide(database), Layer.orDie))
    const partnerId = uniquePartnerId()
    const ids: Array<ReturnType<typeof newJob>["smileJobId"]> = []
    let latest: ReturnType<typeof newJob> | undefined

    // Stored once, before the first sample (vitest's hooks do not run around benchmarks).
    let seeded: Promise<void> | undefined
    const seed = () =>
      (seeded ??= runtime.runPromise(Effect.gen(function*() {
        const store = yield* JobStore
        for (let i = 0; i < 2_000; i++) {
          const stored = yield* store.insert(newJob({ partnerId, jobId: `job-${i}`, at: 1_000 + i }))
          ids.push(stored.smileJobId)
          latest = stored
        }
      })))

    let i = 0
    bench("findBySmileJobId", async () => {
      await seed()
      await runtime.runPromise(Effect.flatMap(JobStore, (store) => store.findBySmileJobId(partnerId, ids[i++ % ids.length]!)))
    })
    bench("update (compare-and-set)", async () => {
      await seed()
      latest = await runtime.runPromise(Effect.flatMap(JobStore, (store) => store.update({ ...latest!, reviewReason: `r${i++}` })))
    })
  })
}
