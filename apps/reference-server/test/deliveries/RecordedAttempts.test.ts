/**
 * The live pipeline steps record callback attempts the way at-least-once
 * activities need: a step that runs twice (a crash between the work and the
 * journal) leaves one record per attempt number and one failure per delivery.
 */
import { assert, describe, it } from "@effect/vitest"
import { SignerNode } from "@selfie-auth/adapter-signing"
import {
  BlobStore,
  CallbackSender,
  Decision,
  DeliveryLog,
  FaceEngine,
  Ids,
  Job,
  JobStore,
  ReviewQueue,
  UserStore,
  ZipCodec
} from "@selfie-auth/core"
import type { Findings } from "@selfie-auth/core"
import { Effect, Layer, Option, Redacted } from "effect"
import { deliveryIdOf, PipelineSteps, PipelineStepsLive } from "../../src/pipeline/index.js"

const partnerId = Ids.PartnerId.make("001")
const smileJobId = Ids.SmileJobId.make("0000004242")
const key = { partnerId, smileJobId }
const callbackUrl = "https://partner.example/smile/callback"

const face: Findings.ImageFindings = {
  width: 640,
  height: 480,
  faceCount: 1,
  face: { box: { x: 100, y: 100, width: 200, height: 240 }, score: 0.97, pose: { yaw: 2, pitch: 1, roll: 0 }, descriptor: [0.1] },
  brightness: 0.5,
  sharpness: 200,
  problems: []
}

const findings: Findings.JobFindings = {
  selfie: face,
  liveness: { framesProvided: 8, framesUsable: 8, framesMatchingSelfie: 8, poseRange: { yaw: 25, pitch: 12 } },
  spoofSuspicion: "none",
  comparison: { distance: 0.3, confidence: 93 }
}
const decision = Decision.decide({ jobType: 2, findings, thresholds: Decision.defaultThresholds })
const stored = { stage: "machine" as const, result: Job.resultOf(decision, 5_000), deliveryId: deliveryIdOf(key, "machine") }

/** The ports the live steps need, over memory, with a partner endpoint answering 503. */
const ports = Layer.mergeAll(
  JobStore.layerMemory,
  UserStore.layerMemory,
  BlobStore.layerMemory,
  ZipCodec.layerMemory(),
  FaceEngine.layerMemory({ images: new Map(), job: () => findings }),
  ReviewQueue.layerMemory,
  CallbackSender.layerMemory({ respond: () => 503 }),
  SignerNode.layer
)

const liveSteps = PipelineStepsLive.layer({
  thresholds: Decision.defaultThresholds,
  apiKeyOf: () => Effect.succeed(Option.some(Redacted.make("test-api-key")))
})

const withJob = Effect.flatMap(JobStore, (jobs) =>
  jobs.insert(Job.make({
    partnerId,
    smileJobId,
    partnerParams: { userId: Ids.UserId.make("user-1"), jobId: Ids.JobId.make("job-1"), jobType: 2, extras: {} },
    callbackUrl,
    at: 1_000
  })))

describe("PipelineStepsLive records callback attempts once", () => {
  it.effect("an attempt step that runs twice leaves one record of that attempt; a failure recorded twice stays the first", () =>
    Effect.gen(function*() {
      yield* withJob
      const live = yield* PipelineSteps
      const log = yield* DeliveryLog
      assert.strictEqual((yield* live.deliverCallback(key, stored, 1))._tag, "Retry")
      assert.strictEqual((yield* live.deliverCallback(key, stored, 1))._tag, "Retry")
      assert.strictEqual((yield* live.deliverCallback(key, stored, 2))._tag, "Retry")
      yield* live.recordDeliveryFailure(key, stored, "exhausted", "the partner's endpoint answered 503")
      yield* live.recordDeliveryFailure(key, stored, "stopped", "a re-run with another story")

      const [delivery] = yield* log.deliveriesOf(partnerId, smileJobId)
      assert.deepStrictEqual(
        delivery?.attempts.map((attempt) => [attempt.deliveryId, attempt.attempt, attempt.trigger, attempt.outcome, attempt.status, attempt.url]),
        [
          [stored.deliveryId, 1, "schedule", "rejected", 503, callbackUrl],
          [stored.deliveryId, 2, "schedule", "rejected", 503, callbackUrl]
        ]
      )
      assert.include(delivery?.attempts[0]?.error ?? "", "answered 503")
      assert.deepStrictEqual(
        delivery?.failure && [delivery.failure.reason, delivery.failure.detail, delivery.failure.attempts],
        ["exhausted", "the partner's endpoint answered 503", 2]
      )
    }).pipe(Effect.provide(liveSteps.pipe(Layer.provideMerge(Layer.merge(ports, DeliveryLog.layerMemory))))))

  it.effect("without a DeliveryLog the steps still deliver (only logging), for compositions not yet wired", () =>
    Effect.gen(function*() {
      yield* withJob
      const live = yield* PipelineSteps
      assert.strictEqual((yield* live.deliverCallback(key, stored, 1))._tag, "Retry")
      yield* live.recordDeliveryFailure(key, stored, "exhausted", "HTTP 503")
      assert.isTrue(Option.isNone(yield* Effect.serviceOption(DeliveryLog)))
    }).pipe(Effect.provide(liveSteps.pipe(Layer.provideMerge(ports)))))
})
