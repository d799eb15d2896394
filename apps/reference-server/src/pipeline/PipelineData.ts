/**
 * The values that flow between the steps of the job pipeline.
 *
 * Every step of the durable workflow is an activity whose result is written
 * to the workflow journal, so these are schemas, and they are small on
 * purpose: images travel as references (the uploaded zip's blob key and a
 * place in it, or a blob key), never as bytes (a journal row per
 * multi-megabyte selfie would bloat the store and slow every replay).
 */
import { Schema } from "effect"
import { Decision as CoreDecision, Ids, Job, JobType } from "@selfie-auth/core"

/** An optional field that is absent or present, never `undefined` (matches core's `exactOptionalPropertyTypes` types). */
const optionalExact = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

/**
 * Which job a workflow processes: the partner and the service's own job id.
 * The pair is the workflow's idempotency key, so starting the same job twice
 * addresses one execution.
 */
export const JobKey = Schema.Struct({
  partnerId: Ids.PartnerId,
  smileJobId: Ids.SmileJobId
})
export type JobKey = typeof JobKey.Type

/** The idempotency key of a job's workflow: `"<partnerId>/<smileJobId>"`. */
export const jobKeyString = (job: JobKey): string => `${job.partnerId}/${job.smileJobId}`

/**
 * Where one image of the job is: a file of the zip (by name), or base64 text
 * in info.json's `images[index]` (left there: the journal holds no image data).
 */
export const ImageSource = Schema.Union(
  Schema.TaggedStruct("ZipEntry", { fileName: Schema.String }),
  Schema.TaggedStruct("InfoJsonBase64", { index: Schema.Int.pipe(Schema.nonNegative()) })
)
export type ImageSource = typeof ImageSource.Type

/**
 * What info.json asks for, reduced to what the rest of the pipeline needs:
 * the job type and user (as the prep upload fixed them) and where the selfie
 * and the liveness frames are.
 */
export const JobDescription = Schema.Struct({
  jobType: JobType.JobType,
  userId: Ids.UserId,
  selfie: ImageSource,
  liveness: Schema.Array(ImageSource)
})
export type JobDescription = typeof JobDescription.Type

/**
 * The images the face engine analyses, as references: the uploaded zip's blob
 * key and where the selfie and the liveness frames are in it (a file of the
 * zip, or base64 text in its info.json), and, for an authentication, the blob
 * key of the selfie on file. The images are read from the stored zip whenever
 * a step needs them; nothing is copied out of it.
 */
export const ResolvedImages = Schema.Struct({
  zip: Schema.String,
  selfie: ImageSource,
  liveness: Schema.Array(ImageSource),
  registeredSelfie: optionalExact(Schema.String)
})
export type ResolvedImages = typeof ResolvedImages.Type

/**
 * What the `prepare` step found: what info.json asks for, and where the
 * images are. One journal entry, written once the zip and info.json have been
 * checked.
 */
export const PreparedJob = Schema.Struct({
  description: JobDescription,
  images: ResolvedImages
})
export type PreparedJob = typeof PreparedJob.Type

const Problem = Schema.Literal(
  "no_face",
  "multiple_faces",
  "face_too_small",
  "too_dark",
  "too_bright",
  "too_blurry",
  "face_cut_off",
  "extreme_pose"
)

const ImageFindings = Schema.Struct({
  width: Schema.Number,
  height: Schema.Number,
  faceCount: Schema.Int,
  face: optionalExact(
    Schema.Struct({
      box: Schema.Struct({ x: Schema.Number, y: Schema.Number, width: Schema.Number, height: Schema.Number }),
      score: Schema.Number,
      pose: Schema.Struct({ yaw: Schema.Number, pitch: Schema.Number, roll: Schema.Number }),
      descriptor: Schema.Array(Schema.Number)
    })
  ),
  brightness: Schema.Number,
  sharpness: Schema.Number,
  problems: Schema.Array(Problem)
})

/**
 * The face engine's findings for a job, as the journal stores them. Its type
 * is exactly core's `Findings.JobFindings` (a compile-time check in
 * `PipelineSteps.ts` keeps the two from drifting apart).
 */
