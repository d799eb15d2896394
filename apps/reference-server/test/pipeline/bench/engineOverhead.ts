/**
 * What the durable engine costs per job, with steps that do no work: every
 * millisecond measured here is journal writes, polling and scheduling.
 *
 *   ../../node_modules/.bin/tsx --tsconfig test/pipeline/child/tsconfig.json test/pipeline/bench/engineOverhead.ts [jobs] [postgres-url]
 *
 * Reports the latency of one job at a time (start -> the last step ran;
 * p50/p99) and the throughput of `jobs` jobs started together, on SQLite in a
 * temporary folder, and on Postgres when a URL is given (a schema of its own,
 * dropped afterwards).
 */
import { PgClient } from "@effect/sql-pg"
import { Deferred, Duration, Effect, Layer, Option, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Decision, Ids, Job } from "@selfie-auth/core"
import { deliveryIdOf, JobPipeline, JobPipelineWorkflow, PipelineSteps } from "../../../src/pipeline/index.js"
import type { PipelineData, WorkflowStorage } from "../../../src/pipeline/index.js"

const jobCount = Number(process.argv[2] ?? 200)
const postgresUrl = process.argv[3]

const finished = new Map<string, Deferred.Deferred<void>>()
const keyOf = (job: PipelineData.JobKey) => `${job.partnerId}/${job.smileJobId}`

const findings: PipelineData.JobFindings = {
  selfie: {
    width: 640,
    height: 480,
    faceCount: 1,
    face: { box: { x: 1, y: 1, width: 200, height: 200 }, score: 0.97, pose: { yaw: 0, pitch: 0, roll: 0 }, descriptor: [0] },
    brightness: 0.5,
    sharpness: 200,
    problems: []
  },
  liveness: { framesProvided: 8, framesUsable: 8, framesMatchingSelfie: 8, poseRange: { yaw: 25, pitch: 12 } },
  spoofSuspicion: "none",
  comparison: { distance: 0.3, confidence: 93 }
}
const decision = Decision.decide({ jobType: 2, findings, thresholds: Decision.defaultThresholds })

/** Steps that return at once; the callback step resolves the job's latch. */
const trivialSteps = Layer.succeed(PipelineSteps, {
  prepare: () =>
    Effect.succeed({
      description: {
        jobType: 2 as const,
        userId: Ids.UserId.make("u"),
        selfie: { _tag: "ZipEntry" as const, fileName: "s.jpg" },
        liveness: []
      },
      images: { zip: "z", selfie: { _tag: "ZipEntry" as const, fileName: "s.jpg" }, liveness: [] }
    }),
  analyze: () => Effect.succeed(findings),
  decide: () => Effect.succeed(decision),
  storeResult: (job, stage) => Effect.succeed({ stage, result: Job.resultOf(decision, 0), deliveryId: deliveryIdOf(job, stage) }),
  applyResult: () => Effect.void,
  storedReview: () => Effect.succeed(null),
  requestReview: () => Effect.void,
  validateReview: () => Effect.void,
  settleReview: () => Effect.void,
  decideAfterReview: () => Effect.succeed(decision),
  deliverCallback: (job) =>
    Effect.gen(function*() {
      const latch = finished.get(keyOf(job))
      if (latch !== undefined) yield* Deferred.succeed(latch, undefined)
      return { _tag: "Delivered" as const, status: 200 }
    }),
  recordDeliveryFailure: () => Effect.void
})

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN

let serial = 0
const newJob = (): PipelineData.JobKey => ({
  partnerId: Ids.PartnerId.make("bench"),
  smileJobId: Ids.SmileJobId.make(String(1_000_000_000 + serial++))
})

const runJob = (pipeline: JobPipeline["Type"]) =>
  Effect.gen(function*() {
    const job = newJob()
    const latch = yield* Deferred.make<void>()
    finished.set(keyOf(job), latch)
    const started = performance.now()
    yield* pipeline.start(job)
    yield* Deferred.await(latch)
    finished.delete(keyOf(job))
    return performance.now() - started
  })

const measure = (label: string, storage: WorkflowStorage.WorkflowStorageConfig) =>
  Effect.gen(function*() {
    const pipeline = yield* JobPipeline
    // Warm up: the first jobs pay for shard acquisition and prepared statements.
    for (let i = 0; i < 10; i++) yield* runJob(pipeline)
    const latencies: Array<number> = []
    for (let i = 0; i < 100; i++) latencies.push(yield* runJob(pipeline))
    latencies.sort((a, b) => a - b)
    const started = performance.now()
    const cpuBefore = process.cpuUsage()
    yield* Effect.all(Array.from({ length: jobCount }, () => runJob(pipeline)), { concurrency: "unbounded" })
    const cpu = process.cpuUsage(cpuBefore)
    const seconds = (performance.now() - started) / 1000
    console.log(
      `${label}: one job at a time p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms; ` +
        `${jobCount} jobs started together: ${(jobCount / seconds).toFixed(0)} jobs/s (${seconds.toFixed(2)} s), ` +
        `${((cpu.user + cpu.system) / 1000 / jobCount).toFixed(1)} ms of this process's CPU per job ` +
        `(load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`
    )
  }).pipe(
    Effect.provide(
      JobPipelineWorkflow.layer({
        storage,
        timing: { callbackRetryDelays: [], stepRetryDelays: [], inMemoryThreshold: Duration.seconds(1) }
      }).pipe(Layer.provide(trivialSteps))
    )
  )

const program = Effect.gen(function*() {
  console.log(`node ${process.version}, ${os.cpus().length} cores; steps do no work, 5 activities per job`)
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-bench-"))
  yield* measure("SQLite", { _tag: "Sqlite", dataDirectory: folder }).pipe(
    Effect.ensuring(Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true })))
  )
  if (postgresUrl === undefined) return
  const schema = `pipeline_bench_${process.pid}`
  const admin = PgClient.layer({ url: Redacted.make(postgresUrl) })
  yield* Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(`CREATE SCHEMA ${schema}`)).pipe(Effect.provide(admin))
  yield* measure("Postgres", {
    _tag: "Postgres",
    url: Redacted.make(`${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`),
    disableAdvisoryLocks: true
  }).pipe(
    Effect.ensuring(
      Effect.flatMap(PgClient.PgClient, (sql) => sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)).pipe(Effect.provide(admin), Effect.orDie)
    )
  )
})

Effect.runPromise(program.pipe(Effect.map(() => Option.none()))).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
