/**
 * `@selfie-auth/adapter-sql`: the `UserStore`, `JobStore`, `ReviewQueue` and `DeliveryLog`
 * ports on `@effect/sql`, with SQLite (embedded default) and Postgres.
 *
 * - `UserStoreSql.layer`, `JobStoreSql.layer`, `ReviewQueueSql.layer`, `DeliveryLogSql.layer`: on a
 *   `SqlClient`, migrating the schema when built.
 * - `SqlDatabase.layerSqlite`, `SqlDatabase.layerPostgres`: the client (on SQLite, with `SqliteReads`).
 * - `SqlMigrations`: the schema, for operators who migrate ahead of a deploy.
 * - `RowMemo`: decoded rows kept while they stay unchanged (the job_status read).
 * - `SqliteFileLock`: an exclusive lock on a file that dies with its process (one server per data folder).
 */
export * as JobStoreSql from "./JobStoreSql.js"
export * as SqlDatabase from "./SqlDatabase.js"
export * as SqlMigrations from "./SqlMigrations.js"
export * as SqliteReads from "./SqliteReads.js"
export * as RowMemo from "./RowMemo.js"
export * as UserStoreSql from "./UserStoreSql.js"
export * as ReviewQueueSql from "./ReviewQueueSql.js"
export * as DeliveryLogSql from "./DeliveryLogSql.js"
export * as SqliteFileLock from "./SqliteFileLock.js"
