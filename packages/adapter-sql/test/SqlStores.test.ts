/**
 * What the SQL stores promise beyond the port contract: the schema migrates
 * once, SQLite runs in WAL mode and keeps its data across restarts, the
 * compare-and-set holds between two connections to one file, JSON columns
 * keep the partner's key order, and a row that does not decode is a defect.
 */
import { assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { JobStoreSql, ReviewQueueSql, SqlDatabase, SqlMigrations, UserStoreSql } from "@selfie-auth/adapter-sql"
import { Ids, JobStore, ReviewQueue, UserStore } from "@selfie-auth/core"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import * as path from "node:path"
import { newJob, newUser, uniquePartnerId } from "../../core/test/contracts/fixtures.js"
import * as TestDatabases from "./TestDatabases.js"

const stores = Layer.mergeAll(UserStoreSql.layer, JobStoreSql.layer, ReviewQueueSql.layer)

const backends = [
  { name: "SQLite", database: TestDatabases.sqlite },
  { name: "Postgres", database: TestDatabases.postgres }
] as const

for (const backend of backends) {
  describe(`SQL stores on ${backend.name}`, () => {
    const withStores = <A, E>(body: Effect.Effect<A, E, UserStore | JobStore | ReviewQueue | SqlClient.SqlClient>) =>
      Effect.provide(body, stores.pipe(Layer.provideMerge(backend.database), Layer.orDie))

    it.effect("migrates once: both stores share the run, a second run finds nothing to do", () =>
      withStores(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        assert.deepStrictEqual(yield* SqlMigrations.run, [])
        const applied = yield* sql<{ migration_id: number; name: string }>`
          SELECT migration_id, name FROM ${sql(SqlMigrations.migrationsTable)} ORDER BY migration_id`
        assert.deepStrictEqual(applied.map((row) => [Number(row.migration_id), row.name]), [
          [1, "create_users_and_jobs"],
          [2, "create_reviews"],
          [3, "create_delivery_log"],
          [4, "index_jobs_by_latest_result"]
        ])
      })))

    it.effect("reads the jobs decided since an instant from the index on the latest result's time, in its order", () =>
      withStores(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const latest = sql.literal(SqlMigrations.latestResultAtSql)
        const query = sql`SELECT * FROM selfie_auth_jobs WHERE partner_id = ${"p"} AND ${latest} >= ${0}
          ORDER BY ${latest}, smile_job_id`
        const plan = yield* sql.onDialectOrElse({
          pg: () =>
            // An empty table is read faster without the index: ask the planner for the plan it takes when it counts.
            sql.withTransaction(Effect.zipRight(
              sql`SET LOCAL enable_seqscan = off`,
              sql<Record<string, string>>`EXPLAIN ${query}`
            )),
          orElse: () => sql<Record<string, string>>`EXPLAIN QUERY PLAN ${query}`
        })
        const text = plan.map((row) => Object.values(row).join(" ")).join("\n")
        assert.include(text, "selfie_auth_jobs_by_latest_result", text)
        assert.notMatch(text, /TEMP B-TREE|Sort/, text)
      })))

    it.effect("keeps the order of the partner's extra partner_params", () =>
      withStores(Effect.gen(function*() {
        const jobs = yield* JobStore
        const partnerId = uniquePartnerId()
        const job = newJob({ partnerId })
        const extras = { zebra: "1", apple: "2", "mango key": "3", Ärger: "4" }
        yield* jobs.insert({ ...job, partnerParams: { ...job.partnerParams, extras } })
        const stored = Option.getOrThrow(yield* jobs.findBySmileJobId(partnerId, job.smileJobId))
        assert.deepStrictEqual(Object.keys(stored.partnerParams.extras), Object.keys(extras))
      })))

    it.effect("keeps a settled review as the audit trail and never queues the job again", () =>
      withStores(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const queue = yield* ReviewQueue
        const partnerId = uniquePartnerId()
        const job = newJob({ partnerId })
        const review = {
          partnerId,
          smileJobId: job.smileJobId,
          jobId: job.partnerParams.jobId,
          userId: job.partnerParams.userId,
          jobType: job.partnerParams.jobType,
          reason: "unsure"
        }
        const first = yield* queue.enqueue(review)
        yield* queue.settle({ partnerId, smileJobId: job.smileJobId, verdict: "same_person", reviewer: "ops@partner" })
        assert.deepStrictEqual(yield* queue.enqueue({ ...review, reason: "a late retry" }), first)
        assert.deepStrictEqual(yield* queue.pending(partnerId), [])
        const [audit] = yield* sql<{ verdict: string; reviewer: string }>`
          SELECT verdict, reviewer FROM selfie_auth_reviews WHERE smile_job_id = ${job.smileJobId}`
        assert.deepStrictEqual({ ...audit }, { verdict: "same_person", reviewer: "ops@partner" })
      })))

    it.effect("treats a row that does not decode as a defect, not as a missing user", () =>
      withStores(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const users = yield* UserStore
        const user = yield* users.save(newUser(uniquePartnerId()))
        yield* sql`UPDATE selfie_auth_users SET state = ${`{"_tag":"Registered"}`}
          WHERE partner_id = ${user.partnerId} AND user_id = ${user.userId}`
        const exit = yield* Effect.exit(users.find(user.partnerId, user.userId))
        assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), "a corrupt row dies")
      })))
  })
}

