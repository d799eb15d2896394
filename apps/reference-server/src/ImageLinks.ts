/**
 * `image_links` of job_status: expiring URLs of a job's images.
 *
 * `selfie_image` points at this server:
 * `<base>/images/<partner id>/<smile job id>/selfie_image?expires=<unix seconds>&signature=<base64url>`,
 * signed like an upload URL (HMAC-SHA256 under the data folder's secret) over
 * `"GET\n" + partner id + "\n" + smile job id + "\nselfie_image\n" + expires`.
 * The image is read from the job's stored zip when the link is followed, so
 * a deleted user's images (their zips are erased with them) stop being
 * served at once, whatever links are still out there.
 */
import { Clock, Effect, Either, Option, Redacted, Schema } from "effect"
import { BlobStore, Ids, Job, JobStore, Signer, UseCases, Wire, ZipCodec } from "@selfie-auth/core"

/** The path prefix of image links (the server's GET route). */
export const imagePathPrefix = "/images"

/** How long an image link works. */
export const imageLinkTtlSeconds = 15 * 60

const encoder = new TextEncoder()
const messageOf = (partnerId: string, smileJobId: string, expires: number) =>
  encoder.encode(`GET\n${partnerId}\n${smileJobId}\nselfie_image\n${expires}`)

/** Why an image link gives no image; `status` is the HTTP status to answer. */
export class ImageUnavailable extends Schema.TaggedError<ImageUnavailable>()("ImageUnavailable", {
  status: Schema.Literal(403, 404),
  detail: Schema.String
}) {}

/** The links of a job's images: `{ selfie_image }` once the job has its zip, `{}` before. */
export const linksOf = Effect.fn("ImageLinks.linksOf")(function*(options: {
  readonly secret: Redacted.Redacted<Uint8Array>
  readonly baseUrl: string
  readonly job: Job.Job
}) {
  const { job } = options
  if (job.state === "Created") return {}
  const signer = yield* Signer
  const expires = Math.floor((yield* Clock.currentTimeMillis) / 1000) + imageLinkTtlSeconds
  const mac = yield* signer.hmacSha256(Redacted.value(options.secret), messageOf(job.partnerId, job.smileJobId, expires))
  const signature = Buffer.from(mac).toString("base64url")
  return {
    selfie_image: `${options.baseUrl}${imagePathPrefix}/${encodeURIComponent(job.partnerId)}/${job.smileJobId}/selfie_image` +
      `?expires=${expires}&signature=${signature}`
  }
})

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

const notFound = (detail: string) => new ImageUnavailable({ status: 404, detail })

/** The bytes and content type of the selfie a valid image link points at. */
export const selfieOf = Effect.fn("ImageLinks.selfieOf")(function*(secret: Redacted.Redacted<Uint8Array>, pathAndQuery: string) {
  const url = new URL(pathAndQuery, "http://image.invalid")
  const match = /^\/images\/([^/]+)\/([^/]+)\/selfie_image$/.exec(url.pathname)
  const partnerId = Schema.decodeUnknownEither(Ids.PartnerId)(decodeSegment(match?.[1] ?? ""))
  const smileJobId = Schema.decodeUnknownEither(Ids.SmileJobId)(match?.[2] ?? "")
  const expiresText = url.searchParams.get("expires") ?? ""
  const signatureText = url.searchParams.get("signature") ?? ""
  if (Either.isLeft(partnerId) || Either.isLeft(smileJobId) || !/^\d{1,12}$/.test(expiresText) || !/^[A-Za-z0-9_-]{43}$/.test(signatureText)) {
    return yield* notFound("not an image link of this server; ask job_status with image_links for a fresh one")
  }
  const expires = Number(expiresText)
  const signer = yield* Signer
  const expected = yield* signer.hmacSha256(Redacted.value(secret), messageOf(partnerId.right, smileJobId.right, expires))
  if (!signer.equal(expected, new Uint8Array(Buffer.from(signatureText, "base64url")))) {
    return yield* new ImageUnavailable({ status: 403, detail: "the image link's signature does not match; use the link exactly as job_status gave it" })
  }
  if ((yield* Clock.currentTimeMillis) >= expires * 1000) {
    return yield* new ImageUnavailable({ status: 403, detail: "the image link expired; ask job_status with image_links for a fresh one" })
  }
  const jobs = yield* JobStore
  const job = yield* jobs.findBySmileJobId(partnerId.right, smileJobId.right)
  if (Option.isNone(job)) return yield* notFound("the job no longer exists")
  const blobs = yield* BlobStore
  const zip = yield* blobs.get(UseCases.AcceptUpload.uploadBlobKeyOf(job.value)).pipe(
    Effect.catchTag("BlobNotFound", () => notFound("the job's images were erased (the user was deleted)"))
  )
  const codec = yield* ZipCodec
  const entries = yield* Effect.orDie(codec.unpack(zip))
  const infoText = new TextDecoder().decode(entries.find((entry) => entry.name === "info.json")?.bytes ?? new Uint8Array())
  const info = Wire.InfoJson.decodeInfoJsonText(infoText)
  const images = Either.flatMap(info, (decoded) => Wire.SelfieImages.resolveSelfieImages(decoded.images))
  if (Either.isLeft(images)) return yield* notFound("the job's info.json names no readable selfie")
  const selfie = images.right.selfie
  const bytes = selfie._tag === "Base64"
    ? new Uint8Array(Buffer.from(selfie.data, "base64"))
    : entries.find((entry) => entry.name === selfie.fileName)?.bytes
  if (bytes === undefined) return yield* notFound(`the selfie file is missing from the job's zip`)
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50
  return { bytes, contentType: isPng ? "image/png" : "image/jpeg" }
})
