/**
 * The start-up sweep: no job is lost to a crash between its upload and its
 * result.
 *
 * Accepting a zip and starting its workflow are two writes to two stores (the
 * job store, then the workflow journal). A server killed between them leaves
 * a job `Uploaded` whose workflow was never started. And the SQLite journal
 * runs at `synchronous = normal` by default (decision 16): a power loss can
 * undo its last writes, and with them a `Processing` job's workflow. Polling
 * `job_status` starts an `Uploaded` job too, but a partner that waits for its
 * callback never polls; so when the server starts, before it listens, every
 * configured partner's jobs in flight (`Uploaded` or `Processing`) are started
 * through `JobPipeline.start`, which is idempotent: a job whose workflow the
 * journal still holds (running, or finished with its store write pending) is
 * left to it; one the journal forgot runs again from the top, and its
 * compare-and-set result store keeps it to one decision.
 *
 * Jobs `UnderReview` are started too, after those: their workflow waits for
 * the reviewer's verdict, and a reviewer can only hand a verdict to a workflow
 * the journal holds. One the journal forgot runs again up to that wait (the
 * engine's work included; its stored provisional result is kept, its
 * callback sent again under the same delivery id) and is then reviewable.
 *
 * Last, jobs decided in the recent past ({@link recentResultsWindowMillis}):
 * their result is stored, but a power loss can have taken their workflow from
 * the journal before the callback went out. Every one with a callback URL
 * whose latest result's delivery (its delivery id names the stage, machine or
 * review) the `DeliveryLog` shows neither delivered nor failed is started: a
 * workflow the journal still holds (its callback on its retry schedule) is
 * left to it; one the journal forgot runs again from the top, keeps the
 * stored result (compare-and-set) and sends it under the same delivery id.
 *
 * Gotcha: jobs of a partner no longer in the partners file are not swept (the
 * server could not sign their callbacks anyway); they start if the partner
 * comes back.
 */
import type { Delivery, Ids, Job } from "@selfie-auth/core"
import { decidedCursor, DeliveryLog, deliveryStateOf, JobStore } from "@selfie-auth/core"
import type { DecidedCursor } from "@selfie-auth/core"
import { Clock, Effect, Layer } from "effect"
import * as ResultDelivery from "./deliveries/ResultDelivery.js"
import { JobPipeline } from "./pipeline/JobPipeline.js"

/**
 * How far back the sweep looks for results whose callback may never have
 * been sent: 24 hours. A power loss undoes only the journal's last moments
 * (`synchronous = normal` loses the commits since the last checkpoint), so a
 * day covers any loss with room to spare, while the work at start-up stays
 * bounded by a day of results rather than growing with the job history.
 */
export const recentResultsWindowMillis = 24 * 60 * 60 * 1000

/** How many decided jobs the sweep reads and checks at a time, by default. */
export const decidedPageSize = 1_000

/** Why the sweep starts a decided job: its latest result's callback has no recorded end. */
const undelivered = (job: Job.Job, deliveries: ReadonlyArray<Delivery>): string | undefined => {
  const { deliveryId, delivery } = ResultDelivery.latestDeliveryIn(job, deliveries)
  if (delivery === undefined) return `callback ${deliveryId} has no recorded attempt`
  return deliveryStateOf(delivery) === "pending"
    ? `callback ${deliveryId} is neither delivered nor failed after ${delivery.attempts.length} attempts`
    : undefined
}

/**
 * Starts the jobs in flight of these partners, oldest upload first, then
 * their jobs under review, oldest machine decision first, then their jobs
 * decided since `now - windowMillis` whose callback is still due, oldest
 * result first; answers how many it asked to start.
 */
export const sweep = Effect.fn("UploadedJobsSweep.sweep")(function*(
  partnerIds: ReadonlyArray<Ids.PartnerId>,
  windowMillis: number = recentResultsWindowMillis,
  pageSize: number = decidedPageSize
) {
  const jobs = yield* JobStore
  const log = yield* DeliveryLog
  const pipeline = yield* JobPipeline
  const since = (yield* Clock.currentTimeMillis) - windowMillis
  let started = 0
  for (const partnerId of partnerIds) {
    const waiting = [...yield* jobs.listInFlight(partnerId), ...yield* jobs.listUnderReview(partnerId)]
    for (const job of waiting) {
      yield* pipeline.start({ partnerId, smileJobId: job.smileJobId })
      yield* Effect.logInfo("start-up sweep: made sure a job in flight or under review is running").pipe(
        Effect.annotateLogs({ partnerId, smileJobId: job.smileJobId, state: job.state })
      )
      started++
    }
    const startedAlready = new Set<string>(waiting.map((job) => job.smileJobId))
    // A page of decided jobs at a time, so a busy day's jobs are never all in memory at once.
    let after: DecidedCursor | undefined
    for (;;) {
      const page = yield* jobs.listDecidedSince(partnerId, since, { after, limit: pageSize })
      const decided = page.filter((job) => job.callbackUrl !== undefined && !startedAlready.has(job.smileJobId))
      // The deliveries of every such job in a few reads, not one per job.
      const deliveries = yield* log.deliveriesOfJobs(partnerId, decided.map((job) => job.smileJobId))
      for (const job of decided) {
        const reason = undelivered(job, deliveries.get(job.smileJobId) ?? [])
        if (reason === undefined) continue
        yield* pipeline.start({ partnerId, smileJobId: job.smileJobId })
        yield* Effect.logInfo("start-up sweep: made sure a decided job whose callback is still due is running").pipe(
          Effect.annotateLogs({ partnerId, smileJobId: job.smileJobId, state: job.state, reason })
        )
        started++
      }
      const last = page.at(-1)
      if (page.length < pageSize || last === undefined) break
      after = decidedCursor(last)
      // Every listed job has a result; without a cursor the next read would start the list over, forever.
      if (after === undefined) return yield* Effect.dieMessage(`listDecidedSince listed job ${last.smileJobId}, which has no result`)
    }
  }
  return started
})

/** Runs {@link sweep} once when built (at server start, after the stores and the pipeline). */
export const layer = (
  partnerIds: ReadonlyArray<Ids.PartnerId>
): Layer.Layer<never, never, JobStore | DeliveryLog | JobPipeline> => Layer.effectDiscard(sweep(partnerIds))