describe("SQLite file", () => {
  it.scoped("is in WAL mode and keeps users and jobs across a restart", () =>
    Effect.gen(function*() {
      const folder = yield* TestDatabases.temporaryFolder
      const database = SqlDatabase.layerSqlite({ filename: path.join(folder, SqlDatabase.sqliteFileName) })
      const partnerId = uniquePartnerId()
      const job = newJob({ partnerId })
      const firstRun = Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
        assert.strictEqual(mode?.journal_mode, "wal")
        const [timeout] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
        assert.strictEqual(timeout?.timeout, 5_000)
        yield* (yield* UserStore).save(newUser(partnerId))
        return yield* (yield* JobStore).insert(job)
      })
      const inserted = yield* Effect.provide(firstRun, stores.pipe(Layer.provideMerge(database)))
      const secondRun = Effect.gen(function*() {
        assert.strictEqual(Option.getOrThrow(yield* (yield* UserStore).find(partnerId, Ids.UserId.make("user-1"))).version, 1)
        assert.deepStrictEqual(yield* (yield* JobStore).findBySmileJobId(partnerId, job.smileJobId), Option.some(inserted))
      })
      yield* Effect.provide(secondRun, stores.pipe(Layer.provide(database)))
    }))

  it.scoped("holds the compare-and-set between two connections (two server processes) on one file", () =>
    Effect.gen(function*() {
      const folder = yield* TestDatabases.temporaryFolder
      const database = () => SqlDatabase.layerSqlite({ filename: path.join(folder, SqlDatabase.sqliteFileName) })
      const first = yield* Layer.build(UserStoreSql.layer.pipe(Layer.provide(database())))
      const second = yield* Layer.build(UserStoreSql.layer.pipe(Layer.provide(database())))
      const partnerId = uniquePartnerId()
      const fresh = newUser(partnerId)
      const saved = yield* Effect.provide(Effect.flatMap(UserStore, (users) => users.save(fresh)), first)
      const stale = yield* Effect.provide(Effect.flatMap(UserStore, (users) => Effect.flip(users.save(fresh))), second)
      assert.deepStrictEqual([stale.expectedVersion, stale.actualVersion], [0, 1])
      const updated = yield* Effect.provide(Effect.flatMap(UserStore, (users) => users.save({ ...saved, updatedAt: 7 })), second)
      const lost = yield* Effect.provide(Effect.flatMap(UserStore, (users) => Effect.flip(users.save({ ...saved, updatedAt: 8 }))), first)
      assert.deepStrictEqual([updated.version, lost.actualVersion], [2, 2])
    }))
})

describe("Postgres test database", () => {
  it.effect("fails with what to do when the server does not answer", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        TestDatabases.asAdministrator(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1`), "postgres://postgres@127.0.0.1:1/test")
      )
      const defect = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined
      assert.include(String(defect), "PostgreSQL did not answer at postgres://postgres@127.0.0.1:1/test")
      assert.include(String(defect), "npm test")
    }))
})
