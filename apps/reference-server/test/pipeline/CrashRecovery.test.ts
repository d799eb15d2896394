/**
 * The standard of proof: a real server process (the crash-test child,
 * with the workflow journal in SQLite) is killed with SIGKILL in the middle of
 * a job and started again on the same data folder. The job must finish
 * exactly once (one stored decision), nothing may be lost, and the partner's
 * endpoint (a real node:http server here) must get the callback at least once,
 * always under the same delivery id.
 */
import { afterEach, assert, describe, it } from "@effect/vitest"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Ids, JobStore } from "@selfie-auth/core"
import { Effect, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { CallbackReceiver, PipelineChild } from "./ChildProcess.js"
import * as LiveBackend from "./LiveBackend.js"
import * as PostgresSchema from "./PostgresSchema.js"
import * as TestSteps from "./TestSteps.js"

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const dataFolder = () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-crash-"))
  cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }))
  return folder
}

const receiver = async (respond?: (index: number) => number) => {
  const started = await CallbackReceiver.start(respond)
  cleanups.push(() => started.close())
  return started
}

const child = async (environment: Record<string, string>) => {
  const started = await PipelineChild.start(environment)
  cleanups.push(() => started.kill())
  return started
}

let jobNumber = 0
const newJob = () => ({
  partnerId: "partner-1",
  smileJobId: `${String(process.pid).padStart(6, "0").slice(-6)}${String(jobNumber++).padStart(4, "0")}`
})
const keyOf = (job: { partnerId: string; smileJobId: string }) => `${job.partnerId}/${job.smileJobId}`

/** Reads the test steps' bookkeeping from the data folder (after the child is gone or alongside it). */
const bookkeeping = (folder: string, job: string) =>
  Effect.runPromise(
    Effect.all({ runs: TestSteps.stepRuns(job), writes: TestSteps.resultWrites(job) }).pipe(
      Effect.provide(SqliteClient.layer({ filename: path.join(folder, "steps.sqlite") }))
    )
  )

type Status = { readonly _tag: string } & Record<string, unknown>
const isFinished = (status: Status) => status._tag === "Finished"
const outcomeOf = (status: Status) =>
  status.outcome as {
    readonly result: { readonly stage: string; readonly deliveryId: string; readonly result: { readonly resultCode: string; readonly confidence: number } }
    readonly delivery: string
    readonly reviewed: boolean
  }

