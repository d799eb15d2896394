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
import { Effect, Layer } from "effect"
import { Ids } from "@selfie-auth/core"
import type { PipelineData } from "../../src/pipeline/index.js"
import { JobRejected, PipelineSteps, StepFailed } from "../../src/pipeline/index.js"

type Decision = PipelineData.Decision

export interface TestStepsOptions {
  /** Where callbacks go; absent: the job has no callback URL. */
  readonly callbackUrl?: string | undefined
  /** Pause forever at this point (see the module comment). */
  readonly blockAt?: string | undefined
  readonly onBlocked?: (point: string) => void
  /** Make the machine decision provisional, so the job waits for review. */
  readonly provisional?: boolean | undefined
  /** Fail `unpack` with `JobRejected` (a broken zip). */
  readonly rejectZip?: boolean | undefined
  /** Fail `analyze` with `StepFailed` this many times before it works. */
  readonly analyzeFailures?: number | undefined
  /** Wait this long inside `analyze`, standing in for the face engine. */
  readonly analyzeMillis?: number | undefined
}

const machineDecision = (provisional: boolean): Decision =>
  provisional
    ? {
      resultCode: "0821",
      resultText: "Provisional Approval - Under Human Review",
      actions: { Liveness_Check: "Under Review", Verify_Selfie: "Under Review" },
      // Random on purpose: a decide that ran twice would be visible.
      confidence: Math.round(Math.random() * 10_000) / 100,
      provisional: true
    }
    : {
      resultCode: "0820",
      resultText: "Authenticate User Machine Judgement - PASS",
      actions: { Liveness_Check: "Passed", Verify_Selfie: "Passed" },
      confidence: Math.round(Math.random() * 10_000) / 100,
      provisional: false
    }

/** Creates the bookkeeping tables; run once per database before the steps. */
export const createTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS test_step_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, step TEXT NOT NULL)`
  yield* sql`CREATE TABLE IF NOT EXISTS test_results (
    job TEXT NOT NULL, stage TEXT NOT NULL, decision TEXT NOT NULL, delivery_id TEXT NOT NULL,
    PRIMARY KEY (job, stage))`
  yield* sql`CREATE TABLE IF NOT EXISTS test_result_writes (id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, stage TEXT NOT NULL)`
  yield* sql`CREATE TABLE IF NOT EXISTS test_delivery_failures (job TEXT NOT NULL, stage TEXT NOT NULL, outcome TEXT NOT NULL)`
})

/** How often each step really ran for `job`, e.g. `{ unpack: 1, decide: 1 }`. */
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

      return PipelineSteps.of({
        unpack: (job) =>
          Effect.gen(function*() {
            yield* ran(job, "unpack")
            if (options.rejectZip === true) {
              return yield* new JobRejected({
                detail: "not a zip",
                decision: {
                  resultCode: "0001",
                  resultText: "Data Invalid - Unable to extract zip file",
                  actions: {},
                  confidence: 0,
                  provisional: false
                }
              })
            }
            return {
              entries: [
                { name: "info.json", blobKey: `${key(job)}/info.json`, bytes: 512 },
                { name: "selfie.jpg", blobKey: `${key(job)}/selfie.jpg`, bytes: 200_000 }
              ]
            }
          }),
        decodeInfo: (job) =>
          ran(job, "decode-info").pipe(
            Effect.as({ jobType: 2 as const, userId: Ids.UserId.make("user-1"), selfie: "selfie.jpg", liveness: [] })
          ),
        resolveImages: (job, description) =>
          ran(job, "resolve-images").pipe(
            Effect.as({
              selfie: `${key(job)}/${description.selfie}`,
              liveness: [],
              registeredSelfie: `users/${description.userId}/selfie.jpg`
            })
          ),
        analyze: (job) =>
          Effect.gen(function*() {
            yield* ran(job, "analyze")
            if (analyzeFailuresLeft > 0) {
              analyzeFailuresLeft--
              return yield* new StepFailed({ step: "analyze", detail: "face engine unavailable (test)" })
            }
            if (options.analyzeMillis !== undefined) yield* Effect.sleep(options.analyzeMillis)
            return {
              selfie: { width: 640, height: 480, faceCount: 1, brightness: 0.5, sharpness: 120, problems: [] },
              spoofSuspicion: "none" as const,
              comparison: { distance: 0.3, confidence: 91 }
            }
          }),
        decide: (job) => ran(job, "decide").pipe(Effect.map(() => machineDecision(options.provisional === true))),
        requestReview: (job) => ran(job, "request-review"),
        decideAfterReview: (job, machine, review) =>
          ran(job, "decide-after-review").pipe(
            Effect.as<Decision>({
              resultCode: review.verdict === "pass" ? "1220" : review.verdict === "fail" ? "1221" : "1222",
              resultText: `Human Judgement - ${review.verdict} (${review.reviewer})`,
              actions: { ...machine.actions, Human_Review_Compare: review.verdict === "pass" ? "Passed" : "Failed" },
              confidence: machine.confidence,
              provisional: false
            })
          ),
        storeResult: (job, stage, decision) =>
          Effect.gen(function*() {
            yield* ran(job, `store-${stage}`)
            const inserted = yield* sql<{ job: string }>`
              INSERT INTO test_results (job, stage, decision, delivery_id)
              VALUES (${key(job)}, ${stage}, ${JSON.stringify(decision)}, ${crypto.randomUUID()})
              ON CONFLICT (job, stage) DO NOTHING
              RETURNING job`
            if (inserted.length > 0) {
              yield* sql`INSERT INTO test_result_writes (job, stage) VALUES (${key(job)}, ${stage})`
            }
            yield* block("store-after-write")
            const [row] = yield* sql<{ decision: string; delivery_id: string }>`
              SELECT decision, delivery_id FROM test_results WHERE job = ${key(job)} AND stage = ${stage}`
            if (row === undefined) return yield* Effect.dieMessage("the result vanished after its insert")
            return { stage, decision: JSON.parse(row.decision) as Decision, deliveryId: row.delivery_id }
          }).pipe(Effect.orDie),
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
            if (status === 410) return { _tag: "Gone" as const, status }
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
