/**
 * A small server process for the crash tests, run with `tsx`: the real
 * pipeline (workflow engine on SQLite in `PIPELINE_DATA_DIR`) over the test
 * steps (their bookkeeping in `steps.sqlite` in the same folder).
 *
 * Talks JSON lines. Reads commands on stdin:
 *   {"cmd":"start","job":{...}}  {"cmd":"review","job":{...},"review":{...}}  {"cmd":"status","job":{...}}
 *   {"cmd":"hold","job":{...},"point":"before:analyze"}  {"cmd":"release","job":{...},"point":"before:analyze"}
 *   (holds: the real steps only, see ObservedSteps.ts)
 * Writes events on stdout:
 *   {"event":"ready","pid":123}  {"event":"blocked","point":"analyze"}  {"event":"status","job":"p/id","status":{...}}
 *   {"event":"reviewed","job":"p/id"}  {"event":"held","job":"p/id","point":"before:analyze"}  {"event":"error","detail":"..."}
 * (`pid` is this process's, which the `tsx` launcher runs as its child: a test kills or stops it by this id.)
 *
 * Environment: PIPELINE_DATA_DIR (required), PIPELINE_POSTGRES_URL (the journal on Postgres instead of
 * SQLite), PIPELINE_STEPS=live, PIPELINE_SWEEP=1 (with live steps: the server's start-up sweep of the
 * jobs in flight, before `ready`), PIPELINE_CALLBACK_URL,
 * PIPELINE_BLOCK_AT, PIPELINE_PROVISIONAL=1, PIPELINE_CALLBACK_DELAYS_MS
 * (comma-separated), PIPELINE_IN_MEMORY_THRESHOLD_MS.
 */
import { NodeRuntime } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Decision } from "@selfie-auth/core"
import { Duration, Effect, Layer, Option, Queue, Redacted, Schema, Stream } from "effect"
import * as path from "node:path"
import * as readline from "node:readline"
import { JobPipeline, JobPipelineWorkflow, PipelineData, PipelineSteps, PipelineStepsLive } from "../../../src/pipeline/index.js"
import * as UploadedJobsSweep from "../../../src/UploadedJobsSweep.js"
import { withBlocking } from "../BlockingSteps.js"
import * as LiveBackend from "../LiveBackend.js"
import { Holds, observe } from "../ObservedSteps.js"
import * as TestSteps from "../TestSteps.js"

const env = (name: string): string | undefined => {
  const value = process.env[name]
  return value === undefined || value === "" ? undefined : value
}

const dataDirectory = env("PIPELINE_DATA_DIR")
if (dataDirectory === undefined) {
  process.stderr.write("PIPELINE_DATA_DIR must name the folder for the workflow journal\n")
  process.exit(2)
}

const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`)

const Command = Schema.parseJson(
  Schema.Union(
    Schema.Struct({ cmd: Schema.Literal("start"), job: PipelineData.JobKey }),
    Schema.Struct({ cmd: Schema.Literal("review"), job: PipelineData.JobKey, review: PipelineData.HumanReview }),
    Schema.Struct({ cmd: Schema.Literal("status"), job: PipelineData.JobKey }),
    Schema.Struct({ cmd: Schema.Literal("hold", "release"), job: PipelineData.JobKey, point: Schema.String })
  )
)

const callbackDelays = env("PIPELINE_CALLBACK_DELAYS_MS")?.split(",").map((ms) => Duration.millis(Number(ms)))
const inMemoryThreshold = env("PIPELINE_IN_MEMORY_THRESHOLD_MS")

const live = env("PIPELINE_STEPS") === "live"
const stepsDatabase = SqliteClient.layer({ filename: path.join(dataDirectory, "steps.sqlite") })
const ports = LiveBackend.portsLayer(dataDirectory)
const holds = new Holds((job, point) => emit({ event: "held", job, point }))

/**
 * `PIPELINE_STEPS=live`: the real steps on the real adapters (LiveBackend.ts),
 * their runs counted in `steps.sqlite` and held on command (ObservedSteps.ts),
 * blocking where `PIPELINE_BLOCK_AT` says (`before:<method>`/`after:<method>`).
 * Otherwise the counting test steps.
 */
const steps = live
  ? Layer.effect(
    PipelineSteps,
    Effect.gen(function*() {
      const real = yield* PipelineSteps
      const sql = yield* SqlClient.SqlClient
      yield* Effect.orDie(TestSteps.createTables)
      return withBlocking(observe(real, sql, holds), env("PIPELINE_BLOCK_AT"), (point) => emit({ event: "blocked", point }))
    })
  ).pipe(
    Layer.provide(
      PipelineStepsLive.layer({
        thresholds: Decision.defaultThresholds,
        apiKeyOf: (partner) => Effect.succeed(partner === LiveBackend.partnerId ? Option.some(LiveBackend.apiKey) : Option.none())
      })
    ),
    Layer.provide(Layer.merge(ports, stepsDatabase))
  )
  : TestSteps.layer({
    callbackUrl: env("PIPELINE_CALLBACK_URL"),
    blockAt: env("PIPELINE_BLOCK_AT"),
    onBlocked: (point) => emit({ event: "blocked", point }),
    provisional: env("PIPELINE_PROVISIONAL") === "1"
  }).pipe(Layer.provide(stepsDatabase))

const postgresUrl = env("PIPELINE_POSTGRES_URL")
const pipeline = JobPipelineWorkflow.layer({
  storage: postgresUrl === undefined
    ? { _tag: "Sqlite", dataDirectory }
    : { _tag: "Postgres", url: Redacted.make(postgresUrl), disableAdvisoryLocks: true },
  timing: {
    callbackRetryDelays: callbackDelays ?? ["1 second"],
    stepRetryDelays: ["200 millis"],
    inMemoryThreshold: inMemoryThreshold === undefined ? Duration.zero : Duration.millis(Number(inMemoryThreshold))
  }
}).pipe(Layer.provide(steps))

/** `PIPELINE_SWEEP=1`: the server's start-up sweep over the stores' jobs (its `DeliveryLog` too), as `ProductBackend` composes it. */
const sweep = live && env("PIPELINE_SWEEP") === "1"
  ? UploadedJobsSweep.layer([LiveBackend.partnerId]).pipe(Layer.provide(ports))
  : Layer.empty

const program = Effect.gen(function*() {
  const jobs = yield* JobPipeline
  const lines = yield* Queue.unbounded<string>()
  const input = readline.createInterface({ input: process.stdin })
  input.on("line", (line) => Queue.unsafeOffer(lines, line))
  input.on("close", () => process.exit(0))
  emit({ event: "ready", pid: process.pid })
  yield* Stream.fromQueue(lines).pipe(
    Stream.runForEach((line) =>
      Effect.gen(function*() {
        const command = yield* Schema.decodeUnknown(Command)(line)
        const job = PipelineData.jobKeyString(command.job)
        switch (command.cmd) {
          case "start":
            yield* jobs.start(command.job)
            return emit({ event: "started", job })
          case "review":
            yield* jobs.completeReview(command.job, command.review)
            return emit({ event: "reviewed", job })
          case "status":
            return emit({ event: "status", job, status: yield* jobs.status(command.job) })
          case "hold":
            return yield* holds.hold(job, command.point)
          case "release":
            return yield* holds.release(job, command.point)
        }
      }).pipe(Effect.catchAll((error) => Effect.sync(() => emit({ event: "error", detail: String(error) }))))
    )
  )
})

NodeRuntime.runMain(program.pipe(Effect.provide(sweep.pipe(Layer.provideMerge(pipeline)))))
