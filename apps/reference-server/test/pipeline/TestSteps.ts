/**
 * PipelineSteps for the durability tests: no images, no face engine, but the
 * same obligations as the real steps (idempotent work, compare-and-set
 * results, callbacks over real HTTP with a stable delivery id), and a
 * record, in SQL, of every time a step really ran, so a test can count
 * work across process restarts.
 *
 * `blockAt` makes one step announce itself (through `onBlocked`) and then
 * never finish, so a test can kill the process at exactly that point. The
 * names are `<step>` (before the step's work) and `store-after-write` /
 * `callback-after-send` (after the work, before the journal learns of it:
 * the windows that at-least-once execution must survive).
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Either, Layer } from "effect"
import { Decision, Ids, Job } from "@selfie-auth/core"
import type { PipelineData } from "../../src/pipeline/index.js"
import { deliveryIdOf, JobRejected, PipelineSteps, ReviewRefused, StepFailed } from "../../src/pipeline/index.js"

export interface TestStepsOptions {
  /** Where callbacks go; absent: the job has no callback URL. */
  readonly callbackUrl?: string | undefined
  /** Pause forever at this point (see the module comment). */
  readonly blockAt?: string | undefined
  readonly onBlocked?: (point: string) => void
  /** Make the engine suspect a spoof, so the policy sends the job to a reviewer. */
  readonly provisional?: boolean | undefined
  /** Fail `prepare` with `JobRejected` (a broken zip). */
  readonly rejectZip?: boolean | undefined
  /** Fail `analyze` with `StepFailed` this many times before it works. */
  readonly analyzeFailures?: number | undefined
  /** Wait this long inside `analyze`, standing in for the face engine. */
  readonly analyzeMillis?: number | undefined
}

/**
 * Findings of a matching, live person; `spoof` makes the policy send the job
 * to a reviewer (0824). The comparison's confidence is random on purpose: a
 * `decide` that ran twice would give a different decision, which the tests
 * would see.
 */
const findings = (spoof: boolean): PipelineData.JobFindings => ({
  selfie: {
    width: 640,
    height: 480,
    faceCount: 1,
    face: { box: { x: 100, y: 100, width: 200, height: 240 }, score: 0.97, pose: { yaw: 2, pitch: 1, roll: 0 }, descriptor: [0.1, 0.2] },
    brightness: 0.5,
    sharpness: 200,
    problems: []
  },
  liveness: { framesProvided: 8, framesUsable: 8, framesMatchingSelfie: 8, poseRange: { yaw: 25, pitch: 12 } },
  spoofSuspicion: spoof ? "weak" : "none",
  comparison: { distance: 0.3, confidence: 80 + Math.floor(Math.random() * 20) }
})

/** The decision a stored result was made from (a stored result is a decision plus its time). */
const decisionOf = (result: Job.JobResult): Decision.Decision => ({
  resultCode: result.resultCode,
  resultText: result.resultText,
  actions: result.actions,
  confidence: result.confidence,
  isFinal: result.isFinal,
  isMachineResult: result.isMachineResult,
  explanation: result.explanation
})

