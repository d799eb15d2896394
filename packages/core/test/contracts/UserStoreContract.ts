/**
 * The UserStore contract: what every adapter must do, run by each adapter's
 * test file with its own layer (`userStoreContract("memory", UserStore.layerMemory)`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Option, type Layer } from "effect"
import { Ids, User, UserStore } from "@selfie-auth/core"
import { newUser, uniquePartnerId } from "./fixtures.js"

const register = (user: User.User, n = 1): User.User =>
  Either.getOrThrow(
    User.transition(user, {
      _tag: "Register",
      at: 2_000 + n,
      selfie: {
        blobKey: User.selfieBlobKeyOf(user, Ids.SmileJobId.make(String(n).padStart(10, "0"))),
        jobId: Ids.JobId.make(`job-${n}`),
        smileJobId: Ids.SmileJobId.make(String(n).padStart(10, "0"))
      }
    })
  ).user

export const userStoreContract = (name: string, layer: Layer.Layer<UserStore>) =>
  describe(`UserStore contract (${name})`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, UserStore>) =>
      it.effect(title, () => Effect.provide(body, layer))

    test(
      "finds nothing for a user never saved",
      Effect.gen(function*() {
        const store = yield* UserStore
        assert.isTrue(Option.isNone(yield* store.find(uniquePartnerId(), Ids.UserId.make("nobody"))))
      })
    )

    test(
      "saves a new user at version 1 and reads back exactly what it saved, in every state",
      Effect.gen(function*() {
        const store = yield* UserStore
        const partnerId = uniquePartnerId()
        const saved = yield* store.save(register(newUser(partnerId)))
        assert.strictEqual(saved.version, 1)
        assert.deepStrictEqual(yield* store.find(partnerId, saved.userId), Option.some(saved))

        const flagged = Either.getOrThrow(User.transition(saved, { _tag: "FlagReEnrollment", at: 3_000 })).user
        const disabled = Either.getOrThrow(User.transition(flagged, { _tag: "Disable", at: 3_001 })).user
        const again = yield* store.save(disabled)
        assert.strictEqual(again.version, 2)
        assert.deepStrictEqual(yield* store.find(partnerId, saved.userId), Option.some(again))

        const deleted = Either.getOrThrow(User.transition(again, { _tag: "Delete", at: 4_000 })).user
        const gone = yield* store.save(deleted)
        assert.deepStrictEqual((yield* store.find(partnerId, saved.userId)).pipe(Option.map((u) => u.state)), Option.some(gone.state))
      })
    )

    test(
      "refuses a write from a stale read, and a second creation of the same user",
      Effect.gen(function*() {
        const store = yield* UserStore
        const partnerId = uniquePartnerId()
        const fresh = newUser(partnerId)
        const first = yield* store.save(register(fresh, 1))
        const second = yield* Effect.flip(store.save(register(fresh, 2)))
        assert.strictEqual(second._tag, "StaleUser")
        assert.strictEqual(second.expectedVersion, 0)
        assert.strictEqual(second.actualVersion, 1)
        assert.include(second.message, "re-read it")

        yield* store.save(Either.getOrThrow(User.transition(first, { _tag: "Disable", at: 5_000 })).user)
        const stale = yield* Effect.flip(store.save(Either.getOrThrow(User.transition(first, { _tag: "FlagReEnrollment", at: 5_001 })).user))
        assert.deepStrictEqual([stale.expectedVersion, stale.actualVersion], [1, 2])
        const stored = Option.getOrThrow(yield* store.find(partnerId, first.userId))
        assert.strictEqual(User.stateOf(stored), "disabled", "the stale write left no trace")
      })
    )

    test(
      "lets exactly one of many concurrent registrations of one user win",
      Effect.gen(function*() {
        const store = yield* UserStore
        const partnerId = uniquePartnerId()
        const fresh = newUser(partnerId)
        const outcomes = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => Effect.either(store.save(register(fresh, i + 1)))),
          { concurrency: "unbounded" }
        )
        const winners = outcomes.filter(Either.isRight)
        assert.strictEqual(winners.length, 1)
        const stored = Option.getOrThrow(yield* store.find(partnerId, fresh.userId))
        assert.deepStrictEqual(stored, winners[0]!.right)
      })
    )

    test(
      "keeps partners apart: the same user id under two partners is two users",
      Effect.gen(function*() {
        const store = yield* UserStore
        const [a, b] = [uniquePartnerId("a"), uniquePartnerId("b")]
        const ofA = yield* store.save(register(newUser(a, "shared")))
        assert.isTrue(Option.isNone(yield* store.find(b, ofA.userId)))
        const ofB = yield* store.save(newUser(b, "shared"))
        assert.strictEqual(ofB.version, 1, "b's user is created, not a conflict with a's")
        assert.strictEqual(User.stateOf(Option.getOrThrow(yield* store.find(a, ofA.userId))), "registered")
        assert.deepStrictEqual((yield* store.list(b)).map((u) => u.partnerId), [b])
      })
    )

    test(
      "lists a partner's users ordered by user id",
      Effect.gen(function*() {
        const store = yield* UserStore
        const partnerId = uniquePartnerId()
        for (const id of ["u-2", "U-1", "u-10", "u-1"]) yield* store.save(newUser(partnerId, id))
        yield* store.save(newUser(uniquePartnerId(), "u-0"))
        assert.deepStrictEqual((yield* store.list(partnerId)).map((u) => u.userId), ["U-1", "u-1", "u-10", "u-2"])
        assert.deepStrictEqual(yield* store.list(uniquePartnerId()), [])
      })
    )
  })
