/**
 * The worker pool keeps working when a worker crashes or gets stuck: the
 * worker is replaced and its image retried, up to a bound. The test-only hooks
 * make the next image a worker receives crash (process.exit) or hang (a busy loop).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { FaceEngineHuman } from "@selfie-auth/adapter-face"
import { readFace } from "@selfie-auth/test-fixtures"

const photo = readFace("obama1.jpg")

describe("the face worker pool", () => {
  it.live("replaces a crashed worker and a stuck one, and retries their images", () =>
    Effect.scoped(Effect.gen(function*() {
      const engine = yield* FaceEngineHuman.make({ workers: 1, testHooks: true, taskTimeoutMs: 5_000 })
      const before = yield* engine.analyze(photo)

      engine.sabotageWorkers("CrashOnNextTask")
      const afterCrash = yield* engine.analyze(photo)
      assert.deepStrictEqual(afterCrash.face?.descriptor, before.face?.descriptor)
      assert.include(engine.stats(), { replaced: 1, retried: 1 })

      engine.sabotageWorkers("HangOnNextTask")
      const afterHang = yield* engine.analyze(photo)
      assert.deepStrictEqual(afterHang.problems, before.problems)
      assert.include(engine.stats(), { size: 1, replaced: 2, retried: 2 })
      assert.strictEqual(engine.stats().loadMs.length, 3)
    })), 180_000)

  it.live("gives up after maxAttempts with EngineFailure, and keeps serving afterwards", () =>
    Effect.scoped(Effect.gen(function*() {
      const engine = yield* FaceEngineHuman.make({ workers: 1, testHooks: true, maxAttempts: 1 })
      engine.sabotageWorkers("CrashOnNextTask")
      const error = yield* Effect.flip(engine.analyze(photo))
      assert.strictEqual(error.reason, "EngineFailure")
      assert.match(error.detail, /exited with code 70; gave up after 1 attempts/)
      const findings = yield* engine.analyze(photo)
      assert.strictEqual(findings.faceCount, 1)
    })), 180_000)

  it.live("spreads a burst over two workers and loses nothing when one crashes mid-burst", () =>
    Effect.scoped(Effect.gen(function*() {
      const engine = yield* FaceEngineHuman.make({ workers: 2, testHooks: true })
      engine.sabotageWorkers("CrashOnNextTask")
      const results = yield* Effect.forEach(Array.from({ length: 6 }, () => photo), engine.analyze, {
        concurrency: "unbounded"
      })
      assert.strictEqual(results.length, 6)
      for (const findings of results) assert.strictEqual(findings.faceCount, 1)
      assert.include(engine.stats(), { size: 2, replaced: 2, completed: 6 })
    })), 180_000)

  it.live("refuses the test hooks unless enabled, and fails clearly once its scope has closed", () =>
    Effect.gen(function*() {
      const engine = yield* Effect.scoped(FaceEngineHuman.make({ workers: 1 }))
      assert.throws(() => engine.sabotageWorkers("CrashOnNextTask"), /testHooks: true/)
      const error = yield* Effect.flip(engine.analyze(photo))
      assert.strictEqual(error.reason, "EngineFailure")
      assert.match(error.detail, /shut down/)
    }), 180_000)
})
