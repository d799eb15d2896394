/** Sessions expire at their absolute deadline; the sign-in throttle locks a name or an address and lets go after its window. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { Ids } from "@selfie-auth/core"
import { sameToken, Sessions } from "../../src/console/Sessions.js"

const reviewer = { username: "alice", role: "reviewer" as const, partners: [Ids.PartnerId.make("001")] }
const limits = { perUsername: 3, perAddress: 5, windowMillis: 60_000 }

describe("Sessions", () => {
  it.effect("a session lasts its lifetime and no longer; sign-out ends it", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const session = yield* sessions.create(reviewer, 60)
      assert.match(session.id, /^[A-Za-z0-9_-]{43}$/)
      assert.notStrictEqual(session.id, session.csrfToken)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual((yield* sessions.find(session.id))?.reviewer.username, "alice")
      yield* TestClock.adjust("1 second")
      assert.isUndefined(yield* sessions.find(session.id))
      const other = yield* sessions.create(reviewer, 60)
      yield* sessions.end(other.id)
      assert.isUndefined(yield* sessions.find(other.id))
    }).pipe(Effect.provide(Sessions.layerMemory(limits))))

  it.effect("locks a username after 3 failures (any case), from any address, until the first leaves the window", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      yield* sessions.recordFailure("Bob", "10.0.0.1")
      yield* TestClock.adjust("10 seconds")
      yield* sessions.recordFailure("bob", "10.0.0.2")
      assert.isUndefined(yield* sessions.locked("bob", "10.0.0.3"))
      yield* sessions.recordFailure("BOB", "10.0.0.3")
      assert.deepStrictEqual(yield* sessions.locked("bob", "10.0.0.9"), { retryAfterSeconds: 50 })
      assert.isUndefined(yield* sessions.locked("alice", "10.0.0.9"))
      yield* TestClock.adjust("50 seconds")
      assert.isUndefined(yield* sessions.locked("bob", "10.0.0.9"))
    }).pipe(Effect.provide(Sessions.layerMemory(limits))))

  it.effect("locks an address after 5 failures across names; a success clears only the name's count", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      for (const name of ["a", "b", "c", "d"]) yield* sessions.recordFailure(name, "192.0.2.7")
      assert.isUndefined(yield* sessions.locked("e", "192.0.2.7"))
      yield* sessions.recordFailure("e", "192.0.2.7")
      assert.isDefined(yield* sessions.locked("anyone", "192.0.2.7"))
      yield* sessions.recordSuccess("e")
      assert.isDefined(yield* sessions.locked("e", "192.0.2.7"))
    }).pipe(Effect.provide(Sessions.layerMemory(limits))))

  it("compares tokens in constant time and by value", () => {
    assert.isTrue(sameToken("abc", "abc"))
    assert.isFalse(sameToken("abc", "abd"))
    assert.isFalse(sameToken("abc", "abcd"))
    assert.isFalse(sameToken("", "a"))
  })
})
