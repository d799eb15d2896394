/**
 * Where the durable workflows keep their journal, and the engine on top of it.
 *
 * The composition is the one the toolchain notes found working at our pinned
 * versions: `ClusterWorkflowEngine.layer` on an embedded `SingleRunner` (one
 * process runs every workflow; no sockets, no runner discovery) whose shard
 * locks and messages live in SQL, on `SqliteClient` (a file in the data
 * folder, the default) or `PgClient` (by configuration).
 *
 * Everything from `@effect/cluster` and `@effect/workflow` stays inside
 * `pipeline/`: the rest of the server sees only the {@link JobPipeline} port.
 */
import { ClusterWorkflowEngine, SingleRunner } from "@effect/cluster"
import type { ShardingConfig } from "@effect/cluster"
import { PgClient } from "@effect/sql-pg"
import { SqlDatabase, SqliteFileLock } from "@selfie-auth/adapter-sql"
import type { WorkflowEngine } from "@effect/workflow"
import { Effect, Layer, Redacted, Schema } from "effect"
import type { ConfigError } from "effect/ConfigError"
import type { SqlError } from "@effect/sql/SqlError"
import { SqlClient as SqlClientTag } from "@effect/sql/SqlClient"
import type { SqlClient } from "@effect/sql/SqlClient"
import * as path from "node:path"
import { JobWorkflow } from "./JobWorkflow.js"

/**
 * Sharding settings tuned for one embedded runner that must pick its work up
 * again quickly after a crash. The library defaults suit a fleet of runners
 * (10 s message polling, 35 s lock expiry); see decision record 0009 for the
 * measurements behind each value.
 *
 * - `entityMessagePollInterval` 1 s (default 10 s): how often the runner
 *   looks in the store for messages it has not processed. After a restart,
 *   unfinished workflows and due clocks are found by this poll, so it bounds
 *   the resume delay. A new job does not wait for it: the runner delivers a
 *   start made in its own process at once. At 250 ms an idle server spent
 *   about 29 ms of CPU per second polling, at 1 s about 15 (measured with
 *   `test/pipeline/bench/liveOverhead.ts`), CPU that the face engine's
 *   workers, which use every core during a job, would otherwise lose.
 * - `entityReplyPollInterval` 100 ms (default 200 ms): how often a caller
 *   waiting on a reply (not the pipeline, which starts with `discard`) looks.
 * - `shardLockRefreshInterval` 2 s / `shardLockExpiration` 10 s (10 s / 35 s):
 *   a restarted single runner has the same address and takes its shards back
 *   at once; the expiry only matters when a runner with another address takes
 *   over (Postgres, several runners), and 10 s keeps that short while leaving
 *   five refreshes of slack on a loaded machine.
 * - `refreshAssignmentsInterval` 1 s (3 s): how soon shards are assigned.
 * - `runnerHealthCheckInterval` 5 s (1 min): unused by `SingleRunner` (its
 *   health check is a no-op) but set for the multi-runner form.
 * - `entityMaxIdleTime` 1 min (default): a workflow waiting for review is
 *   evicted from memory after a minute and woken from the store.
 * - `shardsPerGroup` stays 300: every journal row records its shard, so this
 *   number may never change for an existing store.
 */
export const tunedShardingConfig: Partial<ShardingConfig.ShardingConfig["Type"]> = {
  entityMessagePollInterval: "1 second",
  entityReplyPollInterval: "100 millis",
  shardLockRefreshInterval: "2 seconds",
  shardLockExpiration: "10 seconds",
  refreshAssignmentsInterval: "1 second",
  runnerHealthCheckInterval: "5 seconds"
}

/** Which SQL database holds the workflow journal. */
export type WorkflowStorageConfig =
  | {
    readonly _tag: "Sqlite"
    /** The server's data folder; the journal is `workflows.sqlite` in it. */
    readonly dataDirectory: string
    /**
     * How durable each journal write is (`SqlDatabase.SqliteSynchronous`).
     * Default `"normal"`: a killed process loses nothing, but a power loss
     * or an operating system crash can undo the journal's last writes (the
     * stores, `"full"` by default, keep every stored result). A job then
     * caught between its move to `Processing` and its callback stays there
     * until it is started again. `"full"` closes that window at one `fsync`
     * per journal write, about 20 per job. Decision record 0016.
     */
    readonly synchronous?: SqlDatabase.SqliteSynchronous | undefined
  }
  | {
    readonly _tag: "Postgres"
    readonly url: Redacted.Redacted<string>
    /**
     * Take shard locks in the cluster's lock table only, not with Postgres
     * advisory locks. Advisory lock numbers are the same for every cluster in
     * a database (they ignore table names), so two independent deployments
     * (or test runs) sharing one database must set this, or use separate
     * databases. Default `false`.
     */
    readonly disableAdvisoryLocks?: boolean | undefined
  }

/** The journal's file name inside the data folder (SQLite storage). */
export const sqliteFileName = "workflows.sqlite"

/** The SQL client for the journal. */
export const sqlLayer = (config: WorkflowStorageConfig): Layer.Layer<SqlClient, ConfigError | SqlError> => {
  switch (config._tag) {
    case "Sqlite":
      return SqlDatabase.layerSqlite({
        filename: path.join(config.dataDirectory, sqliteFileName),
        synchronous: config.synchronous ?? "normal"
      })
    case "Postgres":
      return PgClient.layer({ url: config.url, applicationName: "selfie-auth-pipeline" })
  }
}

