/**
 * `SqliteReads` under `JobStoreSql.findByJobId` on SQLite: the job_status
 * read runs one prepared statement on a read-only connection, and still sees
 * every committed write at once (this connection's, another connection's),
 * a transaction's own writes inside that transaction, and dies on a row that
 * does not decode. A poll of an unchanged row is not decoded again, and any
 * change to the row, even one that keeps its version, is. `prepareRow` itself:
 * a row as its columns' values in the statement's order, prepared on first use.
 */
import { assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { JobStoreSql, SqlDatabase, SqliteReads } from "@selfie-auth/adapter-sql"
import { Ids, JobStore } from "@selfie-auth/core"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import * as path from "node:path"
import { newJob, uniquePartnerId } from "../../core/test/contracts/fixtures.js"
import * as TestDatabases from "./TestDatabases.js"

/** A SQLite file of its own, its layer, and the statements its `SqliteReads` ran. */
const sqliteFile = Effect.map(TestDatabases.temporaryFolder, (folder) => {
  const filename = path.join(folder, SqlDatabase.sqliteFileName)
  const reads: Array<string> = []
  // The real reads, counted: proves which path a read took.
  const counted = Layer.effect(
    SqliteReads.SqliteReads,
    Effect.map(SqliteReads.SqliteReads, (inner) =>
      SqliteReads.SqliteReads.of({
        prepareRow: (sql) => {
          const read = inner.prepareRow(sql)
          return (...parameters) => (reads.push(sql), read(...parameters))
        }
      }))
  )
  const database = () => SqlDatabase.layerSqlite({ filename })
  const withCountedReads = () => counted.pipe(Layer.provideMerge(database()))
  return { filename, reads, database, withCountedReads }
})

describe("SqliteReads under JobStoreSql.findByJobId", () => {
  it.scoped("is provided by layerSqlite and serves findByJobId, seeing each committed insert and update at once", () =>
    Effect.gen(function*() {
      const file = yield* sqliteFile
      const context = yield* Layer.build(JobStoreSql.layer.pipe(Layer.provideMerge(file.database())))
      assert.isTrue(Option.isSome(Effect.runSync(Effect.serviceOption(SqliteReads.SqliteReads).pipe(Effect.provide(context)))))

      const counted = yield* Layer.build(JobStoreSql.layer.pipe(Layer.provide(file.withCountedReads())))
      const jobs = yield* Effect.provide(JobStore, counted)
      const partnerId = uniquePartnerId()
      const job = newJob({ partnerId })
      const jobId = Ids.JobId.make(job.partnerParams.jobId)
      assert.deepStrictEqual(yield* jobs.findByJobId(partnerId, jobId), Option.none())
      const inserted = yield* jobs.insert(job)
      assert.deepStrictEqual(yield* jobs.findByJobId(partnerId, jobId), Option.some(inserted))
      const updated = yield* jobs.update({ ...inserted, state: "Uploaded", timeline: { ...inserted.timeline, uploadedAt: 5 } })
      assert.deepStrictEqual(yield* jobs.findByJobId(partnerId, jobId), Option.some(updated))
      assert.strictEqual(updated.version, 2)
      assert.strictEqual(file.reads.length, 3, "each findByJobId ran the prepared read")
    }))

  it.scoped("sees a job another connection (another server process) committed, at once", () =>
    Effect.gen(function*() {
      const file = yield* sqliteFile
      const reader = yield* Effect.provide(JobStore, yield* Layer.build(JobStoreSql.layer.pipe(Layer.provide(file.database()))))
      const writer = yield* Effect.provide(JobStore, yield* Layer.build(JobStoreSql.layer.pipe(Layer.provide(file.database()))))
      const partnerId = uniquePartnerId()
      const job = newJob({ partnerId })
      const jobId = Ids.JobId.make(job.partnerParams.jobId)
      assert.deepStrictEqual(yield* reader.findByJobId(partnerId, jobId), Option.none())
      const inserted = yield* writer.insert(job)
      assert.deepStrictEqual(yield* reader.findByJobId(partnerId, jobId), Option.some(inserted))
      const failed = yield* writer.update({ ...inserted, state: "Failed", timeline: { ...inserted.timeline, failedAt: 9 } })
      assert.deepStrictEqual(yield* reader.findByJobId(partnerId, jobId), Option.some(failed))
    }))

  it.scoped("inside a transaction reads through the SqlClient, seeing the transaction's own insert", () =>
    Effect.gen(function*() {
      const file = yield* sqliteFile
      const context = yield* Layer.build(JobStoreSql.layer.pipe(Layer.provideMerge(file.withCountedReads())))
      const sql = yield* Effect.provide(SqlClient.SqlClient, context)
      const jobs = yield* Effect.provide(JobStore, context)
      const partnerId = uniquePartnerId()
      const job = newJob({ partnerId })
      const jobId = Ids.JobId.make(job.partnerParams.jobId)
      const seen = yield* Effect.gen(function*() {
        const inserted = yield* jobs.insert(job)
        return { inserted, found: yield* jobs.findByJobId(partnerId, jobId) }
      }).pipe(sql.withTransaction)
      assert.deepStrictEqual(seen.found, Option.some(seen.inserted))
      assert.deepStrictEqual(file.reads, [], "no read on the read-only connection inside the transaction")
      assert.deepStrictEqual(yield* jobs.findByJobId(partnerId, jobId), Option.some(seen.inserted))
      assert.strictEqual(file.reads.length, 1)
    }))

  it.scoped("answers an unchanged row with the job decoded before, and a changed row (same version included) afresh", () =>
    Effect.gen(function*() {
      const file = yield* sqliteFile
      const context = yield* Layer.build(JobStoreSql.layer.pipe(Layer.provideMerge(file.database())))
      const sql = yield* Effect.provide(SqlClient.SqlClient, context)
      const jobs = yield* Effect.provide(JobStore, context)
      const partnerId = uniquePartnerId()
      const inserted = yield* jobs.insert(newJob({ partnerId }))
      const jobId = Ids.JobId.make(inserted.partnerParams.jobId)
      const first = Option.getOrThrow(yield* jobs.findByJobId(partnerId, jobId))
      assert.strictEqual(Option.getOrThrow(yield* jobs.findByJobId(partnerId, jobId)), first, "the same decoded job")

      // A hand edit that keeps the version is still seen.
      yield* sql`UPDATE selfie_auth_jobs SET review_reason = 'edited by hand' WHERE smile_job_id = ${inserted.smileJobId}`
      const edited = Option.getOrThrow(yield* jobs.findByJobId(partnerId, jobId))
      assert.strictEqual(edited.reviewReason, "edited by hand")
      assert.strictEqual(edited.version, inserted.version)

      // A row corrupted after it was read dies, as it would on its first read.
      yield* sql`UPDATE selfie_auth_jobs SET state = 'Lost' WHERE smile_job_id = ${inserted.smileJobId}`
      const exit = yield* Effect.exit(jobs.findByJobId(partnerId, jobId))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), "a corrupt row dies")
    }))

  it.scoped("prepareRow answers a row as its columns' values in the statement's order, and a column added later", () =>
    Effect.gen(function*() {
      const file = yield* sqliteFile
      const context = yield* Layer.build(JobStoreSql.layer.pipe(Layer.provideMerge(file.database())))
      const sql = yield* Effect.provide(SqlClient.SqlClient, context)
      const jobs = yield* Effect.provide(JobStore, context)
      const reads = yield* Effect.provide(SqliteReads.SqliteReads, context)
      const read = reads.prepareRow("SELECT * FROM selfie_auth_jobs WHERE partner_id = ? AND job_id = ?")
      const partnerId = uniquePartnerId()
      const job = newJob({ partnerId })
      const jobId = Ids.JobId.make(job.partnerParams.jobId)
      assert.strictEqual(read(partnerId, jobId), undefined)

      const inserted = yield* jobs.insert(job)
      const values = read(partnerId, jobId)
      const [object] = yield* sql<Record<string, unknown>>`SELECT * FROM selfie_auth_jobs WHERE smile_job_id = ${inserted.smileJobId}`
      assert.isDefined(values)
      assert.isDefined(object)
      assert.deepStrictEqual(values, Object.values(object!))
      assert.notStrictEqual(read(partnerId, jobId), values, "a fresh array each read")

      // Another process's migration adds a column: `SELECT *` now answers it.
      const memoized = Option.getOrThrow(yield* jobs.findByJobId(partnerId, jobId))
      yield* sql`ALTER TABLE selfie_auth_jobs ADD COLUMN note TEXT NOT NULL DEFAULT 'added'`
      assert.deepStrictEqual(read(partnerId, jobId), [...values!, "added"])
      // The store names its columns: what it reads, and so its memo, is not changed by a column it does not know.
      const afterwards = Option.getOrThrow(yield* jobs.findByJobId(partnerId, jobId))
      assert.deepStrictEqual(afterwards, inserted)
      assert.strictEqual(afterwards, memoized, "the row the store reads is unchanged")
    }))

  it.scoped("prepareRow prepares its statement on first use, where a SQLite error is thrown", () =>
    Effect.gen(function*() {
      const file = yield* sqliteFile
      const reads = yield* Effect.provide(SqliteReads.SqliteReads, yield* Layer.build(file.database()))
      const read = reads.prepareRow("SELECT * FROM no_such_table WHERE id = ?")
      assert.throws(() => read(1), /no such table/)
    }))

  it.scoped("dies on a row that does not decode (state, timeline, version, results)", () =>
    Effect.gen(function*() {
      const file = yield* sqliteFile
      const context = yield* Layer.build(JobStoreSql.layer.pipe(Layer.provideMerge(file.database())))
      const sql = yield* Effect.provide(SqlClient.SqlClient, context)
      const jobs = yield* Effect.provide(JobStore, context)
      const corruptions = [
        sql`state = 'Lost'`,
        sql`created_at = -1`,
        sql`version = 1.5`,
        sql`results = 'not json'`,
        sql`results = '[{"resultCode":"0810"}]'`
      ]
      for (const corruption of corruptions) {
        const partnerId = uniquePartnerId()
        const job = yield* jobs.insert(newJob({ partnerId }))
        yield* sql`UPDATE selfie_auth_jobs SET ${corruption} WHERE smile_job_id = ${job.smileJobId}`
        const exit = yield* Effect.exit(jobs.findByJobId(partnerId, Ids.JobId.make(job.partnerParams.jobId)))
        assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), "a corrupt row dies")
      }
    }))
})
