/**
 * The ReviewAudit contract, run against the memory layer and the SQL adapter
 * on SQLite (a temporary file) and Postgres (127.0.0.1:5432, a schema of its
 * own, dropped afterwards).
 */
import { assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Ids } from "@selfie-auth/core"
import { Effect, Layer, Option, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ReviewAudit } from "../../src/console/ReviewAudit.js"
import type { AuditEntry } from "../../src/console/ReviewAudit.js"
import * as ReviewAuditSql from "../../src/console/ReviewAuditSql.js"

const entry = (smileJobId: string, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  partnerId: Ids.PartnerId.make("001"),
  smileJobId: Ids.SmileJobId.make(smileJobId),
  jobId: Ids.JobId.make(`job-${smileJobId}`),
  userId: Ids.UserId.make("user-1"),
  jobType: 2,
  reviewer: "alice",
  verdict: "same_person",
  note: "ears match <b>",
  outcomeCode: "1220",
  decidedAt: 1_764_000_000_000,
  machine: {
    resultCode: "0825",
    resultText: "Machine Judgement - PROVISIONAL - Machine Compare Unsure",
    confidence: 61,
    explanation: "sent to a reviewer: the comparison is unsure: distance 0.57 in [0.55, 0.6)",
    actions: { Human_Review_Compare: "Under Review", Selfie_To_Registered_Selfie_Compare: "Under Review", Selfie_Provided: "Passed" }
  },
  ...overrides
})

const sqlite = Layer.unwrapScoped(Effect.gen(function*() {
  const folder = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-audit-"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  return ReviewAuditSql.layer.pipe(Layer.provide(SqliteClient.layer({ filename: path.join(folder, "audit.sqlite") })))
})).pipe(Layer.orDie)

const postgresUrl = "postgres://postgres@127.0.0.1:5432/test"
const postgres = Layer.unwrapScoped(Effect.gen(function*() {
  const schema = `audit_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  yield* Effect.acquireRelease(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE SCHEMA ${schema}`)),
    () => Effect.orDie(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)))
  )
  return ReviewAuditSql.layer.pipe(
    Layer.provide(PgClient.layer({ url: Redacted.make(`${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`) }))
  )
})).pipe(Layer.provide(PgClient.layer({ url: Redacted.make(postgresUrl) })), Layer.orDie)

const adapters: ReadonlyArray<readonly [string, Layer.Layer<ReviewAudit>]> = [
  ["memory", ReviewAudit.layerMemory],
  ["SQLite", sqlite],
  ["Postgres", postgres]
]

for (const [name, layer] of adapters) {
  describe(`ReviewAudit on ${name}`, () => {
    it.effect("records a decision and finds it, field for field", () =>
      Effect.gen(function*() {
        const audit = yield* ReviewAudit
        const first = entry("0000000001")
        assert.deepStrictEqual(yield* audit.record(first), first)
        assert.deepStrictEqual(yield* audit.find(first.partnerId, first.smileJobId), Option.some(first))
        assert.isTrue(Option.isNone(yield* audit.find(Ids.PartnerId.make("002"), first.smileJobId)))
      }).pipe(Effect.provide(layer)))

    it.effect("one decision per job: a second fails with AlreadyDecided naming the first", () =>
      Effect.gen(function*() {
        const audit = yield* ReviewAudit
        yield* audit.record(entry("0000000002"))
        const second = yield* Effect.flip(audit.record(entry("0000000002", { reviewer: "bob", verdict: "spoof", outcomeCode: "1222" })))
        assert.strictEqual(second._tag, "AlreadyDecided")
        assert.strictEqual(second.first.reviewer, "alice")
        assert.strictEqual(second.message, 'job 0000000002 was already decided by alice ("same_person")')
        // The same job id under another partner is another job.
        const other = entry("0000000002", { partnerId: Ids.PartnerId.make("002") })
        assert.deepStrictEqual(yield* audit.record(other), other)
      }).pipe(Effect.provide(layer)))

    it.effect("lists a partner's decisions newest first, up to the limit", () =>
      Effect.gen(function*() {
        const audit = yield* ReviewAudit
        yield* audit.record(entry("0000000010", { decidedAt: 1_000 }))
        yield* audit.record(entry("0000000011", { decidedAt: 3_000 }))
        yield* audit.record(entry("0000000012", { decidedAt: 2_000 }))
        yield* audit.record(entry("0000000013", { decidedAt: 4_000, partnerId: Ids.PartnerId.make("002") }))
        const listed = yield* audit.list(Ids.PartnerId.make("001"), 2)
        assert.deepStrictEqual(listed.map((found) => found.smileJobId), ["0000000011", "0000000012"])
      }).pipe(Effect.provide(layer)))
  })
}
