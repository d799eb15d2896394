/**
 * A `JobPipeline` for the HTTP tests: it decides every started job at once
 * from scripted face-engine findings through the real decision policy
 * (`Decision.decide`), stores the result through `Job.transition`, and
 * registers the selfie of an approved registration through
 * `User.transition`. No face is looked at: it exists so that the HTTP
 * surface and the official SDK can be driven end to end without the engine.
 * Never part of the product's wiring.
 */
import { Decision, Findings, Ids, Job, JobStore, JobType, User, UserStore } from "@selfie-auth/core"
import { Clock, Effect, Either, Layer, Option, Ref } from "effect"
import { JobNotStarted, JobPipeline } from "../../src/pipeline/JobPipeline.js"

/** Findings of a clear, live, matching selfie. */
export const goodFindings = (jobType: JobType.JobType): Findings.JobFindings => ({
  selfie: {
    width: 640,
    height: 480,
    faceCount: 1,
    face: {
      box: { x: 200, y: 120, width: 240, height: 240 },
      score: 0.97,
      pose: { yaw: 0, pitch: 0, roll: 0 },
      descriptor: []
    },
    brightness: 0.5,
    sharpness: 0.8,
    problems: []
  },
  spoofSuspicion: "none",
  ...(jobType === JobType.Authentication ? { comparison: { distance: 0.2, confidence: 96 } } : {})
})

export interface ScriptedPipeline {
  /** The jobs started, in order. */
  readonly started: Ref.Ref<ReadonlyArray<string>>
}

const orDie = <A, E>(either: Either.Either<A, E>) => Either.match(either, { onLeft: (e) => Effect.die(e), onRight: Effect.succeed })

/** The layer; needs the stores the server uses. */
export const layer: Layer.Layer<JobPipeline, never, JobStore | UserStore> = Layer.effect(
  JobPipeline,
  Effect.gen(function*() {
    const jobs = yield* JobStore
    const users = yield* UserStore
    const started = yield* Ref.make(new Set<string>())
    const process = (job: Job.Job) =>
      Effect.gen(function*() {
        const at = yield* Clock.currentTimeMillis
        const processing = yield* jobs.update(yield* orDie(Job.transition(job, { _tag: "ProcessingStarted", at })))
        const jobType = job.partnerParams.jobType
        const decision = Decision.decide({ jobType, findings: goodFindings(jobType), thresholds: Decision.defaultThresholds })
        const decided = yield* jobs.update(yield* orDie(Job.transition(processing, { _tag: "MachineDecided", at, decision })))
        if (jobType === JobType.Registration && decision.resultCode === "0840") {
          const user = Option.getOrElse(yield* users.find(job.partnerId, job.partnerParams.userId), () =>
            User.make({ partnerId: job.partnerId, userId: job.partnerParams.userId, at }))
          const registered = yield* orDie(User.transition(user, {
            _tag: "Register",
            at,
            selfie: {
              blobKey: User.selfieBlobKeyOf(user, job.smileJobId),
              jobId: job.partnerParams.jobId,
              smileJobId: job.smileJobId
            }
          }))
          yield* users.save(registered.user)
        }
        return decided
      }).pipe(Effect.orDie)
    return {
      start: (key) =>
        Effect.gen(function*() {
          const id = `${key.partnerId}/${key.smileJobId}`
          if ((yield* Ref.get(started)).has(id)) return
          yield* Ref.update(started, (all) => new Set(all).add(id))
          const job = yield* jobs.findBySmileJobId(key.partnerId, key.smileJobId)
          if (Option.isSome(job)) yield* process(job.value)
        }),
      completeReview: (key) => Effect.fail(new JobNotStarted({ job: key })),
      status: (key) =>
        Effect.map(jobs.findBySmileJobId(key.partnerId, key.smileJobId), (job) =>
          Option.isNone(job) ? { _tag: "NotStarted" as const } : { _tag: "Running" as const })
    }
  })
)

export { Ids }
