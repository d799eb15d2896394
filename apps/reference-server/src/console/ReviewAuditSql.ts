/**
 * {@link ReviewAudit} on `@effect/sql` (SQLite or Postgres): one row per
 * decided job in `review_audit`, created on first use.
 *
 * `PRIMARY KEY (partner_id, smile_job_id)` makes the database the authority
 * for "one decision per job": `record` inserts with `ON CONFLICT DO NOTHING`
 * and, when nothing was written, answers the stored first decision as
 * {@link AlreadyDecided}. The machine's result is kept as JSON. Rows that do
 * not decode and SQL failures are defects.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option, Schema } from "effect"
import type { Ids } from "@selfie-auth/core"
import { AlreadyDecided, AuditEntry, MachineSaid, ReviewAudit } from "./ReviewAudit.js"

/** The audit table. */
export const auditTable = "review_audit"

/** SQLite answers numbers; Postgres answers BIGINT as text. */
const integer = Schema.Union(Schema.Number, Schema.NumberFromString)

/** A row as either driver answers it. */
const AuditRow = Schema.Struct({
  partner_id: Schema.String,
  smile_job_id: Schema.String,
  job_id: Schema.String,
  user_id: Schema.String,
  job_type: integer,
  reviewer: Schema.String,
  verdict: Schema.String,
  note: Schema.String,
  outcome_code: Schema.String,
  decided_at: integer,
  machine: Schema.parseJson(MachineSaid)
})

const EntryFromRow = Schema.transform(AuditRow, AuditEntry, {
  strict: false,
  decode: (row) => ({
    partnerId: row.partner_id,
    smileJobId: row.smile_job_id,
    jobId: row.job_id,
    userId: row.user_id,
    jobType: row.job_type,
    reviewer: row.reviewer,
    verdict: row.verdict,
    note: row.note,
    outcomeCode: row.outcome_code,
    decidedAt: row.decided_at,
    machine: row.machine
  }),
  encode: (entry) => ({
    partner_id: entry.partnerId,
    smile_job_id: entry.smileJobId,
    job_id: entry.jobId,
    user_id: entry.userId,
    job_type: entry.jobType,
    reviewer: entry.reviewer,
    verdict: entry.verdict,
    note: entry.note,
    outcome_code: entry.outcomeCode,
    decided_at: entry.decidedAt,
    machine: entry.machine
  })
})

const decodeRow = Schema.decodeUnknown(EntryFromRow)

const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS ${sql(auditTable)} (
    partner_id TEXT NOT NULL,
    smile_job_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    job_type INTEGER NOT NULL,
    reviewer TEXT NOT NULL,
    verdict TEXT NOT NULL,
    note TEXT NOT NULL,
    outcome_code TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    machine TEXT NOT NULL,
    PRIMARY KEY (partner_id, smile_job_id)
  )`.pipe(Effect.orDie)
  yield* sql`CREATE INDEX IF NOT EXISTS review_audit_by_time ON ${sql(auditTable)} (partner_id, decided_at)`.pipe(Effect.orDie)

  const find = (partnerId: Ids.PartnerId, smileJobId: Ids.SmileJobId) =>
    sql`SELECT * FROM ${sql(auditTable)} WHERE partner_id = ${partnerId} AND smile_job_id = ${smileJobId}`.pipe(
      Effect.flatMap(([row]) => (row === undefined ? Effect.succeed(Option.none()) : Effect.map(decodeRow(row), Option.some))),
      Effect.orDie
    )

  return ReviewAudit.of({
    record: Effect.fn("ReviewAudit.record")(function*(entry: AuditEntry) {
      yield* Effect.orDie(Schema.validate(AuditEntry)(entry))
      const inserted = yield* sql`INSERT INTO ${sql(auditTable)}
        (partner_id, smile_job_id, job_id, user_id, job_type, reviewer, verdict, note, outcome_code, decided_at, machine)
        VALUES (${entry.partnerId}, ${entry.smileJobId}, ${entry.jobId}, ${entry.userId}, ${entry.jobType}, ${entry.reviewer},
          ${entry.verdict}, ${entry.note}, ${entry.outcomeCode}, ${entry.decidedAt}, ${JSON.stringify(entry.machine)})
        ON CONFLICT (partner_id, smile_job_id) DO NOTHING
        RETURNING smile_job_id`.pipe(Effect.orDie)
      if (inserted.length === 1) return entry
      const first = yield* find(entry.partnerId, entry.smileJobId)
      if (Option.isNone(first)) return yield* Effect.dieMessage(`review_audit refused job ${entry.smileJobId} but holds no row for it`)
      return yield* new AlreadyDecided({ first: first.value })
    }),
    find: (partnerId, smileJobId) => find(partnerId, smileJobId),
    list: (partnerId, limit) =>
      sql`SELECT * FROM ${sql(auditTable)} WHERE partner_id = ${partnerId}
        ORDER BY decided_at DESC, smile_job_id DESC LIMIT ${limit}`.pipe(
        Effect.flatMap((rows) => Effect.forEach(rows, (row) => decodeRow(row))),
        Effect.orDie
      )
  })
})

/** The audit on the given SQL client (the stores' database). */
export const layer: Layer.Layer<ReviewAudit, never, SqlClient.SqlClient> = Layer.effect(ReviewAudit, make)
