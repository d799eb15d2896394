/**
 * `ReviewQueue` on `@effect/sql`: one row per job sent to review in
 * `selfie_auth_reviews`, kept after the verdict as the audit trail of who
 * decided what and when.
 *
 * - `enqueue` is `INSERT ... ON CONFLICT DO NOTHING`: a retried pipeline
 *   activity finds the first entry and gets it back unchanged. A job already
 *   settled is not queued again (its verdict stands).
 * - `settle` is `UPDATE ... WHERE settled_at IS NULL RETURNING *`: of two
 *   reviewers deciding at once, one writes and the other gets
 *   {@link ReviewNotPending}, across processes too.
 * - Pending reviews come from a partial index on the unsettled rows, longest
 *   waiting first; their age is measured with `Clock`.
 *
 * Infrastructure failures and rows that do not decode are defects.
 */
import { SqlClient } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { SqlError } from "@effect/sql/SqlError"
import type { Ids, SettledReview } from "@selfie-auth/core"
import { Decision, JobType, PendingReview, ReviewNotPending, ReviewQueue } from "@selfie-auth/core"
import { Clock, Effect, Layer, Schema } from "effect"
import * as SqlColumn from "./SqlColumn.js"
import * as SqlMigrations from "./SqlMigrations.js"

/** A row of `selfie_auth_reviews` as either driver answers it. */
const ReviewRow = Schema.Struct({
  partner_id: Schema.String,
  smile_job_id: Schema.String,
  job_id: Schema.String,
  user_id: Schema.String,
  job_type: JobType.JobType,
  reason: Schema.String,
  enqueued_at: SqlColumn.integer,
  settled_at: SqlColumn.optionalInteger,
  verdict: Schema.NullOr(Decision.Verdict),
  reviewer: Schema.NullOr(Schema.String)
})

/** The pending entry of a row. */
const PendingFromRow = Schema.transform(ReviewRow, PendingReview, {
  strict: true,
  decode: (row) => ({
    partnerId: row.partner_id,
    smileJobId: row.smile_job_id,
    jobId: row.job_id,
    userId: row.user_id,
    jobType: row.job_type,
    reason: row.reason,
    enqueuedAt: row.enqueued_at
  }),
  encode: (entry) => ({
    partner_id: entry.partnerId,
    smile_job_id: entry.smileJobId,
    job_id: entry.jobId,
    user_id: entry.userId,
    job_type: entry.jobType,
    reason: entry.reason,
    enqueued_at: entry.enqueuedAt,
    settled_at: null,
    verdict: null,
    reviewer: null
  })
})

const decodeRows = Schema.decodeUnknown(Schema.Array(ReviewRow))
const pendingOf = Schema.decode(PendingFromRow)
const encodeRow = Schema.encode(PendingFromRow)

/** The queue on the `SqlClient` in context; expects the schema of {@link SqlMigrations} to be in place. */
export const make: Effect.Effect<ReviewQueue["Type"], never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  return {
    enqueue: Effect.fn("ReviewQueue.enqueue")(function*(review: Omit<PendingReview, "enqueuedAt">) {
      const enqueuedAt = yield* Clock.currentTimeMillis
      const row = yield* encodeRow({ ...review, enqueuedAt })
      const inserted = yield* sql`INSERT INTO selfie_auth_reviews ${sql.insert(row)} ON CONFLICT DO NOTHING RETURNING *`
      const [stored] = inserted.length > 0
        ? yield* decodeRows(inserted)
        : yield* decodeRows(yield* sql`SELECT * FROM selfie_auth_reviews
            WHERE partner_id = ${review.partnerId} AND smile_job_id = ${review.smileJobId}`)
      if (stored === undefined) return yield* Effect.dieMessage(`review of job ${review.smileJobId} vanished while being queued`)
      return yield* pendingOf(stored)
    }, Effect.orDie),

    pending: Effect.fn("ReviewQueue.pending")(function*(partnerId: Ids.PartnerId) {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* decodeRows(yield* sql`SELECT * FROM selfie_auth_reviews
        WHERE partner_id = ${partnerId} AND settled_at IS NULL ORDER BY enqueued_at, smile_job_id`)
      return yield* Effect.forEach(rows, (row) =>
        Effect.map(pendingOf(row), (entry) => ({ ...entry, ageMillis: now - entry.enqueuedAt })))
    }, Effect.orDie),

    settle: Effect.fn("ReviewQueue.settle")(function*(input: {
      readonly partnerId: Ids.PartnerId
      readonly smileJobId: Ids.SmileJobId
      readonly verdict: Decision.Verdict
      readonly reviewer: string
    }) {
      const settledAt = yield* Clock.currentTimeMillis
      const [row] = yield* decodeRows(yield* sql`UPDATE selfie_auth_reviews
        SET settled_at = ${settledAt}, verdict = ${input.verdict}, reviewer = ${input.reviewer}
        WHERE partner_id = ${input.partnerId} AND smile_job_id = ${input.smileJobId} AND settled_at IS NULL
        RETURNING *`)
      if (row === undefined) return yield* new ReviewNotPending({ partnerId: input.partnerId, smileJobId: input.smileJobId })
      const entry = yield* pendingOf(row)
      return { ...entry, verdict: input.verdict, reviewer: input.reviewer, settledAt } satisfies SettledReview
    }, Effect.catchTags({ SqlError: Effect.die, ParseError: Effect.die }))
  }
})

/** `ReviewQueue` on the `SqlClient` in context, migrating the schema first. */
export const layer: Layer.Layer<ReviewQueue, MigrationError | SqlError, SqlClient.SqlClient> = Layer.effect(ReviewQueue, make).pipe(
  Layer.provide(SqlMigrations.layer)
)
