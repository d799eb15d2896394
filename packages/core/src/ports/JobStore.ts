/**
 * JobStore: the jobs of every partner.
 *
 * - A partner's `job_id` is unique per partner: {@link JobStoreService.insert}
 *   of a used one fails with `GeneralError.JobAlreadyExists`, the 2215 a prep
 *   upload answers. The store's own uniqueness check is the authority: checking
 *   first and inserting later would let two racing prep uploads both pass.
 * - A Smile job id is unique across partners ({@link SmileJobIdInUse}: draw a
 *   new one and insert again), but lookups by it still take the partner id.
 * - {@link JobStoreService.update} is a compare-and-set on `version`: the job
 *   is written only if it is still at the version it was read at. With
 *   `Job.transition` refusing a second machine decision, a machine result is
 *   written exactly once even when two runners decide the same job.
 *
 * Partner isolation: every method takes the partner id; one partner never
 * sees another's jobs.
 *
 * Adapters: `@selfie-auth/adapter-sql` and {@link JobStore.layerMemory}.
 * Infrastructure failures are defects.
 */
import { Context, Effect, Layer, Option, Schema, SynchronizedRef } from "effect"
import { JobAlreadyExists } from "../GeneralError.js"
import type * as Ids from "../Ids.js"
import { Job } from "../Job.js"

/** Another job already has this Smile job id: generate a new id and insert again. */
export class SmileJobIdInUse extends Schema.TaggedError<SmileJobIdInUse>()("SmileJobIdInUse", {
  smileJobId: Schema.String
}) {
  override get message(): string {
    return `Smile job id ${this.smileJobId} is already taken; generate another`
  }
}

/** No job of this partner under this id. */
export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", {
  partnerId: Schema.String,
  smileJobId: Schema.String
}) {
  override get message(): string {
    return `Partner ${JSON.stringify(this.partnerId)} has no job ${this.smileJobId}`
  }
}

/** The job changed since it was read: re-read it and apply the event again (which may now be illegal). */
export class StaleJob extends Schema.TaggedError<StaleJob>()("StaleJob", {
  partnerId: Schema.String,
  smileJobId: Schema.String,
  expectedVersion: Schema.Number,
  actualVersion: Schema.Number
}) {
  override get message(): string {
    return `Job ${this.smileJobId} of partner ${JSON.stringify(this.partnerId)} is at version ${this.actualVersion}, ` +
      `not ${this.expectedVersion}; re-read it and apply the change again`
  }
}

export interface JobStoreService {
  /** Stores a new job (made by `Job.make`) and returns it at version 1. */
  readonly insert: (job: Job) => Effect.Effect<Job, JobAlreadyExists | SmileJobIdInUse>
  /** The partner's job by the partner's own `job_id`. */
  readonly findByJobId: (partnerId: Ids.PartnerId, jobId: Ids.JobId) => Effect.Effect<Option.Option<Job>>
  /** The partner's job by our Smile job id; `None` for another partner's job. */
  readonly findBySmileJobId: (partnerId: Ids.PartnerId, smileJobId: Ids.SmileJobId) => Effect.Effect<Option.Option<Job>>
  /** Writes `job` if the stored job is still at `job.version`; returns it at `version + 1`. */
  readonly update: (job: Job) => Effect.Effect<Job, StaleJob | JobNotFound>
  /** The jobs of one user of a partner, oldest first (creation time, then Smile job id). */
  readonly listByUser: (partnerId: Ids.PartnerId, userId: Ids.UserId) => Effect.Effect<ReadonlyArray<Job>>
  /** The partner's jobs waiting for a reviewer, longest waiting first. */
  readonly listUnderReview: (partnerId: Ids.PartnerId) => Effect.Effect<ReadonlyArray<Job>>
  /**
   * The partner's jobs whose zip arrived and which have no result yet (state
   * `Uploaded` or `Processing`), earliest upload first (then Smile job id). A
   * server starts these again when it starts: one accepted just before a
   * crash may never have reached its pipeline, and one whose pipeline's
   * journal lost its last writes (a power loss) would otherwise wait forever.
   * Most are already running, or about to be; starting a job must therefore
   * be idempotent.
   */
  readonly listInFlight: (partnerId: Ids.PartnerId) => Effect.Effect<ReadonlyArray<Job>>
  /**
   * The partner's jobs whose latest result was stored at or after `since`
   * (epoch milliseconds), whatever their state: `Completed` (by the machine or
   * a reviewer), `Failed`, or `UnderReview` with its provisional result. When
   * the latest result was stored is the timeline's `reviewedAt`, else its
   * `failedAt`, else its `machineDecidedAt` (see {@link latestResultAt}).
   * Oldest result first (then Smile job id). A server looks here when it
   * starts for results whose callback may never have been sent: a power loss
   * can undo the workflow journal's last writes while the stores keep theirs.
   * `since` bounds the read; adapters serve it from an index.
   *
   * `page` reads the list a page at a time, so a reader never holds all of a
   * busy day's jobs: at most `limit` jobs, those strictly after `after` in the
   * list's order (pass the {@link decidedCursor} of the last job of the page
   * before). Without `page`, the whole list.
   */
  readonly listDecidedSince: (
    partnerId: Ids.PartnerId,
    since: number,
    page?: DecidedPage
  ) => Effect.Effect<ReadonlyArray<Job>>
}

