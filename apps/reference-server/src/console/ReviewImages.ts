/**
 * The images a reviewer looks at: the job's selfie and liveness frames (read
 * from the job's uploaded zip) and, for an authentication, the user's
 * registered selfie. Everything is read through the `BlobStore`, so an
 * encrypted store decrypts here, and a deleted user's images (erased with the
 * user) are simply gone.
 */
import { Effect, Either, Option } from "effect"
import { BlobKey, BlobStore, UserStore, UseCases, Wire, ZipCodec } from "@selfie-auth/core"
import type { Job } from "@selfie-auth/core"

/** Which image of a job: `selfie`, `registered` or `liveness-<n>` (1-based). */
export type ImageName = "selfie" | "registered" | `liveness-${number}`

/** The names of a job's images, without reading their bytes. */
export interface ImageCatalogue {
  readonly selfie: boolean
  readonly livenessFrames: number
  readonly registered: boolean
  /** Why images are missing, when they are (erased, unreadable zip). */
  readonly problem: string | undefined
}

const contentTypeOf = (bytes: Uint8Array): string =>
  bytes[0] === 0x89 && bytes[1] === 0x50 ? "image/png" : bytes[0] === 0x52 && bytes[1] === 0x49 ? "image/webp" : "image/jpeg"

/** The job's zip, unpacked, with its selfie and liveness frames located; or why not. */
const unpackJob = (job: Job.Job) =>
  Effect.gen(function*() {
    const blobs = yield* BlobStore
    const codec = yield* ZipCodec
    const zip = yield* Effect.either(blobs.get(UseCases.AcceptUpload.uploadBlobKeyOf(job)))
    if (Either.isLeft(zip)) return Either.left("the job's images are no longer stored (the user was deleted, or no zip arrived)")
    const entries = yield* Effect.either(codec.unpack(zip.right))
    if (Either.isLeft(entries)) return Either.left(`the job's zip cannot be read: ${entries.left.detail}`)
    const infoText = new TextDecoder().decode(entries.right.find((entry) => entry.name === "info.json")?.bytes ?? new Uint8Array())
    const images = Either.flatMap(Wire.InfoJson.decodeInfoJsonText(infoText), (info) => Wire.SelfieImages.resolveSelfieImages(info.images))
    if (Either.isLeft(images)) return Either.left("the job's info.json names no readable selfie")
    const bytesOf = (reference: Wire.SelfieImages.ImageReference): Uint8Array | undefined =>
      reference._tag === "Base64"
        ? new Uint8Array(Buffer.from(reference.data, "base64"))
        : entries.right.find((entry) => entry.name === reference.fileName)?.bytes
    return Either.right({ selfie: bytesOf(images.right.selfie), liveness: images.right.livenessFrames.map(bytesOf) })
  })

const registeredSelfieKey = (job: Job.Job) =>
  Effect.gen(function*() {
    if (job.partnerParams.jobType !== 2) return Option.none<BlobKey>()
    const users = yield* UserStore
    const user = yield* users.find(job.partnerId, job.partnerParams.userId)
    return Option.flatMap(user, (found) =>
      found.state._tag === "Registered" && found.state.selfie !== undefined ? Option.some(BlobKey.make(found.state.selfie.blobKey)) : Option.none())
  })

/** What images the job has (for laying out the review page). */
export const catalogue = Effect.fn("ReviewImages.catalogue")(function*(job: Job.Job) {
  const unpacked = yield* unpackJob(job)
  const registered = Option.isSome(yield* registeredSelfieKey(job))
  return Either.match(unpacked, {
    onLeft: (problem): ImageCatalogue => ({ selfie: false, livenessFrames: 0, registered, problem }),
    onRight: (images): ImageCatalogue => ({
      selfie: images.selfie !== undefined,
      livenessFrames: images.liveness.length,
      registered,
      problem: undefined
    })
  })
})

/** The bytes and content type of one image, or `None`. */
export const read = Effect.fn("ReviewImages.read")(function*(job: Job.Job, name: string) {
  if (name === "registered") {
    const key = yield* registeredSelfieKey(job)
    if (Option.isNone(key)) return Option.none()
    const blobs = yield* BlobStore
    const bytes = yield* Effect.option(blobs.get(key.value))
    return Option.map(bytes, (found) => ({ bytes: found, contentType: contentTypeOf(found) }))
  }
  const frame = /^liveness-([1-9]\d{0,2})$/.exec(name)
  if (name !== "selfie" && frame === null) return Option.none()
  const unpacked = yield* unpackJob(job)
  if (Either.isLeft(unpacked)) return Option.none()
  const bytes = frame === null ? unpacked.right.selfie : unpacked.right.liveness[Number(frame[1]) - 1]
  return bytes === undefined ? Option.none() : Option.some({ bytes, contentType: contentTypeOf(bytes) })
})
