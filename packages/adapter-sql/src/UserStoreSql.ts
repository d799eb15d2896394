/**
 * `UserStore` on `@effect/sql`: one row per `(partner_id, user_id)` in
 * `selfie_auth_users`, the user's state as JSON.
 *
 * Optimistic concurrency is a single conditional statement, so it holds
 * across processes sharing the database:
 * - version 0 (a new user): `INSERT ... ON CONFLICT DO NOTHING`; a row that
 *   already exists makes it write nothing.
 * - version n: `UPDATE ... WHERE version = n`; a concurrent writer that got
 *   there first has moved the version on.
 * Either way `RETURNING` tells whether this writer won; a loser reads the
 * current version for its {@link StaleUser}.
 *
 * `list` orders in JavaScript, not SQL: the port promises JavaScript's `<`
 * (UTF-16 code units), which no collation common to SQLite and Postgres
 * reproduces for characters outside the Basic Multilingual Plane.
 *
 * Infrastructure failures (`SqlError`, a row that does not decode) are defects.
 *
 * @example
 * import { SqlDatabase, UserStoreSql } from "@selfie-auth/adapter-sql"
 * const users = UserStoreSql.layer.pipe(Layer.provide(SqlDatabase.layerSqlite({ filename: "data/stores.sqlite" })))
 */
import { SqlClient } from "@effect/sql"
import type { MigrationError } from "@effect/sql/Migrator"
import type { SqlError } from "@effect/sql/SqlError"
import type { Ids } from "@selfie-auth/core"
import { StaleUser, User, UserStore } from "@selfie-auth/core"
import { Effect, Layer, Option, Schema } from "effect"
import * as SqlColumn from "./SqlColumn.js"
import * as SqlMigrations from "./SqlMigrations.js"

/** A row of `selfie_auth_users` as either driver answers it. */
const UserRow = Schema.Struct({
  partner_id: Schema.String,
  user_id: Schema.String,
  state: SqlColumn.json(User.UserState),
  version: SqlColumn.integer,
  created_at: SqlColumn.integer,
  updated_at: SqlColumn.integer
})

/** A stored row <-> a {@link User.User}, checked both ways. */
const UserFromRow = Schema.transform(UserRow, User.User, {
  strict: true,
  decode: (row) => ({
    partnerId: row.partner_id,
    userId: row.user_id,
    state: row.state,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }),
  encode: (user) => ({
    partner_id: user.partnerId,
    user_id: user.userId,
    state: user.state,
    version: user.version,
    created_at: user.createdAt,
    updated_at: user.updatedAt
  })
})

const decodeRows = Schema.decodeUnknown(Schema.Array(UserFromRow))
const encodeRow = Schema.encode(UserFromRow)

const compareUserIds = (a: User.User, b: User.User): number => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)

/** The store on the `SqlClient` in context; expects the schema of {@link SqlMigrations} to be in place. */
export const make: Effect.Effect<UserStore["Type"], never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const select = (partnerId: string, userId: string) =>
    sql`SELECT * FROM selfie_auth_users WHERE partner_id = ${partnerId} AND user_id = ${userId}`.pipe(
      Effect.flatMap(decodeRows)
    )

  return {
    find: Effect.fn("UserStore.find")(function*(partnerId: Ids.PartnerId, userId: Ids.UserId) {
      return Option.fromNullable((yield* select(partnerId, userId))[0])
    }, Effect.orDie),

    save: Effect.fn("UserStore.save")(function*(user: User.User) {
      const next = yield* encodeRow({ ...user, version: user.version + 1 })
      const written = user.version === 0
        ? yield* sql`INSERT INTO selfie_auth_users ${sql.insert(next)} ON CONFLICT DO NOTHING RETURNING *`
        : yield* sql`UPDATE selfie_auth_users SET ${sql.update(next, ["partner_id", "user_id"])}
            WHERE partner_id = ${user.partnerId} AND user_id = ${user.userId} AND version = ${user.version}
            RETURNING *`
      const [saved] = yield* decodeRows(written)
      if (saved !== undefined) return saved
      const [current] = yield* select(user.partnerId, user.userId)
      return yield* new StaleUser({
        partnerId: user.partnerId,
        userId: user.userId,
        expectedVersion: user.version,
        actualVersion: current?.version ?? 0
      })
    }, Effect.catchTags({ SqlError: Effect.die, ParseError: Effect.die })),

    list: Effect.fn("UserStore.list")(function*(partnerId: Ids.PartnerId) {
      const rows = yield* sql`SELECT * FROM selfie_auth_users WHERE partner_id = ${partnerId}`
      return [...(yield* decodeRows(rows))].sort(compareUserIds)
    }, Effect.orDie)
  }
})

/** `UserStore` on the `SqlClient` in context, migrating the schema first. */
export const layer: Layer.Layer<UserStore, MigrationError | SqlError, SqlClient.SqlClient> = Layer.effect(UserStore, make).pipe(
  Layer.provide(SqlMigrations.layer)
)
