/**
 * `SeenDeliveries` on `@effect/sql`, for partners running several processes
 * (or restarting): every process shares one table. Tested on SQLite
 * (`@effect/sql-sqlite-node`); the statements are plain SQL that PostgreSQL
 * runs as well (`INSERT ... ON CONFLICT ... DO UPDATE ... WHERE ... RETURNING`).
 *
 * The claim is one statement, so it is atomic in the database: it inserts
 * the id, or takes over an existing row only when that row has expired (a
 * handled id past its retention, or a claim past its timeout). A row coming
 * back means this caller holds the claim.
 *
 * The table is created if absent:
 *
 * ```sql
 * CREATE TABLE IF NOT EXISTS selfie_auth_seen_deliveries (
 *   delivery_id TEXT PRIMARY KEY,
 *   state       TEXT NOT NULL,   -- 'in_progress' | 'done'
 *   since       BIGINT NOT NULL  -- epoch milliseconds of the claim or the completion
 * )
 * ```
 *
 * SQL failures are defects here (the store is infrastructure): a handler
 * whose store is down answers 5xx, so the sender retries later.
 *
 * @example
 * import { SqliteClient } from "@effect/sql-sqlite-node"
 * const seen = SeenDeliveriesSql.layer().pipe(Layer.provide(SqliteClient.layer({ filename: "callbacks.db" })))
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer } from "effect"
import { type ClaimResult, SeenDeliveries, type SeenDeliveriesOptions, type SeenDeliveriesService, limitsOf } from "./SeenDeliveries.js"

/** The table's name. */
export const tableName = "selfie_auth_seen_deliveries"

/** The store on the `SqlClient` in context; creates its table when absent. */
export const make = (options: SeenDeliveriesOptions = {}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const { claimTimeoutMillis, retentionMillis } = limitsOf(options)
    const table = sql(tableName)

    yield* sql`CREATE TABLE IF NOT EXISTS ${table} (
      delivery_id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      since BIGINT NOT NULL
    )`.pipe(Effect.orDie)

    const service: SeenDeliveriesService = {
      claim: Effect.fn("SeenDeliveries.claim")(function*(deliveryId: string) {
        const now = yield* Clock.currentTimeMillis
        const taken = yield* sql<{ readonly delivery_id: string }>`
          INSERT INTO ${table} (delivery_id, state, since) VALUES (${deliveryId}, 'in_progress', ${now})
          ON CONFLICT (delivery_id) DO UPDATE SET state = 'in_progress', since = ${now}
          WHERE (${table}.state = 'done' AND ${table}.since < ${now - retentionMillis})
             OR (${table}.state = 'in_progress' AND ${table}.since < ${now - claimTimeoutMillis})
          RETURNING delivery_id`.pipe(Effect.orDie)
        if (taken.length > 0) return "Claimed" satisfies ClaimResult
        const rows = yield* sql<{ readonly state: string }>`
          SELECT state FROM ${table} WHERE delivery_id = ${deliveryId}`.pipe(Effect.orDie)
        // No row: released between the two statements; "InProgress" asks the sender to come back.
        return rows[0]?.state === "done" ? "Done" : "InProgress"
      }),
      complete: Effect.fn("SeenDeliveries.complete")(function*(deliveryId: string) {
        const now = yield* Clock.currentTimeMillis
        yield* sql`UPDATE ${table} SET state = 'done', since = ${now} WHERE delivery_id = ${deliveryId}`.pipe(Effect.orDie)
      }),
      release: Effect.fn("SeenDeliveries.release")(function*(deliveryId: string) {
        yield* sql`DELETE FROM ${table} WHERE delivery_id = ${deliveryId} AND state = 'in_progress'`.pipe(Effect.orDie)
      }),
      purgeExpired: Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const removed = yield* sql<{ readonly delivery_id: string }>`
          DELETE FROM ${table}
          WHERE (state = 'done' AND since < ${now - retentionMillis})
             OR (state = 'in_progress' AND since < ${now - claimTimeoutMillis})
          RETURNING delivery_id`.pipe(Effect.orDie)
        return removed.length
      }).pipe(Effect.withSpan("SeenDeliveries.purgeExpired"))
    }
    return service
  })

/** `SeenDeliveries` on the `SqlClient` in context. */
export const layer = (options: SeenDeliveriesOptions = {}): Layer.Layer<SeenDeliveries, never, SqlClient.SqlClient> =>
  Layer.effect(SeenDeliveries, make(options))
