/**
 * Single use of admin signatures. A v1 signature covers only the timestamp
 * and the partner id, not the body, so a signed admin request seen by someone
 * else could be replayed with another `user_id` or action while its
 * timestamp is fresh. The admin API therefore accepts each signature once,
 * within a short freshness window ({@link adminWindow}), and remembers the
 * ones it saw until they would be stale anyway.
 *
 * Kept in this process's memory: with several server processes behind a
 * load balancer, route `/admin/` to one of them (or accept that a replay
 * could reach another process within the window).
 */
import { Clock, Context, Duration, Effect, Layer, Ref } from "effect"
import type { Timestamp } from "@selfie-auth/core"

/** How fresh an admin request's timestamp must be: 5 minutes old at most, 1 minute ahead at most. */
export const adminWindow: Timestamp.FreshnessWindow = { past: Duration.minutes(5), future: Duration.minutes(1) }

export interface ReplayGuardService {
  /** `true` the first time a (partner, signature) pair is seen within the window, `false` after. */
  readonly firstUse: (partnerId: string, signature: string) => Effect.Effect<boolean>
}

export class ReplayGuard extends Context.Tag("@selfie-auth/reference-server/AdminReplayGuard")<ReplayGuard, ReplayGuardService>() {
  static readonly layerMemory: Layer.Layer<ReplayGuard> = Layer.effect(
    ReplayGuard,
    Effect.gen(function*() {
      const seen = yield* Ref.make(new Map<string, number>())
      // A signature can be fresh from `future` before now until `past` after: remember it that long.
      const keepMillis = Duration.toMillis(adminWindow.past) + Duration.toMillis(adminWindow.future)
      return {
        firstUse: Effect.fn("ReplayGuard.firstUse")(function*(partnerId: string, signature: string) {
          const now = yield* Clock.currentTimeMillis
          const key = `${partnerId}\n${signature}`
          return yield* Ref.modify(seen, (all) => {
            const live = new Map([...all].filter(([, forgetAt]) => forgetAt > now))
            if (live.has(key)) return [false, live] as const
            return [true, live.set(key, now + keepMillis)] as const
          })
        })
      }
    })
  )
}
