/**
 * UploadTarget: issues the pre-signed URL a partner PUTs a job's zip to, and
 * checks an upload that arrives at one.
 *
 * A URL grants one job's upload (partner + Smile job id) until it expires.
 * {@link UploadTargetService.check} answers the grant, or an
 * {@link UploadRejected} whose `reason` says what is wrong, checked in this
 * order (each step reveals no more than the one before):
 *
 * 1. `Malformed`: not a URL this target issued (no job in the path, no token).
 * 2. `Tampered`: the token is not one this target issued for any job (a
 *    changed character, a forged token).
 * 3. `WrongJob`: a genuine token used at another job's URL.
 * 4. `Expired`: the grant's time (from `Clock`) is over; prepare a new job.
 *
 * Which job states accept an upload (a second zip after an accepted one is
 * refused) is `Job.transition`'s business, not this port's.
 *
 * Adapters: S3 presigned PUT URLs (`@selfie-auth/adapter-s3`, where S3 itself
 * checks the signature), an HMAC-signed URL for the reference server's own
 * upload endpoint, and {@link UploadTarget.layerMemory}.
 */
import { Clock, Context, Duration, Effect, Layer, Random, Ref, Schema } from "effect"
import type * as Ids from "../Ids.js"

/** A URL to PUT the zip to, and when it stops working (epoch milliseconds). */
export interface UploadTicket {
  readonly url: string
  readonly expiresAt: number
}

/** What a valid upload URL grants. */
export interface UploadGrant {
  readonly partnerId: string
  readonly smileJobId: string
  readonly expiresAt: number
}

export const UploadRejectedReason = Schema.Literal("Malformed", "Tampered", "WrongJob", "Expired")
export type UploadRejectedReason = typeof UploadRejectedReason.Type

/** The upload URL does not grant this upload; `detail` says why and what to do. */
export class UploadRejected extends Schema.TaggedError<UploadRejected>()("UploadRejected", {
  reason: UploadRejectedReason,
  detail: Schema.String
}) {
  override get message(): string {
    return `Upload refused (${this.reason}): ${this.detail}`
  }
}

export interface IssueInput {
  readonly partnerId: Ids.PartnerId
  readonly smileJobId: Ids.SmileJobId
  /** How long the URL works. */
  readonly expiresIn: Duration.DurationInput
}

export interface UploadTargetService {
  readonly issue: (input: IssueInput) => Effect.Effect<UploadTicket>
  /** Checks the URL an upload arrived at (absolute, or path and query). */
  readonly check: (url: string) => Effect.Effect<UploadGrant, UploadRejected>
}

const uploadPath = /\/uploads\/([^/?#]+)\/([^/?#]+)\/attachments\.zip\?(?:[^#]*&)?token=([^&#]*)/

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

export class UploadTarget extends Context.Tag("@selfie-auth/core/UploadTarget")<UploadTarget, UploadTargetService>() {
  /**
   * Upload URLs of the form `<baseUrl>/uploads/<partnerId>/<smileJobId>/attachments.zip?token=<token>`,
   * checked against a table of the tokens it issued. Tokens are 128 bits from
   * Effect's `Random` (not a CSPRNG: for tests and local use only); expiry
   * comes from `Clock`, so `TestClock` drives it. Grants are kept for the
   * layer's lifetime (an expired URL must still read as `Expired`, not
   * `Tampered`), so memory grows with every issued URL.
   */
  static layerMemory(options: { readonly baseUrl: string }): Layer.Layer<UploadTarget> {
    const base = options.baseUrl.replace(/\/+$/, "")
    return Layer.effect(
      UploadTarget,
      Effect.gen(function*() {
        const grants = yield* Ref.make(new Map<string, UploadGrant>())
        const newToken = Effect.map(
          Effect.all(Array.from({ length: 4 }, () => Random.nextIntBetween(0, 0x10000 * 0x10000))),
          (words) => words.map((word) => word.toString(16).padStart(8, "0")).join("")
        )
        return {
          issue: Effect.fn("UploadTarget.issue")(function*(input: IssueInput) {
            const token = yield* newToken
            const expiresAt = (yield* Clock.currentTimeMillis) + Duration.toMillis(input.expiresIn)
            yield* Ref.update(grants, (all) =>
              new Map(all).set(token, { partnerId: input.partnerId, smileJobId: input.smileJobId, expiresAt })
            )
            const url = `${base}/uploads/${encodeURIComponent(input.partnerId)}/${input.smileJobId}/attachments.zip?token=${token}`
            return { url, expiresAt }
          }),
          check: Effect.fn("UploadTarget.check")(function*(url: string) {
            const match = uploadPath.exec(url)
            const partnerId = match?.[1] === undefined ? undefined : decodeSegment(match[1])
            const smileJobId = match?.[2]
            const token = match?.[3]
            if (partnerId === undefined || smileJobId === undefined || token === undefined) {
              return yield* new UploadRejected({
                reason: "Malformed",
                detail: "the URL is not an upload URL of this service; PUT the zip to the upload_url the prep upload returned, unchanged"
              })
            }
            const grant = (yield* Ref.get(grants)).get(token)
            if (grant === undefined) {
              return yield* new UploadRejected({
                reason: "Tampered",
                detail: "the upload token was not issued by this service; use the upload_url exactly as returned"
              })
            }
            if (grant.partnerId !== partnerId || grant.smileJobId !== smileJobId) {
              return yield* new UploadRejected({
                reason: "WrongJob",
                detail: `the upload token belongs to another job than ${smileJobId}; upload each zip to its own job's upload_url`
              })
            }
            const now = yield* Clock.currentTimeMillis
            if (now >= grant.expiresAt) {
              return yield* new UploadRejected({
                reason: "Expired",
                detail: `the upload URL expired ${Math.round((now - grant.expiresAt) / 1000)} s ago; prepare a new job to get a fresh URL`
              })
            }
            return grant
          })
        }
      })
    )
  }
}
