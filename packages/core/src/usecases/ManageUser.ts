/**
 * The partner's (or operator's) actions on a user: disable and enable (2207),
 * flag and clear re-enrollment (2211), erase the photo on file (2216) and
 * delete (2208). Each is a `User.transition` stored with the `UserStore`'s
 * compare-and-set (re-read and re-applied when another writer got there
 * first), and then the blobs the transition released are erased: never
 * before the new state is stored, so a failed save cannot lose a selfie that
 * is still on file. Erasure is idempotent and runs at least once.
 */
import { Clock, Effect, Either, Option, Schedule } from "effect"
import type * as Ids from "../Ids.js"
import { BlobKey, BlobPrefix, BlobStore } from "../ports/BlobStore.js"
import { UserStore } from "../ports/UserStore.js"
import * as User from "../User.js"

/** What can be done to a user from outside a job. */
export type UserAction = "disable" | "enable" | "flagReEnrollment" | "clearReEnrollment" | "erasePhoto" | "delete"

const eventOf = (action: UserAction, at: number): User.UserEvent => {
  switch (action) {
    case "disable":
      return { _tag: "Disable", at }
    case "enable":
      return { _tag: "Enable", at }
    case "flagReEnrollment":
      return { _tag: "FlagReEnrollment", at }
    case "clearReEnrollment":
      return { _tag: "ClearReEnrollment", at }
    case "erasePhoto":
      return { _tag: "ErasePhoto", at }
    case "delete":
      return { _tag: "Delete", at }
  }
}

export interface ManageUserInput {
  readonly partnerId: Ids.PartnerId
  readonly userId: Ids.UserId
  readonly action: UserAction
}

/**
 * Applies an action to a user and erases what it released. Fails with
 * `User.IllegalUserTransition` when the action does not apply (an unknown
 * user reads as not registered). Answers the stored user and how many blobs
 * were erased.
 */
export const manageUser = Effect.fn("UseCases.manageUser")(function*(input: ManageUserInput) {
  const users = yield* UserStore
  const blobs = yield* BlobStore
  const saveOnce = Effect.gen(function*() {
    const at = yield* Clock.currentTimeMillis
    const current = Option.getOrElse(
      yield* users.find(input.partnerId, input.userId),
      () => User.make({ partnerId: input.partnerId, userId: input.userId, at })
    )
    const next = User.transition(current, eventOf(input.action, at))
    if (Either.isLeft(next)) return yield* next.left
    const user = yield* users.save(next.right.user)
    return { user, erase: next.right.erase }
  })
  const { erase, user } = yield* saveOnce.pipe(
    Effect.retry({ while: (error) => error._tag === "StaleUser", schedule: Schedule.recurs(5) }),
    Effect.catchTag("StaleUser", (stale) => Effect.die(stale))
  )
  let erased = 0
  for (const key of erase.keys) {
    yield* blobs.delete(BlobKey.make(key))
    erased += 1
  }
  for (const prefix of erase.prefixes) {
    erased += yield* blobs.deletePrefix(BlobPrefix.make(prefix))
  }
  return { user, erased }
})