/** Creates the bookkeeping tables; run once per database before the steps. */
export const createTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS test_step_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, step TEXT NOT NULL)`
  yield* sql`CREATE TABLE IF NOT EXISTS test_results (
    job TEXT NOT NULL, stage TEXT NOT NULL, result TEXT NOT NULL, PRIMARY KEY (job, stage))`
  yield* sql`CREATE TABLE IF NOT EXISTS test_result_writes (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, stage TEXT NOT NULL)`
  yield* sql`CREATE TABLE IF NOT EXISTS test_delivery_failures (job TEXT NOT NULL, stage TEXT NOT NULL, outcome TEXT NOT NULL)`
})

/** How often each step really ran for `job`, e.g. `{ prepare: 1, decide: 1 }`. */
export const stepRuns = (job: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ step: string; runs: number }>`
      SELECT step, COUNT(*) AS runs FROM test_step_runs WHERE job = ${job} GROUP BY step`
    return Object.fromEntries(rows.map((row) => [row.step, Number(row.runs)]))
  })

/** How many results were really written for `job` (the compare-and-set's successful inserts). */
export const resultWrites = (job: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ stage: string }>`SELECT stage FROM test_result_writes WHERE job = ${job}`
    return rows.map((row) => row.stage)
  })

export const layer = (options: TestStepsOptions): Layer.Layer<PipelineSteps, never, SqlClient.SqlClient> =>
  Layer.effect(
    PipelineSteps,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Effect.orDie(createTables)
      let analyzeFailuresLeft = options.analyzeFailures ?? 0

      const key = (job: PipelineData.JobKey) => `${job.partnerId}/${job.smileJobId}`
      const block = (point: string) =>
        options.blockAt === point
          ? Effect.sync(() => options.onBlocked?.(point)).pipe(Effect.zipRight(Effect.never))
          : Effect.void
      const ran = (job: PipelineData.JobKey, step: string) =>
        block(step).pipe(
          Effect.zipRight(sql`INSERT INTO test_step_runs (job, step) VALUES (${key(job)}, ${step})`),
          Effect.orDie
        )

      const storedResult = (job: PipelineData.JobKey, stage: PipelineData.ResultStage) =>
        sql<{ result: string }>`SELECT result FROM test_results WHERE job = ${key(job)} AND stage = ${stage}`.pipe(
          Effect.map(([row]) => (row === undefined ? undefined : (JSON.parse(row.result) as Job.JobResult))),
          Effect.orDie
        )

      return PipelineSteps.of({
        prepare: (job) =>
          Effect.gen(function*() {
            yield* ran(job, "prepare")
            if (options.rejectZip === true) {
              return yield* new JobRejected({
                failure: { resultText: "Data Invalid - Unable to extract zip file", explanation: "not a zip (test)" }
              })
            }
            const selfie = { _tag: "ZipEntry" as const, fileName: "selfie.jpg" }
            const userId = Ids.UserId.make("user-1")
            return {
              description: { jobType: 2 as const, userId, selfie, liveness: [] },
              images: { zip: `${key(job)}/attachments.zip`, selfie, liveness: [], registeredSelfie: `users/${userId}/selfie.jpg` }
            }
          }),
        analyze: (job) =>
          Effect.gen(function*() {
            yield* ran(job, "analyze")
            if (analyzeFailuresLeft > 0) {
              analyzeFailuresLeft--
              return yield* new StepFailed({ step: "analyze", detail: "face engine unavailable (test)" })
            }
            if (options.analyzeMillis !== undefined) yield* Effect.sleep(options.analyzeMillis)
            return findings(options.provisional === true)
          }),
        decide: (job, description, jobFindings) =>
          ran(job, "decide").pipe(
            Effect.map(() =>
              Decision.decide({ jobType: description.jobType, findings: jobFindings, thresholds: Decision.defaultThresholds })
            )
          ),
        storeResult: (job, stage, outcome) =>
          Effect.gen(function*() {
            yield* ran(job, `store-${stage}`)
            const at = yield* Clock.currentTimeMillis
            const result: Job.JobResult = outcome._tag === "Decided"
              ? Job.resultOf(outcome.decision, at)
              : {
                resultCode: "0001",
                resultText: outcome.failure.resultText,
                actions: {},
                confidence: 0,
                isFinal: true,
                isMachineResult: true,
                explanation: outcome.failure.explanation,
                decidedAt: at
              }
            const inserted = yield* sql<{ job: string }>`
              INSERT INTO test_results (job, stage, result) VALUES (${key(job)}, ${stage}, ${JSON.stringify(result)})
              ON CONFLICT (job, stage) DO NOTHING
              RETURNING job`
            if (inserted.length > 0) {
              yield* sql`INSERT INTO test_result_writes (job, stage) VALUES (${key(job)}, ${stage})`
            }
            yield* block("store-after-write")
            const stored = yield* storedResult(job, stage)
            if (stored === undefined) return yield* Effect.dieMessage("the result vanished after its insert")
            return { stage, result: stored, deliveryId: deliveryIdOf(job, stage) }
          }).pipe(Effect.orDie),
        applyResult: (job, stage) => ran(job, `apply-${stage}`),
        storedReview: (job) =>
          Effect.map(storedResult(job, "review"), (result) =>
            result === undefined ? null : { stage: "review" as const, result, deliveryId: deliveryIdOf(job, "review") }),
        requestReview: (job) => ran(job, "request-review"),
        validateReview: (job, review) =>
          Effect.gen(function*() {
            const machine = yield* storedResult(job, "machine")
            const reviewed = yield* storedResult(job, "review")
            if (machine === undefined || machine.isFinal || reviewed !== undefined) {
              return yield* new ReviewRefused({ job, detail: "the job is not waiting for a review" })
            }
            const offered = Decision.verdictsFor(2, decisionOf(machine))
            if (!offered.includes(review.verdict)) {
              return yield* new ReviewRefused({ job, detail: `"${review.verdict}" does not settle it; offer ${offered.join(", ")}` })
            }
          }),
        settleReview: (job) => ran(job, "settle-review"),
        decideAfterReview: (job, machine, review) =>
          ran(job, "decide-after-review").pipe(
            Effect.zipRight(
              Either.match(
                Decision.decideHumanReview({ jobType: 2, machine: decisionOf(machine.result), verdict: review.verdict }),
                { onLeft: (error) => Effect.die(error), onRight: Effect.succeed }
              )
            )
          ),
        deliverCallback: (job, result, attempt) =>
          Effect.gen(function*() {
            yield* ran(job, `callback-${result.stage}`)
            if (options.callbackUrl === undefined) return { _tag: "NoCallback" as const }
            const url = options.callbackUrl
            const response = yield* Effect.tryPromise(() =>
              fetch(url, {
                method: "POST",
                headers: { "content-type": "application/json", "webhook-id": result.deliveryId },
                body: JSON.stringify({ job: key(job), attempt, result })
              })
            ).pipe(Effect.either)
            yield* block("callback-after-send")
            if (response._tag === "Left") return { _tag: "Retry" as const, detail: String(response.left.error) }
            const status = response.right.status
            if (status >= 200 && status < 300) return { _tag: "Delivered" as const, status }
            if (status === 410) return { _tag: "Stopped" as const, detail: "HTTP 410" }
            return { _tag: "Retry" as const, detail: `HTTP ${status}` }
          }),
        recordDeliveryFailure: (job, result, outcome) =>
          sql`INSERT INTO test_delivery_failures (job, stage, outcome) VALUES (${key(job)}, ${result.stage}, ${outcome})`.pipe(
            Effect.asVoid,
            Effect.orDie
          )
      })
    })
  )
