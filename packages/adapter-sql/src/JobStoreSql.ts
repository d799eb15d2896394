/**
 * `JobStore` on `@effect/sql`: one row per job in `selfie_auth_jobs`.
 *
 * Columns are what operators query by (partner, ids, state, the timeline);
 * the partner's extra `partner_params` and the results are JSON. The
 * partner's `user_id`, `job_id` and `job_type` are columns and are put back
 * into `partnerParams` on read, so they are stored once.
 *
 * The database is the authority for every rule a race could break:
 * - `PRIMARY KEY (smile_job_id)` and `UNIQUE (partner_id, job_id)`: `insert`
 *   writes with `ON CONFLICT DO NOTHING` and, when nothing was written, looks
 *   up which key was taken: the Smile job id ({@link SmileJobIdInUse}, checked
 *   first, as in the memory store) or the partner's `job_id` (2215,
 *   `JobAlreadyExists`).
 * - `update` is `UPDATE ... WHERE version = n RETURNING *`: of two runners that
 *   both read a job at version n, one writes and the other gets
 *   {@link StaleJob}, so a second machine decision is never stored.
 *
 * `findByJobId`, read on every job_status poll, runs one prepared statement
 * on {@link SqliteReads} when the database provides it (SQLite) and is not
 * inside a transaction; otherwise, and for every other statement, the
 * `SqlClient`. On that read a row that has not changed since the last poll
 * of its job is not decoded again ({@link RowMemo}).
 *
 * Infrastructure failures (`SqlError`, a row that does not decode) are defects.
 */
import { SqlClient } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { SqlError } from "@effect/sql/SqlError"
import type * as Statement from "@effect/sql/Statement"
import { GeneralError, Ids, Job, JobNotFound, JobType, JobStore, SmileJobIdInUse, StaleJob } from "@selfie-auth/core"
import type { DecidedPage } from "@selfie-auth/core"
import { Effect, Layer, Option, Schema } from "effect"
import * as RowMemo from "./RowMemo.js"
import * as SqlColumn from "./SqlColumn.js"
import * as SqlMigrations from "./SqlMigrations.js"
import { inTransaction, SqliteReads } from "./SqliteReads.js"

/** An epoch-milliseconds column, as `Job`'s timeline holds it. */
const epochMillis = SqlColumn.integer.pipe(Schema.nonNegative())
/** A column that is `NULL` until the step it records has happened. */
const optionalEpochMillis = Schema.NullOr(epochMillis)

/**
 * A row of `selfie_auth_jobs` as either driver answers it. Each column is
 * checked against the schema of the `Job` field it becomes (ids, job type,
 * state, results), so a decoded row is a valid job once {@link jobOfRow}
 * has renamed it: reads decode every column once.
 */
const JobRow = Schema.Struct({
  smile_job_id: Ids.SmileJobId,
  partner_id: Ids.PartnerId,
  job_id: Ids.JobId,
  user_id: Ids.UserId,
  job_type: JobType.JobType,
  extras: SqlColumn.json(Schema.Record({ key: Schema.String, value: Schema.String })),
  callback_url: Schema.NullOr(Schema.String),
  state: Job.JobStateName,
  review_reason: Schema.NullOr(Schema.String),
  created_at: epochMillis,
  uploaded_at: optionalEpochMillis,
  processing_started_at: optionalEpochMillis,
  machine_decided_at: optionalEpochMillis,
  reviewed_at: optionalEpochMillis,
  failed_at: optionalEpochMillis,
  results: SqlColumn.json(Schema.Array(Job.JobResult)),
  version: SqlColumn.integer.pipe(Schema.nonNegative())
})

/** An epoch-milliseconds column as better-sqlite3 answers it. */
const epochMillisSqlite = Schema.Int.pipe(Schema.nonNegative())
/** A JSON column as better-sqlite3 answers it: JSON text of `schema`'s encoded form. */
const jsonSqlite = <A, I>(schema: Schema.Schema<A, I>) => Schema.parseJson(Schema.encodedSchema(schema))

/**
 * {@link JobRow} as better-sqlite3 answers it (numbers and JSON text only):
 * the same checks without `SqlColumn`'s unions, in half the decoding time.
 * The read of every job_status poll on SQLite decodes with it.
 */
const JobRowSqlite = Schema.Struct({
  ...JobRow.fields,
  extras: jsonSqlite(Schema.Record({ key: Schema.String, value: Schema.String })),
  created_at: epochMillisSqlite,
  uploaded_at: Schema.NullOr(epochMillisSqlite),
  processing_started_at: Schema.NullOr(epochMillisSqlite),
  machine_decided_at: Schema.NullOr(epochMillisSqlite),
  reviewed_at: Schema.NullOr(epochMillisSqlite),
  failed_at: Schema.NullOr(epochMillisSqlite),
  results: jsonSqlite(Schema.Array(Job.JobResult)),
  version: Schema.Int.pipe(Schema.nonNegative())
})

/** `{ [key]: value }` when present, `{}` for `NULL`: optional fields stay absent, never `undefined`. */
const present = <K extends string, A>(key: K, value: A | null | undefined): { [P in K]?: A } =>
  (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: A }

