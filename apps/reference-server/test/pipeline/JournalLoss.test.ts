/**
 * Decision 16's claim for a power loss: the SQLite workflow journal (at
 * `synchronous = normal`) can lose its last commits while the stores (at
 * `full`) keep theirs, and still no job is lost, none is decided twice, and
 * every callback is delivered at least once under its one delivery id.
 *
 * The loss is made as a power cut leaves it: the crash-test child (real
 * steps, real stores, the server's start-up sweep) is killed with SIGKILL,
 * and the journal's files (the database and its -wal and -shm) are replaced
 * by a copy taken earlier (the child stopped with SIGSTOP while it was
 * copied, so the copy is the files as they stood at one instant), or deleted.
 * The jobs of a case:
 * - `processing`: the stores say `Processing` (the job is being analyzed or
 *   decided);
 * - `decided`: its machine result is stored (the job `Completed`), its
 *   callback not yet sent;
 * - `complete`: finished and delivered before the loss, after the copy was
 *   taken: the journal no longer knows it ended, and it must not run again
 *   (the start-up sweep finds its callback delivered in the delivery log).
 * Steps are counted with `TestSteps.stepRuns` (the child records the real
 * steps' runs, ObservedSteps.ts), callbacks by a real partner endpoint.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Ids, JobStore } from "@selfie-auth/core"
import type { Job } from "@selfie-auth/core"
import { Effect, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { WorkflowStorage } from "../../src/pipeline/index.js"
import { CallbackReceiver, PipelineChild } from "./ChildProcess.js"
import * as LiveBackend from "./LiveBackend.js"
import * as TestSteps from "./TestSteps.js"

/** What a case started (children, receivers, folders), ended after its last test. */
const cleanups: Array<() => Promise<void> | void> = []
const cleanUp = async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
}

const dataFolder = () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-journal-loss-"))
  cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }))
  return folder
}

const receiver = async () => {
  const started = await CallbackReceiver.start()
  cleanups.push(() => started.close())
  return started
}

/** The child as the server runs: the real steps on the real stores, the start-up sweep before it is ready. */
const server = async (folder: string) => {
  const started = await PipelineChild.start({ PIPELINE_DATA_DIR: folder, PIPELINE_STEPS: "live", PIPELINE_SWEEP: "1" })
  cleanups.push(() => started.kill())
  return started
}

let jobNumber = 0
const newJob = () => ({
  partnerId: LiveBackend.partnerId,
  smileJobId: Ids.SmileJobId.make(`88${String(process.pid).padStart(6, "0").slice(-6)}${String(jobNumber++ % 100).padStart(2, "0")}`)
})
type TestJob = ReturnType<typeof newJob>
const keyOf = (job: TestJob) => `${job.partnerId}/${job.smileJobId}`

const onStores = <A>(folder: string, effect: Effect.Effect<A, never, JobStore>) =>
  Effect.runPromise(Effect.provide(effect, LiveBackend.portsLayer(folder)))

/** Puts a job in the stores as an accepted upload does: `Uploaded`, its zip stored. */
const upload = (folder: string, job: TestJob, callbackUrl: string) =>
  Effect.runPromise(
    LiveBackend.seedUploadedAuthentication(job.smileJobId, callbackUrl).pipe(Effect.provide(LiveBackend.portsLayer(folder)))
  )

const storedJob = (folder: string, job: TestJob): Promise<Job.Job> =>
  onStores(folder, Effect.flatMap(JobStore, (jobs) => jobs.findBySmileJobId(job.partnerId, job.smileJobId)).pipe(Effect.map(Option.getOrThrow)))

/** How often each real step ran for `job`, across every life of the child. */
const stepRuns = (folder: string, job: TestJob) =>
  Effect.runPromise(TestSteps.stepRuns(keyOf(job)).pipe(
    Effect.provide(SqliteClient.layer({ filename: path.join(folder, "steps.sqlite") }))
  ))

const journalFiles = ["", "-wal", "-shm"].map((suffix) => `${WorkflowStorage.sqliteFileName}${suffix}`)

/** Copies the journal's files as they stand, with the child stopped meanwhile; answers where the copy is. */
const copyJournal = async (child: PipelineChild, folder: string) => {
  const copy = fs.mkdtempSync(path.join(folder, "journal-copy-"))
  await child.pause()
  try {
    for (const file of journalFiles) {
      if (fs.existsSync(path.join(folder, file))) fs.copyFileSync(path.join(folder, file), path.join(copy, file))
    }
  } finally {
    child.resume()
  }
  return copy
}

const deleteJournal = (folder: string) => {
  for (const file of journalFiles) fs.rmSync(path.join(folder, file), { force: true })
}

