/**
 * UserStore: the partners' users, keyed by `(partnerId, userId)`.
 *
 * Optimistic concurrency: a {@link User.User} carries the `version` it was read
 * at (0 for a user never saved). {@link UserStoreService.save} writes only if
 * the stored version still equals it, and returns the user at the next
 * version; otherwise it fails with {@link StaleUser}, and the caller re-reads
 * and re-applies its transition. Two prep uploads racing to register the same
 * user therefore cannot both win.
 *
 * Partner isolation: every method takes the partner id; one partner never
 * reads, lists or overwrites another's users.
 *
 * Adapters: `@selfie-auth/adapter-sql` (SQLite, Postgres) and the in-process
 * {@link UserStore.layerMemory}. Infrastructure failures are defects.
 */
import { Context, Effect, Layer, Option, Schema, SynchronizedRef } from "effect"
import type * as Ids from "../Ids.js"
import { User } from "../User.js"

/**
 * The user changed since it was read (or, for `version` 0, already exists):
 * re-read it and apply the transition again.
 */
export class StaleUser extends Schema.TaggedError<StaleUser>()("StaleUser", {
  partnerId: Schema.String,
  userId: Schema.String,
  expectedVersion: Schema.Number,
  /** 0 when the user is not stored at all. */
  actualVersion: Schema.Number
}) {
  override get message(): string {
    return `User ${JSON.stringify(this.userId)} of partner ${JSON.stringify(this.partnerId)} is at version ` +
      `${this.actualVersion}, not ${this.expectedVersion}; re-read it and apply the change again`
  }
}

export interface UserStoreService {
  /** The user, or `None` when the partner has no such user (read it as `User.make(...)`, not registered). */
  readonly find: (partnerId: Ids.PartnerId, userId: Ids.UserId) => Effect.Effect<Option.Option<User>>
  /**
   * Stores `user` if the stored version equals `user.version` (0: not stored
   * yet) and returns it at `version + 1`.
   */
  readonly save: (user: User) => Effect.Effect<User, StaleUser>
  /** Every user of a partner, ordered by user id (UTF-16 code units, i.e. JavaScript's `<`). */
  readonly list: (partnerId: Ids.PartnerId) => Effect.Effect<ReadonlyArray<User>>
}

const keyOf = (partnerId: string, userId: string): string => JSON.stringify([partnerId, userId])

export class UserStore extends Context.Tag("@selfie-auth/core/UserStore")<UserStore, UserStoreService>() {
  /**
   * An in-process store: a map in a `SynchronizedRef`, so `save`'s check and
   * write are one step. Like a real adapter, it refuses (as a defect) a user
   * its schema refuses.
   */
  static readonly layerMemory: Layer.Layer<UserStore> = Layer.effect(
    UserStore,
    Effect.gen(function*() {
      const users = yield* SynchronizedRef.make(new Map<string, User>())
      return {
        find: Effect.fn("UserStore.find")(function*(partnerId: Ids.PartnerId, userId: Ids.UserId) {
          const all = yield* SynchronizedRef.get(users)
          return Option.fromNullable(all.get(keyOf(partnerId, userId)))
        }),
        save: Effect.fn("UserStore.save")(function*(user: User) {
          yield* Effect.orDie(Schema.validate(User)(user))
          return yield* SynchronizedRef.modifyEffect(users, (all) => {
            const key = keyOf(user.partnerId, user.userId)
            const actualVersion = all.get(key)?.version ?? 0
            if (actualVersion !== user.version) {
              return Effect.fail(
                new StaleUser({ partnerId: user.partnerId, userId: user.userId, expectedVersion: user.version, actualVersion })
              )
            }
            const saved: User = { ...user, version: user.version + 1 }
            return Effect.succeed([saved, new Map(all).set(key, saved)] as const)
          })
        }),
        list: Effect.fn("UserStore.list")(function*(partnerId: Ids.PartnerId) {
          const all = yield* SynchronizedRef.get(users)
          return [...all.values()]
            .filter((user) => user.partnerId === partnerId)
            .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
        })
      }
    })
  )
}
