/**
 * SeenDeliveries: which callback deliveries a partner has already handled,
 * so a handler runs once per delivery id although the sender delivers at
 * least once (retries after a lost answer, a workflow activity run twice)
 * and an attacker may replay a captured delivery.
 *
 * A delivery id goes through two states:
 *
 * ```
 *   (unseen) --claim--> in progress --complete--> done --(retention ends)--> (unseen)
 *                            |
 *                            +--release (handler failed)--> (unseen)
 *                            +--(claim timeout: the handler's process died)--> may be claimed again
 * ```
 *
 * `claim` is atomic: of two concurrent claims of one id exactly one gets
 * `Claimed`. The other gets `InProgress` (answer "retry later") or `Done`
 * (answer 2xx without running the handler).
 *
 * Retention must outlast the sender's retries: a delivery whose 2xx answer
 * was lost is retried for up to about 27.6 hours by this project's server
 * (`RetrySchedule.standard`), so the default keeps ids for 3 days.
 *
 * Adapters: {@link SeenDeliveries.layerMemory} (one process) and `SeenDeliveriesSql.layer`
 * (`@effect/sql`, shared by every process of the partner).
 */
import { Clock, Context, Duration, Effect, Layer } from "effect"

/** The answer of a claim. */
export type ClaimResult =
  /** This caller now owns the delivery: run the handler, then `complete` or `release`. */
  | "Claimed"
  /** Another caller is handling it right now. */
  | "InProgress"
  /** It was handled already. */
  | "Done"

export interface SeenDeliveriesService {
  /** Claims a delivery id for handling, atomically. */
  readonly claim: (deliveryId: string) => Effect.Effect<ClaimResult>
  /** Marks a claimed delivery handled; claims of it answer `Done` until the retention ends. */
  readonly complete: (deliveryId: string) => Effect.Effect<void>
  /** Gives up a claim after the handler failed, so the sender's next attempt runs the handler again. */
  readonly release: (deliveryId: string) => Effect.Effect<void>
  /** Forgets ids past their retention (and abandoned claims); returns how many. Schedule it now and then. */
  readonly purgeExpired: Effect.Effect<number>
}


export interface SeenDeliveriesOptions {
  /** How long a handled id is remembered; 3 days by default. */
  readonly retention?: Duration.DurationInput
  /** After how long an unfinished claim (a handler whose process died) may be claimed again; 10 minutes by default. */
  readonly claimTimeout?: Duration.DurationInput
}

export const defaultRetention: Duration.Duration = Duration.days(3)
export const defaultClaimTimeout: Duration.Duration = Duration.minutes(10)

/** The two limits in milliseconds. */
export const limitsOf = (options: SeenDeliveriesOptions) => ({
  retentionMillis: Duration.toMillis(options.retention ?? defaultRetention),
  claimTimeoutMillis: Duration.toMillis(options.claimTimeout ?? defaultClaimTimeout)
})

interface Entry {
  readonly state: "in_progress" | "done"
  /** When the entry got its state, epoch milliseconds. */
  readonly since: number
}

/** See {@link SeenDeliveries.makeMemory}. */
const makeMemory = (options: SeenDeliveriesOptions = {}): Effect.Effect<SeenDeliveriesService> =>
  Effect.sync(() => {
    const { claimTimeoutMillis, retentionMillis } = limitsOf(options)
    const entries = new Map<string, Entry>()
    let lastSweep = Number.NEGATIVE_INFINITY

    const isExpired = (entry: Entry, now: number): boolean =>
      entry.state === "done" ? now - entry.since > retentionMillis : now - entry.since > claimTimeoutMillis

    const sweep = (now: number): number => {
      let removed = 0
      for (const [id, entry] of entries) {
        if (isExpired(entry, now)) {
          entries.delete(id)
          removed++
        }
      }
      lastSweep = now
      return removed
    }

    return {
      claim: (deliveryId) =>
        Effect.map(Clock.currentTimeMillis, (now): ClaimResult => {
          if (now - lastSweep > 60_000) sweep(now)
          const entry = entries.get(deliveryId)
          if (entry !== undefined && !isExpired(entry, now)) return entry.state === "done" ? "Done" : "InProgress"
          entries.set(deliveryId, { state: "in_progress", since: now })
          return "Claimed"
        }),
      complete: (deliveryId) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          entries.set(deliveryId, { state: "done", since: now })
        }),
      release: (deliveryId) =>
        Effect.sync(() => {
          if (entries.get(deliveryId)?.state === "in_progress") entries.delete(deliveryId)
        }),
      purgeExpired: Effect.map(Clock.currentTimeMillis, sweep)
    }
  })

export class SeenDeliveries extends Context.Tag("@selfie-auth/adapter-callback/SeenDeliveries")<
  SeenDeliveries,
  SeenDeliveriesService
>() {
  /**
   * An in-memory store for one process. Claims are atomic because the check
   * and the write happen in one synchronous step. Entries are forgotten after
   * the retention (swept lazily on claims, at most once a minute).
   */
  static makeMemory(options: SeenDeliveriesOptions = {}): Effect.Effect<SeenDeliveriesService> {
    return makeMemory(options)
  }

  /** {@link SeenDeliveries.makeMemory} as a layer. */
  static layerMemory(options: SeenDeliveriesOptions = {}): Layer.Layer<SeenDeliveries> {
    return Layer.effect(SeenDeliveries, makeMemory(options))
  }
}
