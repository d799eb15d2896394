/**
 * The start-up sweep: no job is lost to a crash between its upload and the
 * start of its pipeline.
 *
 * Accepting a zip and starting its workflow are two writes to two stores (the
 * job store, then the workflow journal). A server killed between them leaves
 * a job `Uploaded` whose workflow was never started. Polling `job_status`
 * starts such a job too, but a partner that waits for its callback never
 * polls; so when the server starts, before it listens, every configured
 * partner's `Uploaded` jobs are started through `JobPipeline.start`, which is
 * idempotent: a job whose workflow is already running (or finished, with its
 * store write still pending) is left alone.
 *
 * Gotcha: jobs of a partner no longer in the partners file are not swept (the
 * server could not sign their callbacks anyway); they start if the partner
 * comes back.
 */
import type { Ids } from "@selfie-auth/core"
import { JobStore } from "@selfie-auth/core"
import { Effect, Layer } from "effect"
import { JobPipeline } from "./pipeline/JobPipeline.js"

/** Starts the `Uploaded` jobs of these partners, oldest upload first; answers how many it started. */
export const sweep = Effect.fn("UploadedJobsSweep.sweep")(function*(partnerIds: ReadonlyArray<Ids.PartnerId>) {
  const jobs = yield* JobStore
  const pipeline = yield* JobPipeline
  let started = 0
  for (const partnerId of partnerIds) {
    for (const job of yield* jobs.listUploaded(partnerId)) {
      yield* pipeline.start({ partnerId, smileJobId: job.smileJobId })
      yield* Effect.logInfo("start-up sweep: started a job whose zip had arrived but whose processing had not begun").pipe(
        Effect.annotateLogs({ partnerId, smileJobId: job.smileJobId })
      )
      started++
    }
  }
  return started
})

/** Runs {@link sweep} once when built (at server start, after the stores and the pipeline). */
export const layer = (partnerIds: ReadonlyArray<Ids.PartnerId>): Layer.Layer<never, never, JobStore | JobPipeline> =>
  Layer.effectDiscard(sweep(partnerIds))
