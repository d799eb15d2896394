/**
 * The review console and the admin API as one layer for the server to mount:
 * the console's routes ({@link ConsoleRoutes.routes}) and the signed admin
 * routes (`AdminRoutes.routes`), with the console's settings, its in-memory
 * sessions and the admin API's replay guard.
 *
 * Still required from the server's composition: the stores (`JobStore`,
 * `UserStore`, `BlobStore`), `ZipCodec`, `ReviewQueue` (the same one the
 * pipeline enqueues into), {@link ReviewAudit}, `JobPipeline`, `Partners` and
 * a `Signer`.
 *
 * @example
 * // Http.ts, next to the upload route:
 * Layer.provide(ReviewConsole.layer({ reviewers, sessionTtlSeconds: 28800, secure: true }))
 */
import { Layer } from "effect"
import * as AdminRoutes from "../admin/AdminRoutes.js"
import { ReplayGuard } from "../admin/ReplayGuard.js"
import type { Reviewer } from "./ConsoleConfig.js"
import { ConsoleSettings } from "./ConsoleConfig.js"
import * as ConsoleRoutes from "./ConsoleRoutes.js"
import * as Password from "./Password.js"
import { Sessions } from "./Sessions.js"
import type { ThrottleLimits } from "./Sessions.js"

export interface ReviewConsoleOptions {
  readonly reviewers: ReadonlyArray<Reviewer>
  readonly sessionTtlSeconds: number
  /** Whether clients reach the server over HTTPS (the public URL's scheme). */
  readonly secure: boolean
  /** Sign-in throttling; `Sessions.defaultThrottle` when absent. */
  readonly throttle?: ThrottleLimits | undefined
}

/** The console and admin routes, ready to be provided to `Http.layer`. */
export const layer = (options: ReviewConsoleOptions) =>
  Layer.mergeAll(ConsoleRoutes.routes, AdminRoutes.routes).pipe(
    Layer.provide(Layer.succeed(ConsoleSettings, {
      reviewers: options.reviewers,
      sessionTtlSeconds: options.sessionTtlSeconds,
      secure: options.secure,
      unknownReviewerHash: Password.dummyLike(options.reviewers.map((reviewer) => reviewer.passwordHash))
    })),
    Layer.provide(Sessions.layerMemory(options.throttle)),
    Layer.provide(ReplayGuard.layerMemory)
  )