/** Where a page of {@link JobStoreService.listDecidedSince} starts: just after this job in the list's order. */
export interface DecidedCursor {
  readonly latestResultAt: number
  readonly smileJobId: Ids.SmileJobId
}

/** A page of {@link JobStoreService.listDecidedSince}. */
export interface DecidedPage {
  readonly after?: DecidedCursor | undefined
  /** At most this many jobs (1 or more). */
  readonly limit: number
}

/** The cursor after `job` in {@link JobStoreService.listDecidedSince}'s order; `undefined` for a job without a result. */
export const decidedCursor = (job: Job): DecidedCursor | undefined => {
  const at = latestResultAt(job)
  return at === undefined ? undefined : { latestResultAt: at, smileJobId: job.smileJobId }
}

/**
 * When the job's latest result was stored: a reviewer's (`reviewedAt`), a
 * failure (`failedAt`), or the machine's (`machineDecidedAt`); `undefined`
 * for a job without a result. The key of {@link JobStoreService.listDecidedSince}.
 */
export const latestResultAt = (job: Job): number | undefined =>
  job.timeline.reviewedAt ?? job.timeline.failedAt ?? job.timeline.machineDecidedAt

/** A write to the memory table: the stored job and the new table, or why not. */
type Written<E> = Effect.Effect<readonly [Job, Map<string, Job>], E>

const validJob = (job: Job) => Effect.orDie(Schema.validate(Job)(job))

const compare = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0)

