/**
 * {@link PipelineSteps} on the core ports: the job's zip from the `BlobStore`,
 * `ZipCodec`, info.json through the wire schemas, `FaceEngine`, the decision
 * policy, the `JobStore` lifecycle, the `UserStore` for registrations, the
 * `ReviewQueue`, and signed callbacks through the `CallbackSender`.
 *
 * The job's images are never copied out of its stored zip: `prepare` checks
 * the zip and info.json and answers where each image is, and `analyze` (and
 * an approved registration's `applyResult`) read them from the zip again.
 * Re-reading a zip of a few hundred kilobytes costs about a millisecond;
 * writing each image as a blob of its own cost two `fsync`s each.
 *
 * Each step is written to be run again after a crash:
 * - `prepare` and `analyze` only read (besides the job's move to `Processing`);
 * - the job moves through `Job.transition` with the `JobStore`'s
 *   compare-and-set, and a step that finds the job already past its
 *   transition reads what is stored instead of writing again;
 * - a registration puts its selfie on file once (a user already holding this
 *   job's selfie is left alone);
 * - the review queue's enqueue is idempotent, and a settle that finds the job
 *   already settled is done;
 * - each callback attempt is recorded in the `DeliveryLog` under its delivery
 *   id and the workflow's attempt number, and a delivery's failure once per
 *   delivery (both first-record-wins), so a re-run records nothing twice.
 *
 * The `DeliveryLog` is optional for now: without one (a composition not yet
 * wired for it) a warning says so when the layer is built, and attempts and
 * failures are only logged.
 *
 * Storage and engine failures are defects at the adapters' edge; here they
 * fail the step, and the workflow retries it on its durable clock.
 */
import { Clock, Effect, Either, Encoding, Layer, Option } from "effect"
import type { Redacted } from "effect"
import {
  BlobKey,
  BlobStore,
  CallbackSender,
  Decision,
  DeliveryLog,
  FaceEngine,
  isRetryable,
  Job,
  JobStore,
  ResultCode,
  ReviewQueue,
  User,
  UserStore,
  UseCases,
  Wire,
  ZipCodec
} from "@selfie-auth/core"
import type { Ids, Signer, ZipError } from "@selfie-auth/core"
import * as ResultDelivery from "../deliveries/ResultDelivery.js"
import { ReviewRefused } from "./JobPipeline.js"
import type { HumanReview, ImageSource, JobKey, MachineOutcome, ResolvedImages, StoredResult } from "./PipelineData.js"
import { deliveryIdOf, JobRejected, PipelineSteps, StepFailed } from "./PipelineSteps.js"

export interface PipelineStepsLiveOptions {
  /** The decision policy's thresholds (`Decision.makeThresholds`). */
  readonly thresholds: Decision.Thresholds
  /**
   * The partner's API key, to sign its callbacks; `None` for a partner no
   * longer configured (its callbacks stop, recorded as such).
   */
  readonly apiKeyOf: (partnerId: Ids.PartnerId) => Effect.Effect<Option.Option<Redacted.Redacted<string>>>
}

/** `0001` texts for a zip that cannot be used: no info.json is invalid data, anything else is an unreadable zip. */
const zipFailure = (error: ZipError) =>
  new JobRejected({
    failure: {
      resultText: error.reason === "MissingInfoJson" ? "Data Invalid" : "Data Invalid - Unable to extract zip file",
      explanation: error.detail
    }
  })

const dataInvalid = (explanation: string) => new JobRejected({ failure: { resultText: "Data Invalid", explanation } })