export const JobFindings = Schema.Struct({
  selfie: ImageFindings,
  liveness: optionalExact(
    Schema.Struct({
      framesProvided: Schema.Int,
      framesUsable: Schema.Int,
      framesMatchingSelfie: Schema.Int,
      poseRange: Schema.Struct({ yaw: Schema.Number, pitch: Schema.Number })
    })
  ),
  spoofSuspicion: Schema.Literal("none", "weak", "strong"),
  comparison: optionalExact(Schema.Struct({ distance: Schema.Number, confidence: Schema.Number }))
})
export type JobFindings = typeof JobFindings.Type

/** A decision of the policy or a reviewer: core's `Decision`, persisted as such. */
export const Decision = CoreDecision.Decision
export type Decision = CoreDecision.Decision

/**
 * Why the job itself cannot be processed: one of the three `0001` texts and
 * an explanation that tells the partner what to fix.
 */
export const JobFailure = Schema.Struct({
  resultText: Job.FailureText,
  explanation: Schema.String
})
export type JobFailure = typeof JobFailure.Type

/**
 * What the `assess` activity journals: where the images are (for a
 * registration's selfie to be put on file later) and the policy's decision
 * on the engine's findings.
 */
export const Assessment = Schema.Struct({
  images: ResolvedImages,
  decision: Decision
})
export type Assessment = typeof Assessment.Type

/** What the machine made of a job: a decision, or a failure to process it. */
export const MachineOutcome = Schema.Union(
  Schema.TaggedStruct("Decided", { decision: Decision }),
  Schema.TaggedStruct("Failed", { failure: JobFailure })
)
export type MachineOutcome = typeof MachineOutcome.Type

/**
 * Which result of a job: the machine's (`"machine"`) or, after a provisional
 * machine result, the reviewer's (`"review"`). Each is stored once and
 * delivered under its own delivery id.
 */
export const ResultStage = Schema.Literal("machine", "review")
export type ResultStage = typeof ResultStage.Type

/**
 * A stored result. `deliveryId` is fixed when the result is first stored and
 * is sent with every attempt to deliver it, so the partner can de-duplicate.
 */
export const StoredResult = Schema.Struct({
  stage: ResultStage,
  result: Job.JobResult,
  deliveryId: Schema.String
})
export type StoredResult = typeof StoredResult.Type

/**
 * What one delivery attempt achieved: `Delivered` (a 2xx), `Stopped` (a 410,
 * the partner asking us to stop, or an answer no retry can change, such as an
 * invalid URL or a 4xx), `Retry` (a 5xx, 408, 429, a timeout, a refused
 * connection), or `NoCallback` (the job has no callback URL).
 */
export const DeliveryAttemptOutcome = Schema.Union(
  Schema.TaggedStruct("Delivered", { status: Schema.Int }),
  Schema.TaggedStruct("Stopped", { detail: Schema.String }),
  Schema.TaggedStruct("Retry", { detail: Schema.String }),
  Schema.TaggedStruct("NoCallback", {})
)
export type DeliveryAttemptOutcome = typeof DeliveryAttemptOutcome.Type

/**
 * What a `conclude` activity journals: the stored result and what its first
 * delivery attempt achieved (later attempts, after waits, are activities of
 * their own).
 */
export const Concluded = Schema.Struct({
  stored: StoredResult,
  firstAttempt: DeliveryAttemptOutcome
})
export type Concluded = typeof Concluded.Type

/** How the delivery of one result ended, after all its attempts. */
export const DeliveryOutcome = Schema.Literal("delivered", "stopped", "exhausted", "no_callback")
export type DeliveryOutcome = typeof DeliveryOutcome.Type

/**
 * A reviewer's verdict on a provisional job (`Decision.verdictsFor` says
 * which verdicts settle it), and who gave it.
 */
export const HumanReview = Schema.Struct({
  verdict: CoreDecision.Verdict,
  reviewer: Schema.String.pipe(Schema.minLength(1))
})
export type HumanReview = typeof HumanReview.Type

/** What the workflow returns when a job is finished: the final result and how its delivery ended. */
export const JobOutcome = Schema.Struct({
  result: StoredResult,
  delivery: DeliveryOutcome,
  reviewed: Schema.Boolean
})
export type JobOutcome = typeof JobOutcome.Type