export class JobStore extends Context.Tag("@selfie-auth/core/JobStore")<JobStore, JobStoreService>() {
  /**
   * An in-process store: jobs by Smile job id in a `SynchronizedRef`; checks
   * and writes are one step. Like a real adapter, it refuses (as a defect) a
   * job its schema refuses, e.g. a negative timestamp.
   */
  static readonly layerMemory: Layer.Layer<JobStore> = Layer.effect(
    JobStore,
    Effect.gen(function*() {
      const jobs = yield* SynchronizedRef.make(new Map<string, Job>())
      const ofPartner = (partnerId: Ids.PartnerId) =>
        Effect.map(SynchronizedRef.get(jobs), (all) => [...all.values()].filter((job) => job.partnerId === partnerId))

      return {
        insert: Effect.fn("JobStore.insert")(function*(job: Job) {
          yield* validJob(job)
          return yield* SynchronizedRef.modifyEffect(jobs, (all): Written<JobAlreadyExists | SmileJobIdInUse> => {
            if (all.has(job.smileJobId)) return Effect.fail(new SmileJobIdInUse({ smileJobId: job.smileJobId }))
            const { jobId } = job.partnerParams
            for (const existing of all.values()) {
              if (existing.partnerId === job.partnerId && existing.partnerParams.jobId === jobId) {
                return Effect.fail(
                  new JobAlreadyExists({
                    detail: `partner ${JSON.stringify(job.partnerId)} already used job_id ${JSON.stringify(jobId)} ` +
                      `(Smile job ${existing.smileJobId}); send a job_id you have not used before`
                  })
                )
              }
            }
            const stored: Job = { ...job, version: 1 }
            return Effect.succeed([stored, new Map(all).set(job.smileJobId, stored)] as const)
          })
        }),
        findByJobId: Effect.fn("JobStore.findByJobId")(function*(partnerId: Ids.PartnerId, jobId: Ids.JobId) {
          return Option.fromNullable((yield* ofPartner(partnerId)).find((job) => job.partnerParams.jobId === jobId))
        }),
        findBySmileJobId: Effect.fn("JobStore.findBySmileJobId")(function*(partnerId: Ids.PartnerId, smileJobId: Ids.SmileJobId) {
          const job = (yield* SynchronizedRef.get(jobs)).get(smileJobId)
          return Option.fromNullable(job?.partnerId === partnerId ? job : undefined)
        }),
        update: Effect.fn("JobStore.update")(function*(job: Job) {
          yield* validJob(job)
          return yield* SynchronizedRef.modifyEffect(jobs, (all): Written<StaleJob | JobNotFound> => {
            const stored = all.get(job.smileJobId)
            if (stored === undefined || stored.partnerId !== job.partnerId) {
              return Effect.fail(new JobNotFound({ partnerId: job.partnerId, smileJobId: job.smileJobId }))
            }
            if (stored.version !== job.version) {
              return Effect.fail(
                new StaleJob({
                  partnerId: job.partnerId,
                  smileJobId: job.smileJobId,
                  expectedVersion: job.version,
                  actualVersion: stored.version
                })
              )
            }
            const next: Job = { ...job, version: job.version + 1 }
            return Effect.succeed([next, new Map(all).set(job.smileJobId, next)] as const)
          })
        }),
        listByUser: Effect.fn("JobStore.listByUser")(function*(partnerId: Ids.PartnerId, userId: Ids.UserId) {
          return (yield* ofPartner(partnerId))
            .filter((job) => job.partnerParams.userId === userId)
            .sort((a, b) => compare(a.timeline.createdAt, b.timeline.createdAt) || compare(a.smileJobId, b.smileJobId))
        }),
        listUnderReview: Effect.fn("JobStore.listUnderReview")(function*(partnerId: Ids.PartnerId) {
          return (yield* ofPartner(partnerId))
            .filter((job) => job.state === "UnderReview")
            .sort((a, b) =>
              compare(a.timeline.machineDecidedAt ?? 0, b.timeline.machineDecidedAt ?? 0) || compare(a.smileJobId, b.smileJobId)
            )
        }),
        listInFlight: Effect.fn("JobStore.listInFlight")(function*(partnerId: Ids.PartnerId) {
          return (yield* ofPartner(partnerId))
            .filter((job) => job.state === "Uploaded" || job.state === "Processing")
            .sort((a, b) =>
              compare(a.timeline.uploadedAt ?? 0, b.timeline.uploadedAt ?? 0) || compare(a.smileJobId, b.smileJobId)
            )
        }),
        listDecidedSince: Effect.fn("JobStore.listDecidedSince")(function*(
          partnerId: Ids.PartnerId,
          since: number,
          page?: DecidedPage
        ) {
          const after = page?.after
          const listed = (yield* ofPartner(partnerId))
            .flatMap((job) => {
              const at = latestResultAt(job)
              return at !== undefined && at >= since ? [{ job, at }] : []
            })
            .filter(({ at, job }) =>
              after === undefined ||
              compare(at, after.latestResultAt) > 0 ||
              (at === after.latestResultAt && compare(job.smileJobId, after.smileJobId) > 0)
            )
            .sort((a, b) => compare(a.at, b.at) || compare(a.job.smileJobId, b.job.smileJobId))
            .map(({ job }) => job)
          return page === undefined ? listed : listed.slice(0, page.limit)
        })
      }
    })
  )
}