/** A decoded row as the job it stores (renaming only: every value was checked by {@link JobRow}). */
const jobOfRow = (row: typeof JobRow.Type): Job.Job => ({
  partnerId: row.partner_id,
  smileJobId: row.smile_job_id,
  partnerParams: { userId: row.user_id, jobId: row.job_id, jobType: row.job_type, extras: row.extras },
  ...present("callbackUrl", row.callback_url),
  state: row.state,
  timeline: {
    createdAt: row.created_at,
    ...present("uploadedAt", row.uploaded_at),
    ...present("processingStartedAt", row.processing_started_at),
    ...present("machineDecidedAt", row.machine_decided_at),
    ...present("reviewedAt", row.reviewed_at),
    ...present("failedAt", row.failed_at)
  },
  results: row.results,
  ...present("reviewReason", row.review_reason),
  version: row.version
})

/** A job -> its row, checked (writes). */
const JobFromRow = Schema.transform(JobRow, Schema.typeSchema(Job.Job), {
  strict: true,
  decode: jobOfRow,
  encode: (job) => ({
    smile_job_id: job.smileJobId,
    partner_id: job.partnerId,
    job_id: job.partnerParams.jobId,
    user_id: job.partnerParams.userId,
    job_type: job.partnerParams.jobType,
    extras: job.partnerParams.extras,
    callback_url: job.callbackUrl ?? null,
    state: job.state,
    review_reason: job.reviewReason ?? null,
    created_at: job.timeline.createdAt,
    uploaded_at: job.timeline.uploadedAt ?? null,
    processing_started_at: job.timeline.processingStartedAt ?? null,
    machine_decided_at: job.timeline.machineDecidedAt ?? null,
    reviewed_at: job.timeline.reviewedAt ?? null,
    failed_at: job.timeline.failedAt ?? null,
    results: job.results,
    version: job.version
  })
})

const decodeRowsOnce = Schema.decodeUnknown(Schema.Array(JobRow))
/** Rows as answered by the driver -> jobs; a row that does not decode is a `ParseError`. */
const decodeRows = (rows: ReadonlyArray<unknown>) => Effect.map(decodeRowsOnce(rows), (decoded) => decoded.map(jobOfRow))
const encodeRow = Schema.encode(JobFromRow)
const decodeRowSync = Schema.decodeUnknownSync(JobRowSqlite)
/** The columns of {@link JobRowSqlite}, in the order the job_status read selects them. */
const jobColumns = Object.keys(JobRowSqlite.fields)
/**
 * One of better-sqlite3's raw rows (the values of {@link jobColumns}, in that
 * order) as a job, synchronously; a row that does not decode throws its `ParseError`.
 */
const jobOfSqliteRow = (values: RowMemo.Row): Job.Job => {
  // The object the schema checks, by column name.
  const row: Record<string, unknown> = {}
  for (let column = 0; column < jobColumns.length; column++) row[jobColumns[column]!] = values[column]
  return jobOfRow(decodeRowSync(row))
}
/** How many jobs' decoded rows the job_status read keeps (see {@link RowMemo}): the jobs being polled. */
const polledJobsKept = 1024

const defects = { SqlError: Effect.die, ParseError: Effect.die } as const

