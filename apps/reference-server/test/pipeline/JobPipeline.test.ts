/**
 * The JobPipeline contract, run in-process against both journal databases:
 * SQLite in a temporary folder and Postgres on 127.0.0.1:5432 (a schema of
 * its own per run, dropped afterwards).
 */
import { assert, describe, it } from "@effect/vitest"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { SqlClient } from "@effect/sql"
import { Context, Duration, Effect, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Ids } from "@selfie-auth/core"
import { JobPipeline, JobPipelineWorkflow, PipelineRetention, WorkflowStorage } from "../../src/pipeline/index.js"
import type { JobWorkflow, PipelineData, PipelineStatus } from "../../src/pipeline/index.js"
import * as PostgresSchema from "./PostgresSchema.js"
import * as TestSteps from "./TestSteps.js"

const temporaryFolder = () => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-pipeline-"))

const newJob = (): PipelineData.JobKey => ({
  partnerId: Ids.PartnerId.make("partner-1"),
  smileJobId: Ids.SmileJobId.make(String(Math.floor(Math.random() * 1e10)).padStart(10, "0"))
})
const keyOf = (job: PipelineData.JobKey) => `${job.partnerId}/${job.smileJobId}`

const fastTiming: JobWorkflow.PipelineTiming = {
  callbackRetryDelays: ["100 millis"],
  stepRetryDelays: ["100 millis", "100 millis"],
  inMemoryThreshold: Duration.zero
}

/** A second connection to the journal's database, for looking at the engine's tables. */
class JobPipelineSql extends Context.Tag("test/JobPipelineSql")<JobPipelineSql, SqlClient.SqlClient>() {}

/** A pipeline on `storage` over test steps whose bookkeeping lives in `stepsFile`. */
const pipelineLayer = (
  storage: WorkflowStorage.WorkflowStorageConfig,
  stepsFile: string,
  options: TestSteps.TestStepsOptions = {}
) => {
  const stepsSql = SqliteClient.layer({ filename: stepsFile })
  return Layer.mergeAll(
    JobPipelineWorkflow.layer({ storage, timing: fastTiming }).pipe(
      Layer.provide(TestSteps.layer(options).pipe(Layer.provide(stepsSql)))
    ),
    stepsSql,
    Layer.effect(JobPipelineSql, SqlClient.SqlClient).pipe(Layer.provide(WorkflowStorage.sqlLayer(storage)), Layer.orDie)
  )
}

/** Polls `status` until its tag is one of `tags` (by default, until the job ended). */
const settled = (job: PipelineData.JobKey, tags: ReadonlyArray<PipelineStatus["_tag"]> = ["Finished", "Failed"]) =>
  Effect.gen(function*() {
    const pipeline = yield* JobPipeline
    for (;;) {
      const status = yield* pipeline.status(job)
      if (tags.includes(status._tag)) return status
      yield* Effect.sleep("20 millis")
    }
  }).pipe(Effect.timeout("10 seconds"))

interface Backend {
  readonly name: string
  /** A fresh journal store, and its removal. */
  readonly acquire: Effect.Effect<WorkflowStorage.WorkflowStorageConfig>
  readonly release: (storage: WorkflowStorage.WorkflowStorageConfig) => Effect.Effect<void>
}

const sqliteBackend: Backend = {
  name: "SQLite",
  acquire: Effect.sync(() => ({ _tag: "Sqlite", dataDirectory: temporaryFolder() })),
  release: (storage) =>
    Effect.sync(() => storage._tag === "Sqlite" && fs.rmSync(storage.dataDirectory, { recursive: true, force: true }))
}

/**
 * Postgres: a schema of its own per test (the journal's tables are found
 * through `search_path`), with advisory shard locks off because their numbers
 * are shared by every cluster in the database (see WorkflowStorage).
 */
const postgresBackend: Backend = {
  name: "Postgres",
  acquire: Effect.map(PostgresSchema.create, ({ url }) => ({
    _tag: "Postgres" as const,
    url: Redacted.make(url),
    disableAdvisoryLocks: true
  })),
  release: (storage) =>
    storage._tag === "Postgres"
      ? PostgresSchema.drop(decodeURIComponent(Redacted.value(storage.url)).split("search_path=")[1] ?? "")
      : Effect.void
}

/** Runs `body` with a pipeline on a fresh store of `backend`, then removes the store. */
const withPipeline = <A, E>(
  backend: Backend,
  options: TestSteps.TestStepsOptions,
  body: Effect.Effect<A, E, JobPipeline | PipelineRetention | SqlClient.SqlClient | JobPipelineSql>
) =>
  Effect.acquireUseRelease(
    backend.acquire,
    (storage) => {
      const folder = temporaryFolder()
      return body.pipe(
        Effect.provide(pipelineLayer(storage, path.join(folder, "steps.sqlite"), options)),
        Effect.ensuring(Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true })))
      )
    },
    backend.release
  )