/** Sets the journal back to `copy` (the child must be dead). */
const restoreJournal = (folder: string, copy: string) => {
  deleteJournal(folder)
  for (const file of journalFiles) {
    if (fs.existsSync(path.join(copy, file))) fs.copyFileSync(path.join(copy, file), path.join(folder, file))
  }
}

const startJob = (child: PipelineChild, job: TestJob) => child.send({ cmd: "start", job })
const hold = (child: PipelineChild, job: TestJob, point: string) => child.send({ cmd: "hold", job, point })
const release = (child: PipelineChild, job: TestJob, point: string) => child.send({ cmd: "release", job, point })
const held = (child: PipelineChild, job: TestJob, point: string) =>
  child.waitFor((event) => event.event === "held" && event.job === keyOf(job) && event.point === point)

type Outcome = {
  readonly result: { readonly stage: string; readonly deliveryId: string; readonly result: Job.JobResult }
  readonly delivery: string
}
const finished = async (child: PipelineChild, job: TestJob, timeoutMs = 20_000): Promise<Outcome> => {
  const status = await child.pollStatus(job, (candidate) => candidate._tag === "Finished", timeoutMs)
  return status.outcome as Outcome
}

const deliveriesOf = (partner: CallbackReceiver, job: TestJob) =>
  partner.deliveries.filter((delivery) => (delivery.body as { SmileJobID?: string }).SmileJobID === job.smileJobId)

/**
 * The job finished after the loss with exactly one stored decision (the one
 * stored before the loss, when there was one), and its callback went out at
 * least once, every time under the machine result's delivery id with the
 * stored result.
 */
const assertDecidedOnceAndDelivered = async (
  folder: string,
  partner: CallbackReceiver,
  job: TestJob,
  outcome: Outcome,
  storedBefore?: Job.Job
) => {
  const stored = await storedJob(folder, job)
  assert.strictEqual(stored.state, "Completed", job.smileJobId)
  assert.deepStrictEqual(stored.results.map((result) => result.resultCode), ["0820"], job.smileJobId)
  if (storedBefore !== undefined) assert.deepStrictEqual(stored.results, storedBefore.results, job.smileJobId)
  assert.deepStrictEqual(outcome.result.result, stored.results[0])
  assert.strictEqual(outcome.delivery, "delivered")
  const deliveries = deliveriesOf(partner, job)
  assert.isAtLeast(deliveries.length, 1, job.smileJobId)
  for (const delivery of deliveries) {
    assert.strictEqual(delivery.deliveryId, `sa_${job.smileJobId}_machine`)
    assert.strictEqual(delivery.deliveryId, outcome.result.deliveryId)
    assert.strictEqual((delivery.body as { ResultCode: string }).ResultCode, stored.results[0]!.resultCode)
  }
}

/** Runs `complete` to the end (delivered) in `child`, and answers its step runs. */
const completeBeforeTheLoss = async (child: PipelineChild, folder: string, partner: CallbackReceiver) => {
  const complete = newJob()
  await upload(folder, complete, partner.url)
  startJob(child, complete)
  assert.strictEqual((await finished(child, complete)).delivery, "delivered")
  return { complete, runs: await stepRuns(folder, complete) }
}

/** `complete` did not run again after the loss: no step ran, no second callback. */
const assertNotRunAgain = async (
  folder: string,
  partner: CallbackReceiver,
  completed: { readonly complete: TestJob; readonly runs: Record<string, number> }
) => {
  assert.deepStrictEqual(await stepRuns(folder, completed.complete), completed.runs)
  assert.strictEqual(deliveriesOf(partner, completed.complete).length, 1)
  assert.strictEqual((await storedJob(folder, completed.complete)).results.length, 1)
}

/**
 * Each case: a server finishes `complete`, takes `processing` to `Processing`
 * and `decided` to its stored result (holding both there), and is killed;
 * the journal is set back (or deleted); a new server starts on the same
 * folder.
 */
interface AfterTheLoss {
  readonly folder: string
  readonly partner: CallbackReceiver
  readonly server: PipelineChild
  readonly processing: TestJob
  readonly decided: TestJob
  /** `decided` as stored before the loss. */
  readonly decidedBefore: Job.Job
  readonly completed: { readonly complete: TestJob; readonly runs: Record<string, number> }
}

/** Puts `processing` and `decided` in the stores, holds each at its point, starts both and waits until both are held. */
const startHeld = async (
  child: PipelineChild,
  folder: string,
  partner: CallbackReceiver,
  at: { readonly processing: string; readonly decided: string }
) => {
  const processing = newJob()
  const decided = newJob()
  await upload(folder, processing, partner.url)
  await upload(folder, decided, partner.url)
  hold(child, processing, at.processing)
  hold(child, decided, at.decided)
  startJob(child, processing)
  startJob(child, decided)
  await held(child, processing, at.processing)
  await held(child, decided, at.decided)
  return { processing, decided }
}