/** The store on the `SqlClient` in context; expects the schema of {@link SqlMigrations} to be in place. */
export const make: Effect.Effect<JobStore["Type"], never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const reads = yield* Effect.serviceOption(SqliteReads)

  const selectOne = (where: Statement.Fragment) =>
    sql`SELECT * FROM selfie_auth_jobs WHERE ${where}`.pipe(
      Effect.flatMap(decodeRows),
      Effect.map((jobs) => Option.fromNullable(jobs[0]))
    )
  const bySmileJobId = (smileJobId: string) => selectOne(sql.and([sql`smile_job_id = ${smileJobId}`]))
  const byJobId = (partnerId: string, jobId: string) =>
    selectOne(sql.and([sql`partner_id = ${partnerId}`, sql`job_id = ${jobId}`]))

  // Every job_status poll reads here: no span of its own; on SQLite one prepared statement, run synchronously.
  const findByJobId: JobStore["Type"]["findByJobId"] = Option.match(reads, {
    onNone: () => (partnerId, jobId) => Effect.orDie(byJobId(partnerId, jobId)),
    onSome: (reads) => {
      // The columns by name, not `*`: the values' order is fixed whatever a later migration adds to the table.
      const statement = reads.prepareRow(
        `SELECT ${jobColumns.join(", ")} FROM selfie_auth_jobs WHERE partner_id = ? AND job_id = ?`
      )
      // A job polled again while its row is unchanged is not decoded again.
      const decoded = RowMemo.make<Job.Job>(polledJobsKept)
      const find = (partnerId: string, jobId: string): Option.Option<Job.Job> => {
        const row = statement(partnerId, jobId)
        return row === undefined ? Option.none() : Option.some(decoded.valueOf(`${partnerId}\u0000${jobId}`, row, jobOfSqliteRow))
      }
      return (partnerId, jobId) =>
        Effect.contextWithEffect((context) =>
          inTransaction(context) ? Effect.orDie(byJobId(partnerId, jobId)) : Effect.sync(() => find(partnerId, jobId))
        )
    }
  })

  return {
    insert: Effect.fn("JobStore.insert")(function*(job: Job.Job) {
      const row = yield* encodeRow({ ...job, version: 1 })
      const written = yield* sql`INSERT INTO selfie_auth_jobs ${sql.insert(row)} ON CONFLICT DO NOTHING RETURNING *`
      const [stored] = yield* decodeRows(written)
      if (stored !== undefined) return stored
      if (Option.isSome(yield* bySmileJobId(job.smileJobId))) {
        return yield* new SmileJobIdInUse({ smileJobId: job.smileJobId })
      }
      const { jobId } = job.partnerParams
      const existing = yield* byJobId(job.partnerId, jobId)
      return yield* new GeneralError.JobAlreadyExists({
        detail: `partner ${JSON.stringify(job.partnerId)} already used job_id ${JSON.stringify(jobId)}` +
          Option.match(existing, { onNone: () => "", onSome: (other) => ` (Smile job ${other.smileJobId})` }) +
          "; send a job_id you have not used before"
      })
    }, Effect.catchTags(defects)),

    findByJobId,

    findBySmileJobId: Effect.fn("JobStore.findBySmileJobId")(function*(partnerId: Ids.PartnerId, smileJobId: Ids.SmileJobId) {
      return yield* selectOne(sql.and([sql`partner_id = ${partnerId}`, sql`smile_job_id = ${smileJobId}`]))
    }, Effect.orDie),

    update: Effect.fn("JobStore.update")(function*(job: Job.Job) {
      const row = yield* encodeRow({ ...job, version: job.version + 1 })
      const written = yield* sql`UPDATE selfie_auth_jobs SET ${sql.update(row, ["smile_job_id", "partner_id"])}
        WHERE smile_job_id = ${job.smileJobId} AND partner_id = ${job.partnerId} AND version = ${job.version}
        RETURNING *`
      const [stored] = yield* decodeRows(written)
      if (stored !== undefined) return stored
      const current = Option.filter(yield* bySmileJobId(job.smileJobId), (other) => other.partnerId === job.partnerId)
      if (Option.isNone(current)) return yield* new JobNotFound({ partnerId: job.partnerId, smileJobId: job.smileJobId })
      return yield* new StaleJob({
        partnerId: job.partnerId,
        smileJobId: job.smileJobId,
        expectedVersion: job.version,
        actualVersion: current.value.version
      })
    }, Effect.catchTags(defects)),

    listByUser: Effect.fn("JobStore.listByUser")(function*(partnerId: Ids.PartnerId, userId: Ids.UserId) {
      const rows = yield* sql`SELECT * FROM selfie_auth_jobs WHERE partner_id = ${partnerId} AND user_id = ${userId}
        ORDER BY created_at, smile_job_id`
      return yield* decodeRows(rows)
    }, Effect.orDie),

    listUnderReview: Effect.fn("JobStore.listUnderReview")(function*(partnerId: Ids.PartnerId) {
      const rows = yield* sql`SELECT * FROM selfie_auth_jobs WHERE partner_id = ${partnerId} AND state = 'UnderReview'
        ORDER BY machine_decided_at, smile_job_id`
      return yield* decodeRows(rows)
    }, Effect.orDie),

    listInFlight: Effect.fn("JobStore.listInFlight")(function*(partnerId: Ids.PartnerId) {
      // Served by the (partner_id, state, ...) index; few rows, so the sort is cheap.
      const rows = yield* sql`SELECT * FROM selfie_auth_jobs WHERE partner_id = ${partnerId}
        AND state IN ('Uploaded', 'Processing') ORDER BY uploaded_at, smile_job_id`
      return yield* decodeRows(rows)
    }, Effect.orDie),

    listDecidedSince: Effect.fn("JobStore.listDecidedSince")(function*(
      partnerId: Ids.PartnerId,
      since: number,
      page?: DecidedPage
    ) {
      // A range of the index on (partner_id, latest result time, smile_job_id), read in its order;
      // a page starts strictly after its cursor in that same order (a row-value comparison).
      const latest = sql.literal(SqlMigrations.latestResultAtSql)
      const after = page?.after
      const rows = yield* sql`SELECT * FROM selfie_auth_jobs WHERE partner_id = ${partnerId} AND ${latest} >= ${since}
        ${after === undefined ? sql`` : sql`AND (${latest}, smile_job_id) > (${after.latestResultAt}, ${after.smileJobId})`}
        ORDER BY ${latest}, smile_job_id
        ${page === undefined ? sql`` : sql`LIMIT ${page.limit}`}`
      return yield* decodeRows(rows)
    }, Effect.orDie)
  }
})

/** `JobStore` on the `SqlClient` in context, migrating the schema first. */
export const layer: Layer.Layer<JobStore, MigrationError | SqlError, SqlClient.SqlClient> = Layer.effect(JobStore, make).pipe(
  Layer.provide(SqlMigrations.layer)
)