for (const backend of [sqliteBackend, postgresBackend]) {
  describe(`JobPipeline on ${backend.name}`, () => {
    it.live("runs a job to its stored result; status goes from NotStarted to Finished", () =>
      withPipeline(
        backend,
        {},
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const job = newJob()
          assert.deepStrictEqual(yield* pipeline.status(job), { _tag: "NotStarted" })
          yield* pipeline.start(job)
          const status = yield* settled(job)
          assert.strictEqual(status._tag, "Finished")
          if (status._tag !== "Finished") return
          assert.strictEqual(status.outcome.result.result.resultCode, "0820")
          assert.strictEqual(status.outcome.delivery, "no_callback")
          assert.isFalse(status.outcome.reviewed)
          assert.deepStrictEqual(yield* TestSteps.resultWrites(keyOf(job)), ["machine"])
        })
      ), 30_000)

    it.live("starting the same job twice (and after it finished) runs it once", () =>
      withPipeline(
        backend,
        {},
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const job = newJob()
          yield* Effect.all([pipeline.start(job), pipeline.start(job)], { concurrency: 2 })
          yield* settled(job)
          yield* pipeline.start(job)
          yield* Effect.sleep("300 millis")
          const runs = yield* TestSteps.stepRuns(keyOf(job))
          assert.deepStrictEqual(runs, {
            prepare: 1,
            analyze: 1,
            decide: 1,
            "store-machine": 1,
            "apply-machine": 1,
            "callback-machine": 1
          })
        })
      ), 30_000)

    it.live("a rejected zip ends the job with its result, without analysis", () =>
      withPipeline(
        backend,
        { rejectZip: true },
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const job = newJob()
          yield* pipeline.start(job)
          const status = yield* settled(job)
          assert.strictEqual(status._tag === "Finished" && status.outcome.result.result.resultCode, "0001")
          const runs = yield* TestSteps.stepRuns(keyOf(job))
          assert.isUndefined(runs["analyze"])
        })
      ), 30_000)

    it.live("a step that fails for an infrastructure reason is retried on the durable clock", () =>
      withPipeline(
        backend,
        { analyzeFailures: 2 },
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const job = newJob()
          yield* pipeline.start(job)
          const status = yield* settled(job)
          assert.strictEqual(status._tag, "Finished")
          assert.strictEqual((yield* TestSteps.stepRuns(keyOf(job)))["analyze"], 3)
        })
      ), 30_000)

    it.live("a step that keeps failing before the decision ends the job with 0001 System Error, saying why", () =>
      withPipeline(
        backend,
        { analyzeFailures: 10 },
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const job = newJob()
          yield* pipeline.start(job)
          const status = yield* settled(job)
          assert.strictEqual(status._tag, "Finished")
          if (status._tag !== "Finished") return
          const result = status.outcome.result.result
          assert.deepStrictEqual([result.resultCode, result.resultText], ["0001", "System Error"])
          assert.include(result.explanation, "analyze: face engine unavailable (test)")
          // The first attempt and one retry per configured delay.
          assert.strictEqual((yield* TestSteps.stepRuns(keyOf(job)))["analyze"], fastTiming.stepRetryDelays.length + 1)
          assert.deepStrictEqual(yield* TestSteps.resultWrites(keyOf(job)), ["machine"])
        })
      ), 30_000)

    it.live("a review for a job whose result is final is refused", () =>
      withPipeline(
        backend,
        {},
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const job = newJob()
          yield* pipeline.start(job)
          assert.strictEqual((yield* settled(job))._tag, "Finished")
          const error = yield* Effect.flip(pipeline.completeReview(job, { verdict: "same_person", reviewer: "alice" }))
          assert.strictEqual(error._tag, "ReviewRefused")
        })
      ), 30_000)

    it.live("a provisional job waits for the reviewer, then stores and reports the final result", () =>
      withPipeline(
        backend,
        { provisional: true },
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const job = newJob()
          yield* pipeline.start(job)
          assert.strictEqual((yield* settled(job, ["Waiting"]))._tag, "Waiting")
          const refused = yield* Effect.flip(pipeline.completeReview(job, { verdict: "different_person", reviewer: "eve" }))
          assert.strictEqual(refused._tag, "ReviewRefused")
          assert.include(refused.message, "same_person")
          yield* pipeline.completeReview(job, { verdict: "spoof", reviewer: "alice" })
          yield* pipeline.completeReview(job, { verdict: "same_person", reviewer: "bob" })
          const status = yield* settled(job)
          assert.strictEqual(status._tag, "Finished")
          if (status._tag !== "Finished") return
          assert.isTrue(status.outcome.reviewed)
          assert.strictEqual(status.outcome.result.stage, "review")
          // The first verdict handed over wins.
          assert.strictEqual(status.outcome.result.result.resultCode, "1222")
          assert.isFalse(status.outcome.result.result.isMachineResult)
          assert.deepStrictEqual(yield* TestSteps.resultWrites(keyOf(job)), ["machine", "review"])
        })
      ), 30_000)

    it.live("retention prunes the journal of ended jobs only, and a pruned job is not run again", () =>
      withPipeline(
        backend,
        { provisional: false },
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const ended = newJob()
          yield* pipeline.start(ended)
          assert.strictEqual((yield* settled(ended))._tag, "Finished")
          const journalRows = Effect.flatMap(JobPipelineSql, (sql) =>
            sql<{ rows: number }>`SELECT COUNT(*) AS rows FROM cluster_messages`.pipe(Effect.map(([row]) => Number(row?.rows))))
          const before = yield* journalRows
          assert.isAbove(before, 0)

          assert.strictEqual(yield* (yield* PipelineRetention).pruneEnded({ startedBefore: 0 }), 0)
          assert.strictEqual(yield* (yield* PipelineRetention).pruneEnded({ startedBefore: Date.now() + 1_000 }), 1)
          assert.strictEqual(yield* journalRows, 0)
          assert.deepStrictEqual(yield* pipeline.status(ended), { _tag: "Pruned" })
          assert.strictEqual(yield* (yield* PipelineRetention).pruneEnded({ startedBefore: Date.now() + 1_000 }), 0)

          yield* pipeline.start(ended)
          yield* Effect.sleep("300 millis")
          assert.strictEqual((yield* TestSteps.stepRuns(keyOf(ended)))["prepare"], 1)
          assert.deepStrictEqual(yield* pipeline.status(ended), { _tag: "Pruned" })
        })
      ), 30_000)

    it.live("retention keeps a job that waits for its review", () =>
      withPipeline(
        backend,
        { provisional: true },
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const waiting = newJob()
          yield* pipeline.start(waiting)
          assert.strictEqual((yield* settled(waiting, ["Waiting"]))._tag, "Waiting")
          assert.strictEqual(yield* (yield* PipelineRetention).pruneEnded({ startedBefore: Date.now() + 1_000 }), 0)
          yield* pipeline.completeReview(waiting, { verdict: "same_person", reviewer: "alice" })
          assert.strictEqual((yield* settled(waiting))._tag, "Finished")
        })
      ), 30_000)

    it.live("a review for a job that was never started is refused", () =>
      withPipeline(
        backend,
        {},
        Effect.gen(function*() {
          const pipeline = yield* JobPipeline
          const job = newJob()
          const error = yield* Effect.flip(pipeline.completeReview(job, { verdict: "same_person", reviewer: "alice" }))
          assert.strictEqual(error._tag, "JobNotStarted")
          assert.include(error.message, job.smileJobId)
        })
      ), 30_000)
  })
}

