import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { IdGenerator } from "@selfie-auth/core"
import { idGeneratorContract } from "./contracts/IdGeneratorContract.js"

idGeneratorContract("memory", IdGenerator.layerMemory)

describe("IdGenerator.layerMemory", () => {
  it.effect("counts from 1, one counter per kind, so tests know every id", () =>
    Effect.gen(function*() {
      const ids = yield* IdGenerator
      assert.deepStrictEqual(
        [yield* ids.smileJobId, yield* ids.smileJobId, yield* ids.refId, yield* ids.deliveryId, yield* ids.uploadToken],
        ["0000000001", "0000000002", "ref-000001", "delivery-000001", "upload-token-000001"]
      )
    }).pipe(Effect.provide(IdGenerator.layerMemory)))

  it.effect("starts afresh in each layer", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* (yield* IdGenerator).smileJobId, "0000000001")
    }).pipe(Effect.provide(IdGenerator.layerMemory)))
})
