/**
 * The pipeline over the real steps (`PipelineStepsLive`) and the core ports'
 * memory layers, with the workflow journal in SQLite: a job goes from its
 * uploaded zip to a stored, signed and delivered result; a registration puts
 * the selfie on file; a provisional job goes through the review queue; a
 * broken zip ends in a 0001 result.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  BlobKey,
  BlobStore,
  CallbackSender,
  Decision,
  FaceEngine,
  Ids,
  Job,
  JobStore,
  ReviewQueue,
  User,
  UserStore,
  UseCases,
  ZipCodec
} from "@selfie-auth/core"
import type { AnalyzeJobInput, CallbackSenderMemory, Findings } from "@selfie-auth/core"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { JobPipeline, JobPipelineWorkflow, PipelineStepsLive } from "../../src/pipeline/index.js"
import type { PipelineData, PipelineStatus } from "../../src/pipeline/index.js"

const partnerId = Ids.PartnerId.make("001")
const apiKey = Redacted.make("test-api-key")
const userId = Ids.UserId.make("user-001")
const callbackUrl = "https://partner.example/callback"
const bytes = (text: string) => new TextEncoder().encode(text)

const goodFace: Findings.ImageFindings = {
  width: 640,
  height: 480,
  faceCount: 1,
  face: { box: { x: 100, y: 100, width: 200, height: 240 }, score: 0.97, pose: { yaw: 2, pitch: 1, roll: 0 }, descriptor: [0.1, 0.2] },
  brightness: 0.5,
  sharpness: 200,
  problems: []
}

/** The engine's answer: the selfie's first bytes say what it is (`SPOOF...` raises a weak suspicion). */
/** What the engine was asked to analyse, newest last. */
const engineInputs: Array<AnalyzeJobInput> = []

const engine = FaceEngine.layerMemory({
  images: new Map(),
  job: (input) => {
    engineInputs.push(input)
    return {
      selfie: goodFace,
      liveness: { framesProvided: 8, framesUsable: 8, framesMatchingSelfie: 8, poseRange: { yaw: 25, pitch: 12 } },
      spoofSuspicion: new TextDecoder().decode(input.selfie.subarray(0, 5)) === "SPOOF" ? "weak" : "none",
      ...(input.registeredSelfie === undefined ? {} : { comparison: { distance: 0.3, confidence: 93 } })
    }
  }
})

const infoJson = (jobType: 2 | 4, jobId: string) =>
  bytes(JSON.stringify({
    package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: "javascript" },
    misc_information: {
      retry: "false",
      partner_params: { user_id: userId, job_id: jobId, job_type: jobType },
      timestamp: "2026-11-25T21:46:10.121Z",
      file_name: "selfie.zip",
      smile_client_id: partnerId,
      callback_url: callbackUrl
    },
    images: [
      { image_type_id: 0, image: "", file_name: "selfie.jpg" },
      { image_type_id: 4, image: "", file_name: "frame-1.jpg" },
      { image_type_id: 6, image: Buffer.from("frame two").toString("base64"), file_name: "" }
    ]
  }))

let nextJob = 0
/** Creates an uploaded job whose zip holds `selfie` (or the zip given). */
const uploadedJob = (jobType: 2 | 4, options: { readonly selfie?: string; readonly zip?: Uint8Array } = {}) =>
  Effect.gen(function*() {
    const jobs = yield* JobStore
    const blobs = yield* BlobStore
    const codec = yield* ZipCodec
    const jobId = `job-${process.pid}-${nextJob++}`
    const job = Job.make({
      partnerId,
      smileJobId: Ids.SmileJobId.make(String(1_000_000_000 + nextJob)),
      partnerParams: { userId, jobId: Ids.JobId.make(jobId), jobType, extras: { branch: "lagos" } },
      callbackUrl,
      at: 1
    })
    const inserted = yield* jobs.insert(job)
    const zip = options.zip ?? (yield* codec.pack([
      { name: "info.json", bytes: infoJson(jobType, jobId) },
      { name: "selfie.jpg", bytes: bytes(options.selfie ?? "a selfie") },
      { name: "frame-1.jpg", bytes: bytes("frame one") }
    ]))
    yield* blobs.put(UseCases.AcceptUpload.uploadBlobKeyOf(job), zip)
    yield* jobs.update(Either.getOrThrow(Job.transition(inserted, { _tag: "UploadAccepted", at: 2 })))
    return { partnerId, smileJobId: job.smileJobId } satisfies PipelineData.JobKey
  })

/** Puts a selfie on file for the user, as an approved registration does. */
const registeredUser = Effect.gen(function*() {
  const users = yield* UserStore
  const blobs = yield* BlobStore
  const smileJobId = Ids.SmileJobId.make("0999999999")
  const blobKey = User.selfieBlobKeyOf({ partnerId, userId }, smileJobId)
  yield* blobs.put(BlobKey.make(blobKey), bytes("registered selfie"))
  const user = User.make({ partnerId, userId, at: 0 })
  const registered = Either.getOrThrow(
    User.transition(user, { _tag: "Register", at: 0, selfie: { blobKey, jobId: Ids.JobId.make("job-0"), smileJobId } })
  )
  yield* users.save(registered.user)
})