/** Another process already runs the pipeline on this journal (see {@link onePipelinePerDatabase}, {@link onePipelinePerDataFolder}). */
export class JournalInUse extends Schema.TaggedError<JournalInUse>()("JournalInUse", {
  /** Where the journal is: a Postgres schema, or the data folder that holds the SQLite journal. */
  journal: Schema.Union(
    Schema.TaggedStruct("Postgres", { schema: Schema.String }),
    Schema.TaggedStruct("Sqlite", { dataDirectory: Schema.String })
  )
}) {
  override get message(): string {
    const journal = this.journal
    return journal._tag === "Postgres"
      ? `another selfie-auth-server process already runs the pipeline on this database (schema ${JSON.stringify(journal.schema)}); ` +
        "the embedded workflow runner supports one process per database or schema: stop the other process, " +
        "or give this one a database or schema of its own"
      : `another selfie-auth-server process already runs the pipeline on the data folder ${journal.dataDirectory}; ` +
        "the embedded workflow runner supports one process per data folder: stop the other process, " +
        "or give this one a data folder of its own (--data)"
  }
}

/**
 * One pipeline process per Postgres journal. Every embedded runner has the
 * same address, so a second process on the same tables would take the same
 * shards as the first: each would run workflows the other also runs, and a
 * job sent to one can wait for a reply only the other sees. A session-level
 * advisory lock, named after the journal's schema and held on a connection
 * of its own for as long as the pipeline runs, refuses the second process at
 * start instead; Postgres releases it when the holder's connection ends, so
 * a crashed process never blocks its restart.
 */
export const onePipelinePerDatabase: Layer.Layer<never, JournalInUse | SqlError, SqlClient> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const sql = yield* SqlClientTag
    const connection = yield* sql.reserve
    const lockKey = "hashtext('selfie-auth-pipeline/' || current_schema())::bigint"
    const [row] = yield* connection.execute(
      `SELECT pg_try_advisory_lock(${lockKey}) AS acquired, current_schema() AS schema`,
      [],
      undefined
    )
    if (row?.acquired !== true) {
      return yield* new JournalInUse({ journal: { _tag: "Postgres", schema: String(row?.schema) } })
    }
    yield* Effect.addFinalizer(() =>
      Effect.ignore(connection.execute(`SELECT pg_advisory_unlock(${lockKey})`, [], undefined))
    )
  })
)

/** The lock file beside the SQLite journal in the data folder (see {@link onePipelinePerDataFolder}). */
export const sqliteLockFileName = "pipeline.lock"

/**
 * One pipeline process per data folder, for the SQLite journal: the same
 * reason as {@link onePipelinePerDatabase}, the same answer with the
 * operating system's lock instead of Postgres's. The pipeline holds an
 * exclusive lock on `pipeline.lock` in the data folder while it runs
 * (`SqliteFileLock`); the kernel releases it when the process ends, killed or
 * not, so a restart right after a crash is never refused.
 */
export const onePipelinePerDataFolder = (dataDirectory: string): Layer.Layer<never, JournalInUse> =>
  Layer.scopedDiscard(
    SqliteFileLock.holdExclusive(path.join(dataDirectory, sqliteLockFileName)).pipe(
      Effect.catchTag("FileLocked", () => new JournalInUse({ journal: { _tag: "Sqlite", dataDirectory } }))
    )
  )

/**
 * The workflow engine on its SQL store: `ClusterWorkflowEngine` on an embedded
 * `SingleRunner` with SQL runner storage and the tuned sharding settings.
 * Requires the `SqlClient` (see {@link sqlLayer}); it first takes the journal
 * ({@link onePipelinePerDatabase}, {@link onePipelinePerDataFolder}).
 */
export const engineLayer = (
  config: WorkflowStorageConfig
): Layer.Layer<WorkflowEngine.WorkflowEngine, ConfigError | JournalInUse | SqlError, SqlClient> => {
  const runner = SingleRunner.layer({
    runnerStorage: "sql",
    shardingConfig: {
      ...tunedShardingConfig,
      ...(config._tag === "Postgres" && config.disableAdvisoryLocks === true
        ? { shardLockDisableAdvisory: true }
        : {})
    }
  })
  // The lock before the runner: a refused process never takes a shard, even for a moment.
  return ClusterWorkflowEngine.layer.pipe(
    Layer.provide(runner.pipe(Layer.provide(
      config._tag === "Postgres" ? onePipelinePerDatabase : onePipelinePerDataFolder(config.dataDirectory)
    )))
  )
}

/**
 * The entity types under which the engine journals a `SmartSelfieJob`
 * execution: the workflow itself (its run, activities and deferreds) and its
 * durable clocks. Both are keyed by the execution id.
 */
export const journalEntityTypes = [`Workflow/${JobWorkflow.name}`, "Workflow/-/DurableClock"] as const

/**
 * Deletes the journal of one execution from the engine's tables
 * (`cluster_replies`, then `cluster_messages`), as the engine's own
 * `MessageStorage.clearAddress` does for one entity. Only for executions that
 * have ended: deleting a live one loses its progress.
 */
export const deleteJournalOf = (sql: SqlClient, executionId: string) =>
  Effect.gen(function*() {
    const [workflow, clock] = journalEntityTypes
    yield* sql`DELETE FROM cluster_replies WHERE request_id IN (
      SELECT id FROM cluster_messages WHERE entity_id = ${executionId} AND entity_type IN (${workflow}, ${clock}))`
    yield* sql`DELETE FROM cluster_messages WHERE entity_id = ${executionId} AND entity_type IN (${workflow}, ${clock})`
  })

/** Redacts a Postgres URL given as plain text (it may hold a password). */
export const postgresUrl = (url: string): Redacted.Redacted<string> => Redacted.make(url)
