/**
 * `DeliveryLog` on `@effect/sql`: one row per callback attempt in
 * `selfie_auth_delivery_attempts` (keyed by delivery id and attempt number)
 * and one row per failed delivery in `selfie_auth_delivery_failures`.
 *
 * - `recordAttempt` and `recordFailure` are `INSERT ... ON CONFLICT DO
 *   NOTHING`: an activity that runs twice finds the first row and gets it
 *   back unchanged.
 * - `appendAttempt` numbers the row in the insert itself
 *   (`SELECT COALESCE(MAX(attempt), 0) + 1`); when two processes take the same
 *   number, the primary key turns one insert into a no-op and that one tries
 *   the next number, so every append gets a number of its own.
 * - A job's rows are read through indexes on `(partner_id, smile_job_id)`.
 *
 * Infrastructure failures and rows that do not decode are defects.
 */
import { SqlClient } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { SqlError } from "@effect/sql/SqlError"
import type { Ids } from "@selfie-auth/core"
import { DeliveryAttemptRecord, DeliveryFailure, DeliveryLog, groupDeliveriesByJob } from "@selfie-auth/core"
import { Effect, Layer, Schema } from "effect"
import * as SqlColumn from "./SqlColumn.js"
import * as SqlMigrations from "./SqlMigrations.js"

/** A row of `selfie_auth_delivery_attempts` as either driver answers it. */
const AttemptRow = Schema.Struct({
  delivery_id: Schema.String,
  attempt: SqlColumn.integer,
  partner_id: Schema.String,
  smile_job_id: Schema.String,
  triggered_by: Schema.String,
  url: Schema.String,
  attempted_at: SqlColumn.integer,
  latency_millis: SqlColumn.integer,
  outcome: Schema.String,
  status: SqlColumn.optionalInteger,
  error: Schema.NullOr(Schema.String)
})

const AttemptFromRow = Schema.transform(AttemptRow, Schema.typeSchema(DeliveryAttemptRecord), {
  strict: false,
  decode: (row) => ({
    partnerId: row.partner_id,
    smileJobId: row.smile_job_id,
    deliveryId: row.delivery_id,
    attempt: row.attempt,
    trigger: row.triggered_by,
    url: row.url,
    attemptedAt: row.attempted_at,
    latencyMillis: row.latency_millis,
    outcome: row.outcome,
    ...(row.status === null ? {} : { status: row.status }),
    ...(row.error === null ? {} : { error: row.error })
  }),
  encode: (record) => ({
    delivery_id: record.deliveryId,
    attempt: record.attempt,
    partner_id: record.partnerId,
    smile_job_id: record.smileJobId,
    triggered_by: record.trigger,
    url: record.url,
    attempted_at: record.attemptedAt,
    latency_millis: record.latencyMillis,
    outcome: record.outcome,
    status: record.status ?? null,
    error: record.error ?? null
  })
})

/** A row of `selfie_auth_delivery_failures`. */
const FailureRow = Schema.Struct({
  delivery_id: Schema.String,
  partner_id: Schema.String,
  smile_job_id: Schema.String,
  reason: Schema.String,
  detail: Schema.String,
  attempts: SqlColumn.integer,
  failed_at: SqlColumn.integer
})

const FailureFromRow = Schema.transform(FailureRow, Schema.typeSchema(DeliveryFailure), {
  strict: false,
  decode: (row) => ({
    partnerId: row.partner_id,
    smileJobId: row.smile_job_id,
    deliveryId: row.delivery_id,
    reason: row.reason,
    detail: row.detail,
    attempts: row.attempts,
    failedAt: row.failed_at
  }),
  encode: (failure) => ({
    delivery_id: failure.deliveryId,
    partner_id: failure.partnerId,
    smile_job_id: failure.smileJobId,
    reason: failure.reason,
    detail: failure.detail,
    attempts: failure.attempts,
    failed_at: failure.failedAt
  })
})

const decodeAttempts = Schema.decodeUnknown(Schema.Array(AttemptFromRow))
const encodeAttempt = Schema.encode(AttemptFromRow)
const decodeFailures = Schema.decodeUnknown(Schema.Array(FailureFromRow))
const encodeFailure = Schema.encode(FailureFromRow)