const settled = (job: PipelineData.JobKey, tags: ReadonlyArray<PipelineStatus["_tag"]> = ["Finished", "Failed"]) =>
  Effect.gen(function*() {
    const pipeline = yield* JobPipeline
    for (;;) {
      const status = yield* pipeline.status(job)
      if (tags.includes(status._tag)) return status
      yield* Effect.sleep("20 millis")
    }
  }).pipe(Effect.timeout("10 seconds"))

const storedJob = (job: PipelineData.JobKey) =>
  Effect.flatMap(JobStore, (jobs) => jobs.findBySmileJobId(job.partnerId, job.smileJobId)).pipe(Effect.map(Option.getOrThrow))

/**
 * The memory JobStore, with a look at the users each time a job is written:
 * what a partner polling job_status at that moment would find.
 */
const observedJobStore = (
  onWrite: (written: ReadonlyArray<string>, registered: boolean) => void
): Layer.Layer<JobStore, never, UserStore> =>
  Layer.effect(
    JobStore,
    Effect.gen(function*() {
      const inner = yield* JobStore
      const users = yield* UserStore
      return {
        ...inner,
        update: (job) =>
          Effect.gen(function*() {
            const user = yield* users.find(partnerId, userId)
            onWrite(job.results.map((result) => result.resultCode), Option.exists(user, (u) => u.state._tag === "Registered"))
            return yield* inner.update(job)
          })
      }
    })
  ).pipe(Layer.provide(JobStore.layerMemory))

const run = <A, E>(
  body: (callbacks: CallbackSenderMemory) => Effect.Effect<A, E, any>,
  jobStore: Layer.Layer<JobStore, never, UserStore> = JobStore.layerMemory
) =>
  Effect.gen(function*() {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-live-steps-"))
    const callbacks = yield* CallbackSender.makeMemory()
    const ports = Layer.mergeAll(
      jobStore.pipe(Layer.provideMerge(UserStore.layerMemory)),
      BlobStore.layerMemory,
      ZipCodec.layerMemory(),
      engine,
      ReviewQueue.layerMemory,
      Layer.succeed(CallbackSender, callbacks),
      SignerNode.layer
    )
    const pipeline = JobPipelineWorkflow.layer({
      storage: { _tag: "Sqlite", dataDirectory: folder },
      timing: { callbackRetryDelays: ["100 millis"], stepRetryDelays: ["100 millis"], inMemoryThreshold: Duration.zero }
    }).pipe(
      Layer.provide(
        PipelineStepsLive.layer({
          thresholds: Decision.defaultThresholds,
          apiKeyOf: (id) => Effect.succeed(id === partnerId ? Option.some(apiKey) : Option.none())
        })
      ),
      Layer.provideMerge(ports)
    )
    return yield* (body(callbacks) as Effect.Effect<A, E, never>).pipe(
      Effect.provide(pipeline),
      Effect.ensuring(Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true })))
    )
  })

