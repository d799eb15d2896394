/**
 * ReviewQueue: the provisional jobs waiting for a human reviewer, per partner.
 *
 * - {@link ReviewQueueService.enqueue} is idempotent per job: the pipeline
 *   enqueues at least once (a durable activity may run twice), and a second
 *   enqueue of a pending job returns the entry as it was first queued.
 * - {@link ReviewQueueService.settle} takes one reviewer's verdict exactly
 *   once: a second settle of the same job fails with {@link ReviewNotPending}.
 *   Turning the verdict into the 12xx result is `Decision.decideHumanReview`;
 *   writing it is `JobStore.update`.
 *
 * Partner isolation: a reviewer working for one partner neither lists nor
 * settles another partner's jobs. Time comes from `Clock`.
 *
 * Adapters: SQL (`@selfie-auth/adapter-sql`) and {@link ReviewQueue.layerMemory}.
 */
import { Clock, Context, Effect, Layer, Ref, Schema } from "effect"
import { Verdict } from "../Decision.js"
import * as Ids from "../Ids.js"
import * as JobType from "../JobType.js"
import { EpochMillis } from "../User.js"

/** A job waiting for a reviewer. */
export const PendingReview = Schema.Struct({
  partnerId: Ids.PartnerId,
  smileJobId: Ids.SmileJobId,
  jobId: Ids.JobId,
  userId: Ids.UserId,
  jobType: JobType.JobType,
  /** What the reviewer must decide (`Decision.review.reason`). */
  reason: Schema.String,
  enqueuedAt: EpochMillis
}).annotations({ identifier: "PendingReview" })
export type PendingReview = typeof PendingReview.Type

/** A settled review: the entry, the verdict, who gave it and when. */
export interface SettledReview extends PendingReview {
  readonly verdict: Verdict
  readonly reviewer: string
  readonly settledAt: number
}

/** The job is not waiting for a review of this partner (never queued, already settled, or another partner's). */
export class ReviewNotPending extends Schema.TaggedError<ReviewNotPending>()("ReviewNotPending", {
  partnerId: Schema.String,
  smileJobId: Schema.String
}) {
  override get message(): string {
    return `Job ${this.smileJobId} of partner ${JSON.stringify(this.partnerId)} is not waiting for a review; reload the queue`
  }
}

export interface ReviewQueueService {
  /** Queues a job (stamped with the current time); returns the pending entry, the first one if it was already queued. */
  readonly enqueue: (review: Omit<PendingReview, "enqueuedAt">) => Effect.Effect<PendingReview>
  /** The partner's pending reviews, longest waiting first, each with its age in milliseconds. */
  readonly pending: (
    partnerId: Ids.PartnerId
  ) => Effect.Effect<ReadonlyArray<PendingReview & { readonly ageMillis: number }>>
  /** Records a verdict and removes the job from the queue. */
  readonly settle: (input: {
    readonly partnerId: Ids.PartnerId
    readonly smileJobId: Ids.SmileJobId
    readonly verdict: Verdict
    readonly reviewer: string
  }) => Effect.Effect<SettledReview, ReviewNotPending>
}

const keyOf = (partnerId: string, smileJobId: string): string => JSON.stringify([partnerId, smileJobId])

export class ReviewQueue extends Context.Tag("@selfie-auth/core/ReviewQueue")<ReviewQueue, ReviewQueueService>() {
  static readonly layerMemory: Layer.Layer<ReviewQueue> = Layer.effect(
    ReviewQueue,
    Effect.gen(function*() {
      const queue = yield* Ref.make(new Map<string, PendingReview>())
      return {
        enqueue: Effect.fn("ReviewQueue.enqueue")(function*(review: Omit<PendingReview, "enqueuedAt">) {
          const enqueuedAt = yield* Clock.currentTimeMillis
          return yield* Ref.modify(queue, (all) => {
            const key = keyOf(review.partnerId, review.smileJobId)
            const existing = all.get(key)
            if (existing !== undefined) return [existing, all] as const
            const entry: PendingReview = { ...review, enqueuedAt }
            return [entry, new Map(all).set(key, entry)] as const
          })
        }),
        pending: Effect.fn("ReviewQueue.pending")(function*(partnerId: Ids.PartnerId) {
          const now = yield* Clock.currentTimeMillis
          return [...(yield* Ref.get(queue)).values()]
            .filter((entry) => entry.partnerId === partnerId)
            .sort((a, b) => a.enqueuedAt - b.enqueuedAt || (a.smileJobId < b.smileJobId ? -1 : 1))
            .map((entry) => ({ ...entry, ageMillis: now - entry.enqueuedAt }))
        }),
        settle: Effect.fn("ReviewQueue.settle")(function*(input: {
          readonly partnerId: Ids.PartnerId
          readonly smileJobId: Ids.SmileJobId
          readonly verdict: Verdict
          readonly reviewer: string
        }) {
          const settledAt = yield* Clock.currentTimeMillis
          const key = keyOf(input.partnerId, input.smileJobId)
          const taken = yield* Ref.modify(queue, (all) => {
            const entry = all.get(key)
            if (entry === undefined) return [undefined, all] as const
            const rest = new Map(all)
            rest.delete(key)
            return [entry, rest] as const
          })
          if (taken === undefined) return yield* new ReviewNotPending({ partnerId: input.partnerId, smileJobId: input.smileJobId })
          return { ...taken, verdict: input.verdict, reviewer: input.reviewer, settledAt } satisfies SettledReview
        })
      }
    })
  )
}
