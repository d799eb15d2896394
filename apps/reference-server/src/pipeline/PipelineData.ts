/**
 * The values that flow between the steps of the job pipeline.
 *
 * Every step of the durable workflow is an activity whose result is written
 * to the workflow journal, so these are schemas, and they are small on
 * purpose: images travel as blob keys, never as bytes (a journal row per
 * multi-megabyte selfie would bloat the store and slow every replay).
 */
import { Schema } from "effect"
import { Ids, JobType } from "@selfie-auth/core"

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

/** One file of the uploaded zip, kept in the blob store under `blobKey`. */
export const UnpackedEntry = Schema.Struct({
  name: Schema.String,
  blobKey: Schema.String,
  bytes: Schema.Int.pipe(Schema.nonNegative())
})
export type UnpackedEntry = typeof UnpackedEntry.Type

/** The result of unpacking: the zip's files, by name and blob key, in the zip's order. */
export const UnpackedJob = Schema.Struct({
  entries: Schema.Array(UnpackedEntry)
})
export type UnpackedJob = typeof UnpackedJob.Type

/**
 * What info.json asks for, reduced to what the rest of the pipeline needs:
 * the job type, the user, and the names (inside the zip) or embedded-image
 * keys of the selfie and the liveness frames.
 */
export const JobDescription = Schema.Struct({
  jobType: JobType.JobType,
  userId: Ids.UserId,
  selfie: Schema.String,
  liveness: Schema.Array(Schema.String)
})
export type JobDescription = typeof JobDescription.Type

/**
 * The images the face engine analyses, as blob keys: the selfie, the liveness
 * frames, and (for authentication) the selfie on file.
 */
export const ResolvedImages = Schema.Struct({
  selfie: Schema.String,
  liveness: Schema.Array(Schema.String),
  registeredSelfie: optionalExact(Schema.String)
})
export type ResolvedImages = typeof ResolvedImages.Type

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

/**
 * A decision about a job, machine or human: the result code and text of the
 * product text, the Actions (name -> value, as the wire carries them), the
 * confidence, and whether it is provisional (a human review follows).
 */
export const Decision = Schema.Struct({
  resultCode: Schema.String,
  resultText: Schema.String,
  actions: Schema.Record({ key: Schema.String, value: Schema.String }),
  confidence: Schema.Number,
  provisional: Schema.Boolean
})
export type Decision = typeof Decision.Type

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
  decision: Decision,
  deliveryId: Schema.String
})
export type StoredResult = typeof StoredResult.Type

/**
 * What one delivery attempt achieved: `Delivered` (a 2xx), `Gone` (a 410: the
 * partner asks us to stop), `Retry` (anything else: an error status, a
 * timeout, a refused connection), or `NoCallback` (the job has no callback URL).
 */
export const DeliveryAttemptOutcome = Schema.Union(
  Schema.TaggedStruct("Delivered", { status: Schema.Int }),
  Schema.TaggedStruct("Gone", { status: Schema.Int }),
  Schema.TaggedStruct("Retry", { detail: Schema.String }),
  Schema.TaggedStruct("NoCallback", {})
)
export type DeliveryAttemptOutcome = typeof DeliveryAttemptOutcome.Type

/** How the delivery of one result ended, after all its attempts. */
export const DeliveryOutcome = Schema.Literal("delivered", "gone", "exhausted", "no_callback")
export type DeliveryOutcome = typeof DeliveryOutcome.Type

/**
 * A reviewer's verdict on a provisional job (the human-judgement result
 * codes 1220/1221/1222 for authentication, 1240/1241/1242 for registration).
 *
 * - `pass`: same person (authentication) / no fraud found (registration).
 * - `fail`: different persons / the selfie is unusable.
 * - `spoof`: a fraud attempt, or images too poor to decide.
 */
export const HumanReview = Schema.Struct({
  verdict: Schema.Literal("pass", "fail", "spoof"),
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
