/**
 * The IdGenerator contract, run by each adapter with its own layer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema, type Layer } from "effect"
import { IdGenerator, Ids } from "@selfie-auth/core"

const urlSafe = /^[A-Za-z0-9_-]+$/

export const idGeneratorContract = (name: string, layer: Layer.Layer<IdGenerator>) =>
  describe(`IdGenerator contract (${name})`, () => {
    it.effect("draws Smile job ids of ten digits, distinct", () =>
      Effect.gen(function*() {
        const ids = yield* IdGenerator
        const drawn = yield* Effect.replicateEffect(ids.smileJobId, 1_000)
        for (const id of drawn) assert.isTrue(Schema.is(Ids.SmileJobId)(id), id)
        assert.strictEqual(new Set(drawn).size, drawn.length)
      }).pipe(Effect.provide(layer)))

    it.effect("draws ref ids, delivery ids and upload tokens that are distinct, non-empty and URL- and header-safe", () =>
      Effect.gen(function*() {
        const ids = yield* IdGenerator
        for (const draw of [ids.refId, ids.deliveryId, ids.uploadToken]) {
          const drawn = yield* Effect.replicateEffect(draw, 500)
          for (const id of drawn) assert.match(id, urlSafe)
          assert.strictEqual(new Set(drawn).size, drawn.length)
        }
      }).pipe(Effect.provide(layer)))
  })