describe("a pipeline process killed with SIGKILL and restarted", () => {
  const killPoints = [
    // inside `assess`, before the step's work: the activity runs again from its start (prepare, analyze, decide)
    "prepare",
    "analyze",
    "decide",
    // inside `conclude`, after the work, before the journal knows: the activity runs again and must be harmless
    "store-after-write",
    "callback-after-send"
  ] as const

  for (const point of killPoints) {
    it(`finishes the job exactly once when killed at ${point}`, async () => {
      const folder = dataFolder()
      const partner = await receiver()
      const job = newJob()
      const environment = { PIPELINE_DATA_DIR: folder, PIPELINE_CALLBACK_URL: partner.url }

      const first = await child({ ...environment, PIPELINE_BLOCK_AT: point })
      first.send({ cmd: "start", job })
      await first.waitFor((event) => event.event === "blocked" && event.point === point)
      await first.kill()
      const before = await bookkeeping(folder, keyOf(job))

      const second = await child(environment)
      const status = await second.pollStatus(job, isFinished)
      await second.stop()
      const after = await bookkeeping(folder, keyOf(job))
      const outcome = outcomeOf(status)

      // Exactly one decision was stored, and it is the one reported.
      assert.deepStrictEqual(after.writes, ["machine"])
      assert.strictEqual(after.runs["decide"], 1)
      assert.strictEqual(outcome.result.result.resultCode, "0820")
      assert.strictEqual(outcome.delivery, "delivered")
      // Steps journaled before the kill did not run again. A kill inside `assess` runs that activity again from
      // its start, so its steps that had finished ran once more: the engine's work, nothing anyone saw.
      const insideAssess = point === "prepare" || point === "analyze" || point === "decide"
      for (const step of ["prepare", "analyze"]) {
        if (before.runs[step] !== undefined) {
          assert.strictEqual(after.runs[step], before.runs[step] + (insideAssess ? 1 : 0), step)
        }
      }
      // Delivered at least once, every time under the stored delivery id, with the stored decision.
      assert.isAtLeast(partner.deliveries.length, 1)
      for (const delivery of partner.deliveries) {
        assert.strictEqual(delivery.deliveryId, outcome.result.deliveryId)
        assert.deepStrictEqual((delivery.body as { result: unknown }).result, outcome.result)
      }
      if (point === "store-after-write") {
        // The compare-and-set ran twice; the second call got the first decision back.
        assert.strictEqual(after.runs["store-machine"], 2)
      }
      if (point === "callback-after-send") {
        // The partner got it before the crash and again after: same id, so it can de-duplicate.
        assert.strictEqual(partner.deliveries.length, 2)
        // The first attempt is part of `conclude`: the compare-and-set ran again and returned the first decision.
        assert.strictEqual(after.runs["store-machine"], 2)
      }
    }, 180_000)
  }

  it("finishes the job exactly once with the journal on Postgres, killed after the result write", async () => {
    const folder = dataFolder()
    const { schema, url } = await Effect.runPromise(PostgresSchema.create)
    cleanups.push(() => Effect.runPromise(Effect.asVoid(PostgresSchema.drop(schema))))
    const partner = await receiver()
    const job = newJob()
    const environment = { PIPELINE_DATA_DIR: folder, PIPELINE_CALLBACK_URL: partner.url, PIPELINE_POSTGRES_URL: url }

    const first = await child({ ...environment, PIPELINE_BLOCK_AT: "store-after-write" })
    first.send({ cmd: "start", job })
    await first.waitFor((event) => event.event === "blocked")
    await first.kill()

    const second = await child(environment)
    const outcome = outcomeOf(await second.pollStatus(job, isFinished, 60_000))
    await second.stop()

    const after = await bookkeeping(folder, keyOf(job))
    assert.deepStrictEqual(after.writes, ["machine"])
    assert.strictEqual(after.runs["decide"], 1)
    assert.strictEqual(after.runs["store-machine"], 2)
    assert.strictEqual(outcome.delivery, "delivered")
    assert.deepStrictEqual(partner.deliveries.map((delivery) => delivery.deliveryId), [outcome.result.deliveryId])
  }, 180_000)

  it("starting the same job twice, before and after a restart, runs it once", async () => {
    const folder = dataFolder()
    const partner = await receiver()
    const job = newJob()
    const environment = { PIPELINE_DATA_DIR: folder, PIPELINE_CALLBACK_URL: partner.url }

    const first = await child({ ...environment, PIPELINE_BLOCK_AT: "analyze" })
    first.send({ cmd: "start", job })
    first.send({ cmd: "start", job })
    await first.waitFor((event) => event.event === "blocked")
    await first.kill()

    const second = await child(environment)
    second.send({ cmd: "start", job })
    await second.pollStatus(job, isFinished)
    second.send({ cmd: "start", job })
    await new Promise((resolve) => setTimeout(resolve, 500))
    await second.stop()

    const after = await bookkeeping(folder, keyOf(job))
    assert.deepStrictEqual(after.writes, ["machine"])
    // Once before the kill (which interrupted `assess`) and once after the restart; the second starts added nothing.
    assert.strictEqual(after.runs["prepare"], 2)
    assert.strictEqual(after.runs["analyze"], 1)
    assert.strictEqual(after.runs["decide"], 1)
    assert.strictEqual(partner.deliveries.length, 1)
  }, 180_000)

  it("a job waiting for review survives the restart and finishes on completeReview", async () => {
    const folder = dataFolder()
    const partner = await receiver()
    const job = newJob()
    const environment = { PIPELINE_DATA_DIR: folder, PIPELINE_CALLBACK_URL: partner.url, PIPELINE_PROVISIONAL: "1" }

    const first = await child(environment)
    first.send({ cmd: "start", job })
    await first.pollStatus(job, (status) => status._tag === "Waiting")
    await first.kill()

    const second = await child(environment)
    assert.strictEqual((await second.pollStatus(job, () => true))._tag, "Waiting")
    second.send({ cmd: "review", job, review: { verdict: "same_person", reviewer: "alice" } })
    await second.waitFor((event) => event.event === "reviewed")
    const outcome = outcomeOf(await second.pollStatus(job, isFinished))
    await second.stop()

    const after = await bookkeeping(folder, keyOf(job))
    assert.deepStrictEqual(after.writes, ["machine", "review"])
    assert.strictEqual(after.runs["decide"], 1)
    assert.strictEqual(after.runs["request-review"], 1)
    assert.isTrue(outcome.reviewed)
    assert.strictEqual(outcome.result.result.resultCode, "1220")
    // Two results, two deliveries, each under its own stable id.
    const [machine, review] = partner.deliveries
    assert.strictEqual(partner.deliveries.length, 2)
    assert.strictEqual((machine?.body as { result: { stage: string } }).result.stage, "machine")
    assert.strictEqual(review?.deliveryId, outcome.result.deliveryId)
    assert.notStrictEqual(machine?.deliveryId, review?.deliveryId)
  }, 180_000)

  it("a callback retry waiting on the durable clock keeps its deadline across the restart", async () => {
    const folder = dataFolder()
    // Down for the first two attempts, then up.
    const partner = await receiver((index) => (index < 2 ? 503 : 200))
    const job = newJob()
    const retryMillis = 3_000
    const environment = {
      PIPELINE_DATA_DIR: folder,
      PIPELINE_CALLBACK_URL: partner.url,
      PIPELINE_CALLBACK_DELAYS_MS: `${retryMillis},${retryMillis}`,
      PIPELINE_IN_MEMORY_THRESHOLD_MS: "0"
    }

    const first = await child(environment)
    first.send({ cmd: "start", job })
    // Kill once the first attempt failed and the workflow sleeps on the persisted clock (status Waiting).
    await first.pollStatus(job, (status) => partner.deliveries.length === 1 && status._tag === "Waiting")
    await first.kill()

    const second = await child(environment)
    const restartedAt = Date.now()
    const outcome = outcomeOf(await second.pollStatus(job, isFinished, 60_000))
    await second.stop()

    assert.strictEqual(outcome.delivery, "delivered")
    assert.deepStrictEqual(partner.deliveries.map((delivery) => delivery.status), [503, 503, 200])
    assert.deepStrictEqual(
      new Set(partner.deliveries.map((delivery) => delivery.deliveryId)),
      new Set([outcome.result.deliveryId])
    )
    const [firstAttempt, secondAttempt] = partner.deliveries
    const waited = secondAttempt!.at - firstAttempt!.at
    // The second attempt came at the deadline set before the crash (a restarted
    // sleep would have put it a full delay after the restart).
    assert.isAtLeast(waited, retryMillis - 50)
    assert.isBelow(secondAttempt!.at - restartedAt, retryMillis - 500, `waited ${waited} ms between attempts`)
  }, 180_000)
})

