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
 * Gotcha: jobs of a partner no longer in the partners file are not swept (the
 * server could not sign their callbacks anyway); they start if the partner
 * comes back.
 */
import type { Ids } from "@selfie-auth/core"
import { JobStore } from "@selfie-auth/core"
import { Effect, Layer } from "effect"
import { JobPipeline } from "./pipeline/JobPipeline.js"

/**
 * Starts the jobs in flight of these partners, oldest upload first, then
 * their jobs under review, oldest machine decision first; answers how many it
 * asked to start.
 */
export const sweep = Effect.fn("UploadedJobsSweep.sweep")(function*(partnerIds: ReadonlyArray<Ids.PartnerId>) {
  const jobs = yield* JobStore
  const pipeline = yield* JobPipeline
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
  }
  return started
})

/** Runs {@link sweep} once when built (at server start, after the stores and the pipeline). */
export const layer = (partnerIds: ReadonlyArray<Ids.PartnerId>): Layer.Layer<never, never, JobStore | JobPipeline> =>
  Layer.effectDiscard(sweep(partnerIds))