const make = (options: PipelineStepsLiveOptions) =>
  Effect.gen(function*() {
    const jobs = yield* JobStore
    const users = yield* UserStore
    const blobs = yield* BlobStore
    const zips = yield* ZipCodec
    const engine = yield* FaceEngine
    const reviews = yield* ReviewQueue
    const callbacks = yield* CallbackSender
    const signer = yield* Effect.context<Signer>()
    const deliveryLog = yield* Effect.serviceOption(DeliveryLog)
    if (Option.isNone(deliveryLog)) {
      yield* Effect.logWarning(
        "PipelineStepsLive: no DeliveryLog is provided, so callback attempts and failed deliveries are only logged, " +
          "not recorded, and cannot be listed or replayed; provide DeliveryLogSql.layer (or DeliveryLog.layerMemory)"
      )
    }

    const loadJob = (key: JobKey) =>
      jobs.findBySmileJobId(key.partnerId, key.smileJobId).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.dieMessage(`the pipeline runs job ${key.smileJobId} of partner ${key.partnerId}, which the JobStore does not have`),
          onSome: Effect.succeed
        }))
      )

    /**
     * Applies `event` to the stored job with the store's compare-and-set,
     * re-reading on a race. `already(job)` says the event's effect is already
     * stored (a re-run after a crash), in which case nothing is written.
     */
    const advance = (key: JobKey, already: (job: Job.Job) => boolean, event: Effect.Effect<Job.JobEvent>) =>
      Effect.gen(function*() {
        for (;;) {
          const job = yield* loadJob(key)
          if (already(job)) return job
          const next = Job.transition(job, yield* event)
          if (Either.isLeft(next)) return yield* Effect.die(next.left)
          const written = yield* Effect.either(jobs.update(next.right))
          if (Either.isRight(written)) return written.right
          if (written.left._tag === "JobNotFound") return yield* Effect.die(written.left)
        }
      })

    const at = Clock.currentTimeMillis

    const readBlob = (key: string, what: string) =>
      blobs.get(BlobKey.make(key)).pipe(
        Effect.catchTag("BlobNotFound", () =>
          new JobRejected({ failure: { resultText: "System Error", explanation: `${what} is no longer stored (${key})` } }))
      )

    /** The stored zip, unpacked, and its info.json decoded. */
    const openZip = (zipKey: string) =>
      Effect.gen(function*() {
        const zip = yield* readBlob(zipKey, "the uploaded zip")
        const entries = yield* zips.unpack(zip).pipe(Effect.mapError(zipFailure))
        const infoEntry = entries.find((entry) => entry.name === "info.json")
        if (infoEntry === undefined) return yield* dataInvalid("the zip has no info.json")
        const info = yield* Wire.InfoJson.decodeInfoJsonText(new TextDecoder().decode(infoEntry.bytes)).pipe(
          Either.mapLeft((error) => dataInvalid(`info.json: ${error.detail}`))
        )
        return { entries, info }
      })
    type OpenedZip = Effect.Effect.Success<ReturnType<typeof openZip>>

    /** One image's bytes: a file of the zip, or base64 text in info.json. */
    const imageBytes = (opened: OpenedZip, source: ImageSource, role: string) =>
      Effect.gen(function*() {
        if (source._tag === "ZipEntry") {
          const entry = opened.entries.find((candidate) => candidate.name === source.fileName)
          if (entry === undefined) {
            return yield* dataInvalid(`info.json names ${JSON.stringify(source.fileName)} as the ${role}, but the zip has no such file`)
          }
          return entry.bytes
        }
        return yield* Encoding.decodeBase64(opened.info.images[source.index]?.image ?? "").pipe(
          Either.mapLeft(() => dataInvalid(`info.json images[${source.index}] (the ${role}) is not valid base64`))
        )
      })

    /** The selfie and liveness frames of resolved images, read from the stored zip. */
    const readImages = (images: ResolvedImages) =>
      Effect.gen(function*() {
        const opened = yield* openZip(images.zip)
        const selfie = yield* imageBytes(opened, images.selfie, "selfie")
        const livenessFrames: Array<Uint8Array> = []
        for (const [index, frame] of images.liveness.entries()) {
          livenessFrames.push(yield* imageBytes(opened, frame, `liveness frame ${index + 1}`))
        }
        return { selfie, livenessFrames }
      })

    const sourceOf = (reference: Wire.SelfieImages.ImageReference): ImageSource =>
      reference._tag === "ZipEntry"
        ? { _tag: "ZipEntry", fileName: reference.fileName }
        : { _tag: "InfoJsonBase64", index: reference.index }

    const prepare = Effect.fn("PipelineSteps.prepare")(function*(key: JobKey) {
      const job = yield* advance(
        key,
        (job) => job.state !== "Uploaded",
        Effect.map(at, (now) => ({ _tag: "ProcessingStarted" as const, at: now }))
      )
      if (job.state === "Created") return yield* Effect.dieMessage(`job ${key.smileJobId} was started before its zip was accepted`)
      const zip = UseCases.AcceptUpload.uploadBlobKeyOf(job)
      const opened = yield* openZip(zip)
      const found = yield* Wire.SelfieImages.resolveSelfieImages(opened.info.images).pipe(
        Either.mapLeft((error) => dataInvalid(error.detail))
      )
      const description = {
        // The prep upload fixed who and what; info.json cannot change it.
        jobType: job.partnerParams.jobType,
        userId: job.partnerParams.userId,
        selfie: sourceOf(found.selfie),
        liveness: found.livenessFrames.map(sourceOf)
      }
      // Every image must be readable now, so a job with a missing file fails here, before the engine.
      yield* imageBytes(opened, description.selfie, "selfie")
      for (const [index, frame] of description.liveness.entries()) yield* imageBytes(opened, frame, `liveness frame ${index + 1}`)
      const images = { zip, selfie: description.selfie, liveness: description.liveness }
      if (description.jobType !== 2) return { description, images }
      const user = yield* users.find(job.partnerId, job.partnerParams.userId)
      const onFile = Option.flatMap(user, (found) =>
        found.state._tag === "Registered" && found.state.selfie !== undefined ? Option.some(found.state.selfie.blobKey) : Option.none()
      )
      if (Option.isNone(onFile)) {
        return yield* dataInvalid(`user ${JSON.stringify(job.partnerParams.userId)} has no selfie on file any more; register it again with job type 4`)
      }
      return { description, images: { ...images, registeredSelfie: onFile.value } }
    })

    const analyze = Effect.fn("PipelineSteps.analyze")(function*(_key: JobKey, images: ResolvedImages) {
      const { livenessFrames, selfie } = yield* readImages(images)
      const registeredSelfie = images.registeredSelfie === undefined ? undefined : yield* readBlob(images.registeredSelfie, "the selfie on file")
      return yield* engine.analyzeJob({ selfie, livenessFrames, ...(registeredSelfie === undefined ? {} : { registeredSelfie }) }).pipe(
        Effect.mapError((error) =>
          error.reason === "ImageUnreadable"
            ? dataInvalid(`${error.image} is not a readable image: ${error.detail}`)
            : new StepFailed({ step: "analyze", detail: `${error.image}: ${error.detail}` })
        )
      )
    })

    const storeResult = Effect.fn("PipelineSteps.storeResult")(function*(
      key: JobKey,
      stage: StoredResult["stage"],
      outcome: { readonly _tag: "Decided"; readonly decision: Decision.Decision } | {
        readonly _tag: "Failed"
        readonly failure: { readonly resultText: Job.FailureText; readonly explanation: string }
      }
    ) {
      const index = stage === "machine" ? 0 : 1
      const job = yield* advance(
        key,
        (job) => job.results.length > index,
        Effect.map(at, (now): Job.JobEvent =>
          outcome._tag === "Failed"
            ? { _tag: "Failed", at: now, ...outcome.failure }
            : stage === "machine"
            ? { _tag: "MachineDecided", at: now, decision: outcome.decision }
            : { _tag: "HumanReviewed", at: now, decision: outcome.decision })
      )
      const result = job.results[index]
      if (result === undefined) return yield* Effect.dieMessage(`job ${key.smileJobId} has no ${stage} result after storing it`)
      return { stage, result, deliveryId: deliveryIdOf(key, stage) }
    })

    const applyResult = Effect.fn("PipelineSteps.applyResult")(function*(
      key: JobKey,
      _stage: StoredResult["stage"],
      outcome: MachineOutcome,
      images: ResolvedImages | undefined
    ) {
      if (outcome._tag !== "Decided" || images === undefined) return
      const { decision } = outcome
      const job = yield* loadJob(key)
      const row = ResultCode.rowOf(decision.resultCode, decision.resultText)
      if (job.partnerParams.jobType !== 4 || !decision.isFinal || row.category !== "approved") return
      const identity = { partnerId: job.partnerId, userId: job.partnerParams.userId }
      const selfieKey = User.selfieBlobKeyOf(identity, job.smileJobId)
      const { selfie } = yield* readImages(images).pipe(
        Effect.catchTag("JobRejected", (missing) =>
          new StepFailed({ step: "apply", detail: `cannot put the selfie on file: ${missing.failure.explanation}` }))
      )
      yield* blobs.put(BlobKey.make(selfieKey), selfie, { contentType: "image/jpeg" })
      for (;;) {
        const now = yield* at
        const user = Option.getOrElse(yield* users.find(job.partnerId, job.partnerParams.userId), () =>
          User.make({ ...identity, at: now }))
        if (user.state._tag === "Registered" && user.state.selfie?.smileJobId === job.smileJobId) return
        const registered = User.transition(user, {
          _tag: "Register",
          at: now,
          selfie: { blobKey: selfieKey, jobId: job.partnerParams.jobId, smileJobId: job.smileJobId }
        })
        if (Either.isLeft(registered)) {
          return yield* Effect.logWarning("an approved registration could not put its selfie on file").pipe(
            Effect.annotateLogs({ smileJobId: job.smileJobId, reason: registered.left.message })
          )
        }
        const saved = yield* Effect.either(users.save(registered.right.user))
        if (Either.isLeft(saved)) continue
        for (const erased of registered.right.erase.keys) yield* blobs.delete(BlobKey.make(erased))
        return
      }
    })

    const storedReview = Effect.fn("PipelineSteps.storedReview")(function*(key: JobKey) {
      const result = (yield* loadJob(key)).results[1]
      return result === undefined ? null : { stage: "review" as const, result, deliveryId: deliveryIdOf(key, "review") }
    })

    const requestReview = Effect.fn("PipelineSteps.requestReview")(function*(key: JobKey, machine: StoredResult) {
      const job = yield* loadJob(key)
      yield* reviews.enqueue({
        partnerId: job.partnerId,
        smileJobId: job.smileJobId,
        jobId: job.partnerParams.jobId,
        userId: job.partnerParams.userId,
        jobType: job.partnerParams.jobType,
        reason: job.reviewReason ?? machine.result.explanation
      })
    })

    const validateReview = Effect.fn("PipelineSteps.validateReview")(function*(key: JobKey, review: HumanReview) {
      const found = yield* jobs.findBySmileJobId(key.partnerId, key.smileJobId)
      if (Option.isNone(found)) return yield* new ReviewRefused({ job: key, detail: "no such job" })
      const job = found.value
      const machine = job.results[0]
      if (job.state !== "UnderReview" || machine === undefined) {
        return yield* new ReviewRefused({ job: key, detail: `the job is ${job.state}, not waiting for a review` })
      }
      const offered = Decision.verdictsFor(job.partnerParams.jobType, Job.decisionOf(machine))
      if (!offered.includes(review.verdict)) {
        return yield* new ReviewRefused({
          job: key,
          detail: `"${review.verdict}" does not settle this review; choose one of ${offered.map((verdict) => `"${verdict}"`).join(", ")}`
        })
      }
    })

    const settleReview = Effect.fn("PipelineSteps.settleReview")(function*(key: JobKey, review: HumanReview) {
      yield* reviews.settle({ partnerId: key.partnerId, smileJobId: key.smileJobId, verdict: review.verdict, reviewer: review.reviewer }).pipe(
        Effect.catchTag("ReviewNotPending", () => Effect.void)
      )
    })

    const decideAfterReview = Effect.fn("PipelineSteps.decideAfterReview")(function*(
      key: JobKey,
      machine: StoredResult,
      review: HumanReview
    ) {
      const job = yield* loadJob(key)
      const decided = Decision.decideHumanReview({
        jobType: job.partnerParams.jobType,
        machine: Job.decisionOf(machine.result),
        verdict: review.verdict
      })
      // validateReview let only verdicts that settle the review reach the workflow.
      return yield* Either.match(decided, { onLeft: Effect.die, onRight: Effect.succeed })
    })

    const deliverCallback = Effect.fn("PipelineSteps.deliverCallback")(function*(key: JobKey, stored: StoredResult, attempt: number) {
      const job = yield* loadJob(key)
      if (job.callbackUrl === undefined) return { _tag: "NoCallback" as const }
      const apiKey = yield* options.apiKeyOf(job.partnerId)
      if (Option.isNone(apiKey)) {
        return { _tag: "Stopped" as const, detail: `partner ${job.partnerId} is no longer configured; its callbacks stop` }
      }
      const made = yield* ResultDelivery.send({
        job,
        result: stored.result,
        url: job.callbackUrl,
        deliveryId: stored.deliveryId,
        apiKey: apiKey.value
      }).pipe(Effect.provideService(CallbackSender, callbacks), Effect.provide(signer))
      // Recorded under the workflow's attempt number: a re-run of this activity finds its first record.
      if (Option.isSome(deliveryLog)) yield* deliveryLog.value.recordAttempt({ ...made.record, attempt, trigger: "schedule" })
      if (made._tag === "Delivered") return { _tag: "Delivered" as const, status: made.status }
      const failed = made.failure
      return !isRetryable(failed)
        ? { _tag: "Stopped" as const, detail: failed.message }
        : { _tag: "Retry" as const, detail: failed.message }
    })

    const recordDeliveryFailure = Effect.fn("PipelineSteps.recordDeliveryFailure")(function*(
      key: JobKey,
      stored: StoredResult,
      outcome: "stopped" | "exhausted",
      detail: string
    ) {
      yield* Effect.logWarning(`callback ${stored.deliveryId} was not delivered (${outcome}): ${detail}`).pipe(
        Effect.annotateLogs({ partnerId: key.partnerId, smileJobId: key.smileJobId, stage: stored.stage })
      )
      if (Option.isNone(deliveryLog)) return
      const log = deliveryLog.value
      const delivery = (yield* log.deliveriesOf(key.partnerId, key.smileJobId)).find((found) => found.deliveryId === stored.deliveryId)
      const attempts = delivery?.attempts.filter((made) => made.trigger === "schedule").length ?? 0
      yield* log.recordFailure({
        partnerId: key.partnerId,
        smileJobId: key.smileJobId,
        deliveryId: stored.deliveryId,
        reason: outcome,
        detail,
        attempts,
        failedAt: yield* at
      })
    })

    return PipelineSteps.of({
      prepare,
      analyze,
      decide: (_key, description, findings) =>
        Effect.sync(() => Decision.decide({ jobType: description.jobType, findings, thresholds: options.thresholds })),
      storeResult,
      applyResult,
      storedReview,
      requestReview,
      validateReview,
      settleReview,
      decideAfterReview,
      deliverCallback,
      recordDeliveryFailure
    })
  })

/**
 * The steps on the core ports. Requires every port the steps use and a
 * `Signer` for callback signatures.
 */
export const layer = (options: PipelineStepsLiveOptions) => Layer.effect(PipelineSteps, make(options))