describe("the real steps on the real adapters, killed with SIGKILL and restarted", () => {
  const liveJob = (smileJobId: string) => ({ partnerId: LiveBackend.partnerId, smileJobId })
  const storedJob = (folder: string, smileJobId: string) =>
    Effect.runPromise(
      Effect.flatMap(JobStore, (jobs) => jobs.findBySmileJobId(LiveBackend.partnerId, Ids.SmileJobId.make(smileJobId))).pipe(
        Effect.map(Option.getOrThrow),
        Effect.provide(LiveBackend.portsLayer(folder))
      )
    )

  for (const point of ["before:analyze", "after:storeResult", "after:deliverCallback"]) {
    it(`finishes an authentication exactly once when killed ${point.replace(":", " ")}`, async () => {
      const folder = dataFolder()
      const partner = await receiver()
      const smileJobId = `77${String(process.pid).padStart(6, "0").slice(-6)}${String(jobNumber++ % 100).padStart(2, "0")}`
      await Effect.runPromise(
        LiveBackend.seedUploadedAuthentication(Ids.SmileJobId.make(smileJobId), partner.url).pipe(
          Effect.provide(LiveBackend.portsLayer(folder))
        )
      )
      const job = liveJob(smileJobId)
      const environment = { PIPELINE_DATA_DIR: folder, PIPELINE_STEPS: "live" }

      const first = await child({ ...environment, PIPELINE_BLOCK_AT: point })
      first.send({ cmd: "start", job })
      await first.waitFor((event) => event.event === "blocked" && event.point === point)
      await first.kill()

      const second = await child(environment)
      const outcome = outcomeOf(await second.pollStatus(job, isFinished))
      await second.stop()

      const stored = await storedJob(folder, smileJobId)
      assert.strictEqual(stored.state, "Completed")
      assert.deepStrictEqual(stored.results.map((result) => result.resultCode), ["0820"])
      assert.deepStrictEqual(outcome.result.result, stored.results[0])
      assert.strictEqual(outcome.delivery, "delivered")
      assert.isAtLeast(partner.deliveries.length, 1)
      for (const delivery of partner.deliveries) {
        assert.strictEqual(delivery.deliveryId, `sa_${smileJobId}_machine`)
        const body = delivery.body as { ResultCode: string; SmileJobID: string; signature: string }
        assert.deepStrictEqual([body.ResultCode, body.SmileJobID], ["0820", smileJobId])
        assert.isString(body.signature)
      }
      if (point === "after:deliverCallback") assert.strictEqual(partner.deliveries.length, 2)
    }, 180_000)
  }
})
