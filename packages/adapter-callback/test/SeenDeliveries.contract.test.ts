/**
 * One contract, every adapter: the memory store and the SQL store (SQLite)
 * pass the same suite.
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import { assert, describe, it } from "@effect/vitest"
import { SeenDeliveries, SeenDeliveriesSql } from "@selfie-auth/adapter-callback"
import { Effect, Layer, TestClock } from "effect"

const options = { retention: "1 hour", claimTimeout: "1 minute" } as const

const adapters = [
  ["memory", () => SeenDeliveries.layerMemory(options)],
  ["SQLite", () => SeenDeliveriesSql.layer(options).pipe(Layer.provide(SqliteClient.layer({ filename: ":memory:" })))]
] as const

for (const [name, makeLayer] of adapters) {
  describe(`SeenDeliveries (${name})`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, SeenDeliveries>) => Effect.provide(effect, makeLayer())

    it.effect("claims an id once; answers InProgress while handled and Done after", () =>
      run(Effect.gen(function*() {
        const seen = yield* SeenDeliveries
        assert.strictEqual(yield* seen.claim("dlv_a"), "Claimed")
        assert.strictEqual(yield* seen.claim("dlv_a"), "InProgress")
        assert.strictEqual(yield* seen.claim("dlv_b"), "Claimed")
        yield* seen.complete("dlv_a")
        assert.strictEqual(yield* seen.claim("dlv_a"), "Done")
      })))

    it.effect("hands exactly one of many concurrent claims the delivery", () =>
      run(Effect.gen(function*() {
        const seen = yield* SeenDeliveries
        const answers = yield* Effect.all(Array.from({ length: 20 }, () => seen.claim("dlv_race")), { concurrency: "unbounded" })
        assert.strictEqual(answers.filter((answer) => answer === "Claimed").length, 1)
        assert.strictEqual(answers.filter((answer) => answer === "InProgress").length, 19)
      })))

    it.effect("lets a released claim be claimed again (the handler failed, the sender retries)", () =>
      run(Effect.gen(function*() {
        const seen = yield* SeenDeliveries
        assert.strictEqual(yield* seen.claim("dlv_c"), "Claimed")
        yield* seen.release("dlv_c")
        assert.strictEqual(yield* seen.claim("dlv_c"), "Claimed")
        yield* seen.complete("dlv_c")
        yield* seen.release("dlv_c") // a release never undoes a completion
        assert.strictEqual(yield* seen.claim("dlv_c"), "Done")
      })))

    it.effect("takes over an abandoned claim after the claim timeout", () =>
      run(Effect.gen(function*() {
        const seen = yield* SeenDeliveries
        assert.strictEqual(yield* seen.claim("dlv_d"), "Claimed")
        yield* TestClock.adjust("59 seconds")
        assert.strictEqual(yield* seen.claim("dlv_d"), "InProgress")
        yield* TestClock.adjust("2 seconds")
        assert.strictEqual(yield* seen.claim("dlv_d"), "Claimed")
      })))

    it.effect("forgets handled ids after the retention, and purges them", () =>
      run(Effect.gen(function*() {
        const seen = yield* SeenDeliveries
        yield* seen.claim("dlv_e")
        yield* seen.complete("dlv_e")
        yield* seen.claim("dlv_f")
        yield* seen.complete("dlv_f")
        yield* TestClock.adjust("59 minutes")
        assert.strictEqual(yield* seen.claim("dlv_e"), "Done")
        assert.strictEqual(yield* seen.purgeExpired, 0)
        yield* TestClock.adjust("2 minutes")
        assert.strictEqual(yield* seen.purgeExpired, 2) // a "Done" answer does not renew the retention
        assert.strictEqual(yield* seen.claim("dlv_e"), "Claimed")
      })))
  })
}
