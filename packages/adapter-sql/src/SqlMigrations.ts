/**
 * The schema of the stores, as numbered migrations run by `@effect/sql`'s
 * `Migrator` (one transaction; on Postgres the migrations table is locked
 * first, so two processes starting together migrate once).
 *
 * One schema serves SQLite and Postgres: `TEXT`, `INTEGER` and `BIGINT`
 * columns mean the same in both (epoch milliseconds need 64 bits). The one
 * difference is the type of the JSON columns: Postgres `JSON` (checked on
 * write, queryable with `->>`, and unlike `JSONB` it keeps the text as
 * written, so the partner's extra `partner_params` come back in their order);
 * SQLite `TEXT`.
 *
 * Gotchas:
 * - The applied migrations are recorded in `selfie_auth_migrations`, not the
 *   library default `effect_sql_migrations`, so the stores can share a
 *   database with other users of the Migrator (the workflow journal).
 * - Migrations are append-only: never edit a released one, add the next id.
 */
import { SqlClient } from "@effect/sql"
import * as Migrator from "@effect/sql/Migrator"
import type { MigrationError } from "@effect/sql/Migrator"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Layer } from "effect"

/** The table that records which migrations ran. */
export const migrationsTable = "selfie_auth_migrations"

const createStores = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const json = sql.onDialectOrElse({ pg: () => sql.literal("JSON"), orElse: () => sql.literal("TEXT") })

  yield* sql`
    CREATE TABLE selfie_auth_users (
      partner_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      state ${json} NOT NULL,
      version INTEGER NOT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (partner_id, user_id)
    )`

  yield* sql`
    CREATE TABLE selfie_auth_jobs (
      smile_job_id TEXT NOT NULL PRIMARY KEY,
      partner_id TEXT NOT NULL,
      job_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      job_type INTEGER NOT NULL,
      extras ${json} NOT NULL,
      callback_url TEXT,
      state TEXT NOT NULL,
      review_reason TEXT,
      created_at BIGINT NOT NULL,
      uploaded_at BIGINT,
      processing_started_at BIGINT,
      machine_decided_at BIGINT,
      reviewed_at BIGINT,
      failed_at BIGINT,
      results ${json} NOT NULL,
      version INTEGER NOT NULL,
      CONSTRAINT selfie_auth_jobs_partner_job_id UNIQUE (partner_id, job_id)
    )`

  yield* sql`CREATE INDEX selfie_auth_jobs_by_user ON selfie_auth_jobs (partner_id, user_id, created_at, smile_job_id)`
  yield* sql`CREATE INDEX selfie_auth_jobs_by_state ON selfie_auth_jobs (partner_id, state, machine_decided_at, smile_job_id)`
})

const createReviews = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE selfie_auth_reviews (
      partner_id TEXT NOT NULL,
      smile_job_id TEXT NOT NULL,
      job_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      job_type INTEGER NOT NULL,
      reason TEXT NOT NULL,
      enqueued_at BIGINT NOT NULL,
      settled_at BIGINT,
      verdict TEXT,
      reviewer TEXT,
      PRIMARY KEY (partner_id, smile_job_id)
    )`
  yield* sql`CREATE INDEX selfie_auth_reviews_pending ON selfie_auth_reviews (partner_id, enqueued_at, smile_job_id)
    WHERE settled_at IS NULL`
})

const createDeliveryLog = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE selfie_auth_delivery_attempts (
      delivery_id TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      partner_id TEXT NOT NULL,
      smile_job_id TEXT NOT NULL,
      triggered_by TEXT NOT NULL,
      url TEXT NOT NULL,
      attempted_at BIGINT NOT NULL,
      latency_millis INTEGER NOT NULL,
      outcome TEXT NOT NULL,
      status INTEGER,
      error TEXT,
      PRIMARY KEY (delivery_id, attempt)
    )`
  yield* sql`CREATE INDEX selfie_auth_delivery_attempts_by_job ON selfie_auth_delivery_attempts (partner_id, smile_job_id)`
  yield* sql`
    CREATE TABLE selfie_auth_delivery_failures (
      delivery_id TEXT NOT NULL PRIMARY KEY,
      partner_id TEXT NOT NULL,
      smile_job_id TEXT NOT NULL,
      reason TEXT NOT NULL,
      detail TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      failed_at BIGINT NOT NULL
    )`
  yield* sql`CREATE INDEX selfie_auth_delivery_failures_by_job ON selfie_auth_delivery_failures (partner_id, smile_job_id)`
})

/**
 * When a job's latest result was stored, as SQL: the reviewer's, else the
 * failure's, else the machine's time (`JobStore.latestResultAt`); `NULL` for
 * a job without a result. The index of migration 4 is on this expression, and
 * a query uses that index only when it spells the expression the same way.
 */
export const latestResultAtSql = "COALESCE(reviewed_at, failed_at, machine_decided_at)"

const indexJobsByLatestResult = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX selfie_auth_jobs_by_latest_result
    ON selfie_auth_jobs (partner_id, ${sql.literal(latestResultAtSql)}, smile_job_id)`
})

/** Every migration by `<id>_<name>`, in order. */
export const migrations = {
  "1_create_users_and_jobs": createStores,
  "2_create_reviews": createReviews,
  "3_create_delivery_log": createDeliveryLog,
  "4_index_jobs_by_latest_result": indexJobsByLatestResult
} as const

/** Brings the connected database up to the latest schema; answers the migrations it ran. */
export const run: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  MigrationError | SqlError,
  SqlClient.SqlClient
> = Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: migrationsTable })

/**
 * Runs the migrations when built. `UserStoreSql.layer`, `JobStoreSql.layer`,
 * `ReviewQueueSql.layer` and `DeliveryLogSql.layer` depend on this one value, so built together they
 * migrate once.
 */
export const layer: Layer.Layer<never, MigrationError | SqlError, SqlClient.SqlClient> = Layer.effectDiscard(run)
