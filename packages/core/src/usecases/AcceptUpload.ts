/**
 * The zip `PUT` to an upload URL: check the URL, check the zip, keep it, and
 * move the job to `Uploaded` so that processing can start.
 *
 * Steps, each failing without changing the job:
 * 1. `UploadTarget.check` the URL (`UploadRejected`: malformed, tampered,
 *    another job's, expired);
 * 2. the job exists and still waits for its zip (`Job.IllegalJobTransition`
 *    for a second upload: the first accepted zip is the job);
 * 3. `ZipCodec.unpack` within limits (`ZipError`), then {@link describesJob}
 *    (2203/2212/2213): a broken zip or info.json is refused here, so the
 *    partner can PUT a good one to the same URL while it is valid;
 * 4. the zip is stored under {@link uploadBlobKeyOf}, then the job is updated
 *    (a compare-and-set: of two racing uploads, one wins and the other gets
 *    the second-upload error).
 *
 * Two uploads racing for one job both write the same blob key before one of
 * them wins the job's compare-and-set, so the caller must not run two
 * `acceptUpload`s for one job at once (the reference server holds a per-job
 * lock; it runs the upload endpoint in one process).
 *
 * The caller starts the pipeline with the returned job. Storing the zip
 * before updating the job means a crash in between leaves a job that still
 * waits for its zip (and an orphan blob the next upload overwrites), never a
 * job marked uploaded without its zip.
 */
import { Clock, Effect, Either, Option } from "effect"
import * as GeneralError from "../GeneralError.js"
import * as Ids from "../Ids.js"
import * as Job from "../Job.js"
import { BlobKey, BlobStore } from "../ports/BlobStore.js"
import { JobNotFound, JobStore } from "../ports/JobStore.js"
import { UploadTarget } from "../ports/UploadTarget.js"
import { JobZip, ZipCodec } from "../ports/ZipCodec.js"
import * as User from "../User.js"
import * as InfoJson from "../wire/InfoJson.js"
import * as SelfieImages from "../wire/SelfieImages.js"

/**
 * Where a job's zip is kept: under its user's blob prefix
 * (`partners/<p>/users/<u>/jobs/<smileJobId>/attachments.zip`), so deleting
 * the user erases it with the rest of their images.
 */
export const uploadBlobKeyOf = (job: Job.Job): BlobKey =>
  BlobKey.make(
    `${User.blobPrefixOf({ partnerId: job.partnerId, userId: job.partnerParams.userId })}jobs/${job.smileJobId}/attachments.zip`
  )

/**
 * Every runtime core targets (Node, browsers, workers) has the WHATWG
 * `TextDecoder`; core compiles without the DOM library, so it is declared here.
 */
declare const TextDecoder: new(label: "utf-8") => { decode(bytes: Uint8Array): string }
const utf8 = new TextDecoder("utf-8")

/**
 * Whether the zip's info.json describes this job: it decodes (2203/2212/2213),
 * names exactly one selfie (2213/2203), and its partner_params carry this
 * job's user_id, job_id and job_type (2203 otherwise: a zip of another job
 * was sent to this job's URL). Pure.
 */
export const describesJob = (
  job: Job.Job,
  entries: ReadonlyArray<{ readonly name: string; readonly bytes: Uint8Array }>
): GeneralError.GeneralError | undefined => {
  const info = entries.find((entry) => entry.name === JobZip.infoJsonName)
  if (info === undefined) return new GeneralError.InvalidJson({ detail: "the zip has no info.json at its root" })
  const decoded = InfoJson.decodeInfoJsonText(utf8.decode(info.bytes))
  if (Either.isLeft(decoded)) return decoded.left
  const images = SelfieImages.resolveSelfieImages(decoded.right.images)
  if (Either.isLeft(images)) return images.left
  const expected = job.partnerParams
  const actual = decoded.right.partnerParams
  const mismatches = [
    actual.userId !== expected.userId ? `user_id ${JSON.stringify(actual.userId)} (this job's is ${JSON.stringify(expected.userId)})` : undefined,
    actual.jobId !== expected.jobId ? `job_id ${JSON.stringify(actual.jobId)} (this job's is ${JSON.stringify(expected.jobId)})` : undefined,
    actual.jobType !== expected.jobType ? `job_type ${actual.jobType} (this job's is ${expected.jobType})` : undefined
  ].filter((text) => text !== undefined)
  if (mismatches.length > 0) {
    return new GeneralError.InvalidJson({
      detail: `info.json misc_information.partner_params has ${mismatches.join(", ")}; ` +
        "upload the zip made for this job to this job's upload_url"
    })
  }
  return undefined
}

export interface AcceptUploadInput {
  /** The URL the `PUT` arrived at: absolute, or path and query. */
  readonly url: string
  /** The request body, already read within the server's size limit. */
  readonly zip: Uint8Array
}

/** Accepts a job's zip; see the module comment. Answers the job, now `Uploaded`. */
export const acceptUpload = Effect.fn("UseCases.acceptUpload")(function*(input: AcceptUploadInput) {
  const target = yield* UploadTarget
  const grant = yield* target.check(input.url)
  const partnerId = Ids.PartnerId.make(grant.partnerId)
  const smileJobId = Ids.SmileJobId.make(grant.smileJobId)

  const jobs = yield* JobStore
  const found = yield* jobs.findBySmileJobId(partnerId, smileJobId)
  if (Option.isNone(found)) return yield* new JobNotFound({ partnerId, smileJobId })
  const job = found.value
  const at = yield* Clock.currentTimeMillis
  // Refuse a second upload before unpacking: its answer does not depend on the bytes.
  const uploaded = Job.transition(job, { _tag: "UploadAccepted", at })
  if (Either.isLeft(uploaded)) return yield* uploaded.left

  const codec = yield* ZipCodec
  const entries = yield* codec.unpack(input.zip)
  const described = describesJob(job, entries)
  if (described !== undefined) return yield* described

  const blobs = yield* BlobStore
  yield* blobs.put(uploadBlobKeyOf(job), input.zip, { contentType: "application/zip" })
  const stored = yield* Effect.either(jobs.update(uploaded.right))
  if (Either.isRight(stored)) return stored.right
  if (stored.left._tag === "JobNotFound") return yield* stored.left
  // Another upload won the race (StaleJob): answer what its acceptance makes of this one.
  const latest = yield* jobs.findBySmileJobId(partnerId, smileJobId)
  if (Option.isNone(latest)) return yield* new JobNotFound({ partnerId, smileJobId })
  const again = Job.transition(latest.value, { _tag: "UploadAccepted", at })
  if (Either.isLeft(again)) return yield* again.left
  return yield* Effect.dieMessage(`job ${smileJobId} changed under an upload but still waits for its zip`)
})