/** The log on the `SqlClient` in context; expects the schema of {@link SqlMigrations} to be in place. */
export const make: Effect.Effect<DeliveryLog["Type"], never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const attemptRow = (deliveryId: string, attempt: number) =>
    sql`SELECT * FROM selfie_auth_delivery_attempts WHERE delivery_id = ${deliveryId} AND attempt = ${attempt}`

  const deliveriesOfJobs = Effect.fn("DeliveryLog.deliveriesOfJobs")(function*(
    partnerId: Ids.PartnerId,
    smileJobIds: ReadonlyArray<Ids.SmileJobId>
  ) {
    const attempts: Array<DeliveryAttemptRecord> = []
    const failures: Array<DeliveryFailure> = []
    for (let start = 0; start < smileJobIds.length; start += jobsPerRead) {
      const chunk = smileJobIds.slice(start, start + jobsPerRead)
      attempts.push(...yield* decodeAttempts(yield* sql`SELECT * FROM selfie_auth_delivery_attempts
        WHERE partner_id = ${partnerId} AND smile_job_id IN ${sql.in(chunk)}`))
      failures.push(...yield* decodeFailures(yield* sql`SELECT * FROM selfie_auth_delivery_failures
        WHERE partner_id = ${partnerId} AND smile_job_id IN ${sql.in(chunk)}`))
    }
    return groupDeliveriesByJob(smileJobIds, attempts, failures)
  }, Effect.orDie)

  return {
    recordAttempt: Effect.fn("DeliveryLog.recordAttempt")(function*(record: DeliveryAttemptRecord) {
      const row = yield* encodeAttempt(record)
      const inserted = yield* sql`INSERT INTO selfie_auth_delivery_attempts ${sql.insert(row)} ON CONFLICT DO NOTHING RETURNING *`
      const [stored] = yield* decodeAttempts(inserted.length > 0 ? inserted : yield* attemptRow(record.deliveryId, record.attempt))
      if (stored === undefined) return yield* Effect.dieMessage(`attempt ${record.attempt} of delivery ${record.deliveryId} vanished while being recorded`)
      return stored
    }, Effect.orDie),

    appendAttempt: Effect.fn("DeliveryLog.appendAttempt")(function*(record: Omit<DeliveryAttemptRecord, "attempt">) {
      // Encoding with a placeholder number checks the record; the insert chooses the real one. The casts give
      // Postgres the parameters' types, which an INSERT ... SELECT does not infer from the columns.
      const row = yield* encodeAttempt({ ...record, attempt: 1 })
      for (;;) {
        const inserted = yield* sql`
          INSERT INTO selfie_auth_delivery_attempts
            (delivery_id, attempt, partner_id, smile_job_id, triggered_by, url, attempted_at, latency_millis, outcome, status, error)
          SELECT CAST(${row.delivery_id} AS TEXT), COALESCE(MAX(attempt), 0) + 1, CAST(${row.partner_id} AS TEXT),
            CAST(${row.smile_job_id} AS TEXT), CAST(${row.triggered_by} AS TEXT), CAST(${row.url} AS TEXT),
            CAST(${row.attempted_at} AS BIGINT), CAST(${row.latency_millis} AS INTEGER), CAST(${row.outcome} AS TEXT),
            CAST(${row.status} AS INTEGER), CAST(${row.error} AS TEXT)
          FROM selfie_auth_delivery_attempts WHERE delivery_id = ${row.delivery_id}
          ON CONFLICT DO NOTHING
          RETURNING *`
        const [stored] = yield* decodeAttempts(inserted)
        if (stored !== undefined) return stored
      }
    }, Effect.orDie),

    recordFailure: Effect.fn("DeliveryLog.recordFailure")(function*(failure: DeliveryFailure) {
      const row = yield* encodeFailure(failure)
      const inserted = yield* sql`INSERT INTO selfie_auth_delivery_failures ${sql.insert(row)} ON CONFLICT DO NOTHING RETURNING *`
      const [stored] = yield* decodeFailures(
        inserted.length > 0
          ? inserted
          : yield* sql`SELECT * FROM selfie_auth_delivery_failures WHERE delivery_id = ${failure.deliveryId}`
      )
      if (stored === undefined) return yield* Effect.dieMessage(`the failure of delivery ${failure.deliveryId} vanished while being recorded`)
      return stored
    }, Effect.orDie),

    // One job is a batch of one: one read path for both.
    deliveriesOf: (partnerId: Ids.PartnerId, smileJobId: Ids.SmileJobId) =>
      Effect.map(deliveriesOfJobs(partnerId, [smileJobId]), (byJob) => byJob.get(smileJobId) ?? []),

    deliveriesOfJobs
  }
})

/**
 * Jobs per read of `deliveriesOfJobs`: one statement's parameters stay far
 * below SQLite's and Postgres's limits, and each read is one index range per job.
 */
const jobsPerRead = 500

/** `DeliveryLog` on the `SqlClient` in context, migrating the schema first. */
export const layer: Layer.Layer<DeliveryLog, MigrationError | SqlError, SqlClient.SqlClient> = Layer.effect(DeliveryLog, make).pipe(
  Layer.provide(SqlMigrations.layer)
)
