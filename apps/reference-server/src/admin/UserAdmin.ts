/**
 * The user administration both doors share: the signed admin API and the
 * console's user page. An action is `UseCases.ManageUser.manageUser` (the
 * `User.transition` stored with the store's compare-and-set, then the images
 * it released erased through `BlobStore.deletePrefix`); a user's overview is
 * their state in the product's words and their jobs, oldest first.
 *
 * | action | effect on a later authentication (job type 2) |
 * |---|---|
 * | `disable` | 2207 until `enable` |
 * | `delete` | 2208; every image of the user is erased; registering again is allowed |
 * | `flag_re_enrollment` | 2211 until re-enrolled (job type 4) or `clear_re_enrollment` |
 */
import { Effect, Option, Schema } from "effect"
import { JobStore, User, UserStore, UseCases } from "@selfie-auth/core"
import type { Ids, Job } from "@selfie-auth/core"

/** The actions, as the admin API's path and the console's buttons spell them. */
export const AdminAction = Schema.Literal("disable", "enable", "delete", "flag_re_enrollment", "clear_re_enrollment")
export type AdminAction = typeof AdminAction.Type

const useCaseAction: Record<AdminAction, UseCases.ManageUser.UserAction> = {
  disable: "disable",
  enable: "enable",
  delete: "delete",
  flag_re_enrollment: "flagReEnrollment",
  clear_re_enrollment: "clearReEnrollment"
}

/** How each action reads on a button and in a log line. */
export const actionLabel: Record<AdminAction, string> = {
  disable: "Disable",
  enable: "Enable",
  delete: "Delete (erase images)",
  flag_re_enrollment: "Flag for re-enrollment",
  clear_re_enrollment: "Clear re-enrollment flag"
}

/** Applies an action; fails with `User.IllegalUserTransition` when it does not apply to the user's state. */
export const apply = Effect.fn("UserAdmin.apply")(function*(input: {
  readonly partnerId: Ids.PartnerId
  readonly userId: Ids.UserId
  readonly action: AdminAction
  /** Who asked: a console username or `partner:<id>` for the signed API (for the log). */
  readonly actor: string
}) {
  const { user, erased } = yield* UseCases.ManageUser.manageUser({
    partnerId: input.partnerId,
    userId: input.userId,
    action: useCaseAction[input.action]
  })
  yield* Effect.logInfo(`user ${input.action}`).pipe(
    Effect.annotateLogs({ partnerId: input.partnerId, userId: input.userId, actor: input.actor, imagesErased: erased })
  )
  return { state: User.stateOf(user), imagesErased: erased }
})

/** The actions that apply to a user in this state (what the console offers). */
export const actionsFor = (state: User.StateName, user: Option.Option<User.User>): ReadonlyArray<AdminAction> => {
  const registered = Option.match(user, {
    onNone: () => undefined,
    onSome: (found) => (found.state._tag === "Registered" ? found.state : undefined)
  })
  if (registered === undefined || state === "deleted" || state === "not_registered") return []
  return [
    registered.disabled ? "enable" : "disable",
    registered.reEnrollmentRequired ? "clear_re_enrollment" : "flag_re_enrollment",
    "delete"
  ]
}

/** A user's state and jobs. An unknown user reads as `not_registered` with no jobs. */
export const overview = Effect.fn("UserAdmin.overview")(function*(partnerId: Ids.PartnerId, userId: Ids.UserId) {
  const users = yield* UserStore
  const jobs = yield* JobStore
  const user = yield* users.find(partnerId, userId)
  const state = Option.match(user, { onNone: () => "not_registered" as const, onSome: User.stateOf })
  const list: ReadonlyArray<Job.Job> = yield* jobs.listByUser(partnerId, userId)
  return { user, state, jobs: list, actions: actionsFor(state, user) }
})