/**
 * The loss itself: checks that `processing` is `Processing` and `decided`
 * stored but not delivered, kills the child, applies `lose` to the journal,
 * and starts a new server on the same folder.
 */
const loseTheJournal = async (options: {
  readonly first: PipelineChild
  readonly folder: string
  readonly partner: CallbackReceiver
  readonly processing: TestJob
  readonly decided: TestJob
  readonly completed: AfterTheLoss["completed"]
  readonly lose: () => void
}): Promise<AfterTheLoss> => {
  const { first, folder, partner, processing, decided, completed } = options
  assert.strictEqual((await storedJob(folder, processing)).state, "Processing")
  const decidedBefore = await storedJob(folder, decided)
  assert.strictEqual(decidedBefore.state, "Completed")
  assert.strictEqual(deliveriesOf(partner, decided).length, 0)
  await first.kill()
  options.lose()
  return { folder, partner, server: await server(folder), processing, decided, decidedBefore, completed }
}

/**
 * What every case checks after the loss: the `Processing` job finishes once
 * and is delivered, the job complete before the loss does not run again, and
 * the stored-but-undelivered job gets its callback with its first decision
 * (`extra`, more to check about it).
 */
const afterTheLoss = (loss: () => AfterTheLoss, extra?: (loss: AfterTheLoss) => Promise<void>) => {
  it("finishes the job that was Processing: one decision, its callback delivered under one id", async () => {
    const { server, processing, folder, partner } = loss()
    await assertDecidedOnceAndDelivered(folder, partner, processing, await finished(server, processing))
  })

  it("does not run again a job that was complete before the loss", async () => {
    await finished(loss().server, loss().processing)
    await assertNotRunAgain(loss().folder, loss().partner, loss().completed)
  })

  // The journal may no longer know this job's workflow: the start-up sweep finds its stored result's
  // callback neither delivered nor failed in the delivery log, and starts it again.
  it("delivers the callback of a job whose result was stored before the loss, keeping the first decision", async () => {
    const { server, decided, decidedBefore, folder, partner } = loss()
    await assertDecidedOnceAndDelivered(folder, partner, decided, await finished(server, decided), decidedBefore)
    await extra?.(loss())
  })
}

describe("a workflow journal set back by a power loss", () => {
  describe("to a copy taken before the jobs' workflows started", () => {
    let loss: AfterTheLoss
    beforeAll(async () => {
      const folder = dataFolder()
      const partner = await receiver()
      const first = await server(folder)
      const copy = await copyJournal(first, folder)

      const completed = await completeBeforeTheLoss(first, folder, partner)
      const { processing, decided } = await startHeld(first, folder, partner, { processing: "before:analyze", decided: "before:deliverCallback" })
      loss = await loseTheJournal({ first, folder, partner, processing, decided, completed, lose: () => restoreJournal(folder, copy) })
    }, 60_000)
    afterAll(cleanUp)

    afterTheLoss(() => loss)
  })

  describe("to a copy taken at earlier steps of the jobs' workflows", () => {
    let loss: AfterTheLoss
    beforeAll(async () => {
      const folder = dataFolder()
      const partner = await receiver()
      const first = await server(folder)

      const { processing, decided } = await startHeld(first, folder, partner, { processing: "before:prepare", decided: "before:analyze" })
      // The journal with `processing` still `Uploaded` and `decided` before its analysis.
      const copy = await copyJournal(first, folder)

      hold(first, processing, "before:decide")
      hold(first, decided, "before:deliverCallback")
      release(first, processing, "before:prepare")
      release(first, decided, "before:analyze")
      const completed = await completeBeforeTheLoss(first, folder, partner)
      await held(first, processing, "before:decide")
      await held(first, decided, "before:deliverCallback")
      loss = await loseTheJournal({ first, folder, partner, processing, decided, completed, lose: () => restoreJournal(folder, copy) })
    }, 60_000)
    afterAll(cleanUp)

    // The journal forgot the stored result: the store ran again and the compare-and-set kept the first.
    afterTheLoss(() => loss, async ({ folder, decided }) => assert.strictEqual((await stepRuns(folder, decided))["storeResult"], 2))
  })

  describe("lost entirely", () => {
    let loss: AfterTheLoss
    beforeAll(async () => {
      const folder = dataFolder()
      const partner = await receiver()
      const first = await server(folder)

      const completed = await completeBeforeTheLoss(first, folder, partner)
      const { processing, decided } = await startHeld(first, folder, partner, { processing: "before:decide", decided: "before:deliverCallback" })
      loss = await loseTheJournal({ first, folder, partner, processing, decided, completed, lose: () => deleteJournal(folder) })
    }, 60_000)
    afterAll(cleanUp)

    afterTheLoss(() => loss)
  })
})