describe("JobPipeline after its journal was lost", () => {
  it.live("a reviewed job started again delivers its stored reviewer's result, without waiting for a second review", () => {
    const folder = temporaryFolder()
    const stepsFile = path.join(folder, "steps.sqlite")
    const journal = (name: string): WorkflowStorage.WorkflowStorageConfig => {
      const dataDirectory = path.join(folder, name)
      fs.mkdirSync(dataDirectory)
      return { _tag: "Sqlite", dataDirectory }
    }
    const job = newJob()
    const run = <A, E>(storage: WorkflowStorage.WorkflowStorageConfig, body: Effect.Effect<A, E, JobPipeline | SqlClient.SqlClient>) =>
      Effect.scoped(Effect.provide(body, pipelineLayer(storage, stepsFile, { provisional: true })))
    return Effect.gen(function*() {
      const first = yield* run(journal("before"), Effect.gen(function*() {
        const pipeline = yield* JobPipeline
        yield* pipeline.start(job)
        assert.strictEqual((yield* settled(job, ["Waiting"]))._tag, "Waiting")
        yield* pipeline.completeReview(job, { verdict: "same_person", reviewer: "alice" })
        return yield* settled(job)
      }))
      // A journal that never knew the job, over the same stored results.
      const again = yield* run(journal("after"), Effect.gen(function*() {
        const pipeline = yield* JobPipeline
        yield* pipeline.start(job)
        return yield* settled(job)
      }))
      if (first._tag !== "Finished" || again._tag !== "Finished") return assert.fail(`${first._tag}, then ${again._tag}`)
      assert.isTrue(again.outcome.reviewed)
      assert.deepStrictEqual(again.outcome.result, first.outcome.result)
      const runs = yield* TestSteps.stepRuns(keyOf(job)).pipe(Effect.provide(SqliteClient.layer({ filename: stepsFile })))
      assert.strictEqual(runs["request-review"], 1)
      assert.strictEqual(runs["decide-after-review"], 1)
      assert.strictEqual(runs["callback-review"], 2)
      assert.deepStrictEqual(
        yield* TestSteps.resultWrites(keyOf(job)).pipe(Effect.provide(SqliteClient.layer({ filename: stepsFile }))),
        ["machine", "review"]
      )
    }).pipe(Effect.ensuring(Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))))
  }, 30_000)
})
