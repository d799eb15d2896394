/**
 * `layerSqlite` sets `synchronous` explicitly, and the level holds after
 * writes and on a reopened file: better-sqlite3's built-in WAL default
 * (`NORMAL`) would otherwise replace SQLite's `FULL` without a word.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { SqlDatabase } from "../src/index.js"

const levelAfterAWrite = (filename: string, synchronous?: SqlDatabase.SqliteSynchronous) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS probe (value INTEGER)`
    yield* sql`INSERT INTO probe (value) VALUES (1)`
    const [row] = yield* sql<{ synchronous: number }>`PRAGMA synchronous`
    return Number(row?.synchronous)
  }).pipe(Effect.provide(SqlDatabase.layerSqlite({ filename, ...(synchronous === undefined ? {} : { synchronous }) })))

describe("SqlDatabase.layerSqlite synchronous", () => {
  const folders: Array<string> = []
  afterAll(() => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })))
  const file = () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-sync-"))
    folders.push(folder)
    return path.join(folder, SqlDatabase.sqliteFileName)
  }

  it.effect("is FULL (2) by default, on a new file and on the same file reopened", () =>
    Effect.gen(function*() {
      const filename = file()
      assert.strictEqual(yield* levelAfterAWrite(filename), 2)
      assert.strictEqual(yield* levelAfterAWrite(filename), 2)
    }))

  it.effect("is NORMAL (1) when chosen", () =>
    Effect.gen(function*() {
      const filename = file()
      assert.strictEqual(yield* levelAfterAWrite(filename, "normal"), 1)
      assert.strictEqual(yield* levelAfterAWrite(filename, "full"), 2)
    }))
})