describe("the pipeline over the core ports", () => {
  it.live("authenticates a registered user: Completed 0820, a signed callback with the partner's params", () =>
    run((callbacks) =>
      Effect.gen(function*() {
        yield* registeredUser
        const job = yield* uploadedJob(2)
        yield* (yield* JobPipeline).start(job)
        const status = yield* settled(job)
        assert.strictEqual(status._tag, "Finished")
        const stored = yield* storedJob(job)
        assert.strictEqual(stored.state, "Completed")
        assert.strictEqual(stored.results[0]?.resultCode, "0820")
        // The engine saw the zip's selfie and both liveness frames (a file and info.json's base64), and the selfie on file.
        const seen = engineInputs[engineInputs.length - 1]
        const text = (image: Uint8Array | undefined) => new TextDecoder().decode(image)
        assert.deepStrictEqual(
          [text(seen?.selfie), ...(seen?.livenessFrames ?? []).map(text), text(seen?.registeredSelfie)],
          ["a selfie", "frame one", "frame two", "registered selfie"]
        )

        const [delivery] = yield* callbacks.received
        assert.strictEqual(delivery?.request.deliveryId, `sa_${job.smileJobId}_machine`)
        const body = delivery?.request.body as Record<string, unknown> & { PartnerParams: Record<string, unknown> }
        assert.strictEqual(body["ResultCode"], "0820")
        assert.strictEqual(body["SmileJobID"], job.smileJobId)
        assert.deepStrictEqual(body["PartnerParams"], { user_id: "user-001", job_id: stored.partnerParams.jobId, job_type: 2, branch: "lagos" })
        assert.strictEqual(body["IsFinalResult"], "true")
        // What the official SDKs check (WIRE.md): base64 HMAC-SHA256(api key, timestamp + partner id + "sid_request").
        const expected = crypto
          .createHmac("sha256", Redacted.value(apiKey))
          .update(`${String(body["timestamp"])}${partnerId}sid_request`)
          .digest("base64")
        assert.strictEqual(body["signature"], expected)
      })
    ), 30_000)

  it.live("an approved registration puts the selfie on file", () =>
    run(() =>
      Effect.gen(function*() {
        const job = yield* uploadedJob(4, { selfie: "the new selfie" })
        yield* (yield* JobPipeline).start(job)
        assert.strictEqual((yield* settled(job))._tag, "Finished")
        const stored = yield* storedJob(job)
        assert.strictEqual(stored.results[0]?.resultCode, "0840")
        const user = Option.getOrThrow(yield* Effect.flatMap(UserStore, (users) => users.find(partnerId, userId)))
        assert.strictEqual(user.state._tag, "Registered")
        if (user.state._tag !== "Registered" || user.state.selfie === undefined) return assert.fail("no selfie on file")
        assert.strictEqual(user.state.selfie.smileJobId, job.smileJobId)
        const selfieKey = BlobKey.make(user.state.selfie.blobKey)
        const onFile = yield* Effect.flatMap(BlobStore, (blobs) => blobs.get(selfieKey))
        assert.strictEqual(new TextDecoder().decode(onFile), "the new selfie")
      })
    ), 30_000)

  it.live("a registration's 0840 is written only once the selfie is on file, so an authentication right after it is admitted", () => {
    const writes: Array<{ readonly codes: ReadonlyArray<string>; readonly registered: boolean }> = []
    return run(
      () =>
        Effect.gen(function*() {
          const job = yield* uploadedJob(4, { selfie: "the new selfie" })
          yield* (yield* JobPipeline).start(job)
          assert.strictEqual((yield* settled(job))._tag, "Finished")
          const firstWithResult = writes.find((write) => write.codes.includes("0840"))
          assert.isDefined(firstWithResult, "the 0840 result was never written")
          assert.isTrue(firstWithResult!.registered, "0840 was visible before the user was registered")
        }),
      observedJobStore((codes, registered) => writes.push({ codes, registered }))
    )
  }, 30_000)

  it.live("a provisional authentication goes through the review queue to the reviewer's 1220", () =>
    run((callbacks) =>
      Effect.gen(function*() {
        yield* registeredUser
        const job = yield* uploadedJob(2, { selfie: "SPOOF? maybe" })
        const pipeline = yield* JobPipeline
        yield* pipeline.start(job)
        assert.strictEqual((yield* settled(job, ["Waiting"]))._tag, "Waiting")
        assert.strictEqual((yield* storedJob(job)).state, "UnderReview")
        const queue = yield* Effect.flatMap(ReviewQueue, (reviews) => reviews.pending(partnerId))
        assert.deepStrictEqual(queue.map((entry) => entry.smileJobId), [job.smileJobId])

        const refused = yield* Effect.flip(pipeline.completeReview(job, { verdict: "different_person", reviewer: "eve" }))
        assert.strictEqual(refused._tag, "ReviewRefused")
        assert.include(refused.message, "\"same_person\"")
        yield* pipeline.completeReview(job, { verdict: "same_person", reviewer: "alice" })
        const status = yield* settled(job)
        assert.strictEqual(status._tag, "Finished")

        const stored = yield* storedJob(job)
        assert.strictEqual(stored.state, "Completed")
        assert.deepStrictEqual(stored.results.map((result) => result.resultCode), ["0824", "1220"])
        assert.deepStrictEqual(yield* Effect.flatMap(ReviewQueue, (reviews) => reviews.pending(partnerId)), [])
        const received = yield* callbacks.received
        assert.deepStrictEqual(
          received.map(({ request }) => [request.deliveryId, (request.body as { ResultCode: string }).ResultCode]),
          [[`sa_${job.smileJobId}_machine`, "0824"], [`sa_${job.smileJobId}_review`, "1220"]]
        )
      })
    ), 30_000)

  it.live("a zip that is not a zip ends the job Failed with 0001 and says why", () =>
    run((callbacks) =>
      Effect.gen(function*() {
        const job = yield* uploadedJob(2, { zip: bytes("certainly not a zip") })
        yield* (yield* JobPipeline).start(job)
        assert.strictEqual((yield* settled(job))._tag, "Finished")
        const stored = yield* storedJob(job)
        assert.strictEqual(stored.state, "Failed")
        assert.strictEqual(stored.results[0]?.resultCode, "0001")
        assert.strictEqual(stored.results[0]?.resultText, "Data Invalid - Unable to extract zip file")
        assert.include(stored.results[0]?.explanation ?? "", "container")
        assert.strictEqual((yield* callbacks.received).length, 1)
      })
    ), 30_000)
})
