/**
 * What a partner hands the client for one SmartSelfie job, and its checks.
 * Everything here runs before any request is sent, so a mistake costs no
 * job id and no network round trip, and each refusal names the input to fix.
 *
 * Checked, in order: the job type (2 or 4), `userId` and `jobId` (non-empty
 * strings of at most 255 characters), the selfie (exactly one), the liveness
 * frames (an array of images), `callbackUrl` (an http(s) URL when given) and
 * `extraPartnerParams` (string values, no reserved key). Images are then
 * loaded and checked: a readable file, not empty, a JPEG or PNG.
 *
 * The input is taken as `unknown` where plain JavaScript callers reach it (the
 * Promise facade), so a wrong type is a clear error rather than a crash.
 */
import { Ids, JobType } from "@selfie-auth/core"
import { Effect, Either, Encoding, Schema } from "effect"
import { InvalidJobRequest, UnreadableImage } from "./ClientError.js"
import { ImageFiles } from "./ImageFiles.js"

/**
 * One image: a file path (Node entry only), raw bytes, or base64 text (a
 * `data:image/...;base64,` prefix is allowed).
 */
export type ImageInput =
  | Uint8Array
  | { readonly path: string }
  | { readonly bytes: Uint8Array }
  | { readonly base64: string }

/** A progress event of a submission, for a progress display (the CLI prints them on stderr). */
export type ProgressEvent =
  | { readonly _tag: "ImagesLoaded"; readonly images: number; readonly bytes: number }
  | { readonly _tag: "UploadPrepared"; readonly smileJobId: string }
  | { readonly _tag: "ZipPacked"; readonly bytes: number; readonly millis: number }
  | { readonly _tag: "ZipUploaded"; readonly bytes: number; readonly httpStatus: number }
  | { readonly _tag: "Polled"; readonly poll: number; readonly jobComplete: boolean; readonly code: string }

/** The job as the partner describes it (job type aside: `register` is 4, `authenticate` 2). */
export interface JobInput {
  /** Your id for the user: new for a registration, the registered one for an authentication. */
  readonly userId: string
  /** Your id for this job; unique per partner. */
  readonly jobId: string
  /** Exactly one selfie. */
  readonly selfie: ImageInput
  /** The liveness frames (typically 8), zipped as files of image type 4. Optional, but proof of life runs on them. */
  readonly livenessFrames?: ReadonlyArray<ImageInput>
  /** Where results are POSTed. Without one, the only way to a result is polling job_status. */
  readonly callbackUrl?: string
  /** Your own tracking keys, echoed back in every result. Values must be strings. */
  readonly extraPartnerParams?: Readonly<Record<string, string>>
  /**
   * Poll job_status until the job completes before returning. Default: true
   * when there is no `callbackUrl` (polling is then the only way to a result).
   */
  readonly waitForResult?: boolean
  readonly onProgress?: (event: ProgressEvent) => void
}

/** A job that passed every check before loading its images. */
export interface CheckedJob extends CheckedDescription {
  readonly selfie: ImageInput
  readonly livenessFrames: ReadonlyArray<ImageInput>
  readonly waitForResult: boolean
  readonly onProgress: (event: ProgressEvent) => void
}

/** An image ready to zip. */
export interface LoadedImage {
  readonly field: string
  readonly bytes: Uint8Array
  readonly extension: "jpg" | "png"
}

/**
 * The most liveness frames a job may carry: the server's default limit of 64
 * zip entries, less info.json and the selfie.
 */
export const maxLivenessFrames = 62

const reservedPartnerParams = new Set(["user_id", "job_id", "job_type"])

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)

const refuse = (field: string, detail: string) => Either.left(new InvalidJobRequest({ field, detail }))

const decodeUserId = Schema.decodeUnknownEither(Ids.UserId)
const decodeJobId = Schema.decodeUnknownEither(Ids.JobId)

const describeValue = (value: unknown): string =>
  value === undefined ? "nothing" : value === null ? "null" : Array.isArray(value) ? `an array of ${value.length}` : `a ${typeof value}`

/** Whether a value has the shape of an {@link ImageInput} (its content is checked when loading). */
const isImageInput = (value: unknown): value is ImageInput =>
  value instanceof Uint8Array ||
  (isRecord(value) &&
    ((typeof value["path"] === "string") || value["bytes"] instanceof Uint8Array || typeof value["base64"] === "string"))

const imageShapeAdvice = "pass a file path as { path }, the bytes as a Uint8Array (or { bytes }), or { base64 }"

/** The part of a job the prep upload carries: job type, ids, callback and extra partner params. */
export interface CheckedDescription {
  readonly jobType: JobType.JobType
  readonly userId: Ids.UserId
  readonly jobId: Ids.JobId
  readonly callbackUrl: string | undefined
  readonly extraPartnerParams: Readonly<Record<string, string>>
}

/**
 * Checks what a prep upload sends: the job type, the ids, the callback URL
 * and the extra partner params.
 *
 * @param jobType as received: `2` or `4`; anything else is refused with which to use.
 */
export const checkDescription = (
  jobType: unknown,
  input: unknown
): Either.Either<CheckedDescription, InvalidJobRequest> => {
  if (jobType !== JobType.Authentication && jobType !== JobType.Registration) {
    return refuse(
      "jobType",
      `job type ${JSON.stringify(jobType)} is not a SmartSelfie job; use 4 to register a user's selfie or 2 to authenticate a registered user`
    )
  }
  if (!isRecord(input)) return refuse("job", `expected an object with userId, jobId and selfie (got ${describeValue(input)})`)

  const userId = decodeUserId(input["userId"])
  if (Either.isLeft(userId)) {
    return refuse("userId", `must be your id for the user, a non-empty string of at most 255 characters (got ${describeValue(input["userId"])})`)
  }
  const jobId = decodeJobId(input["jobId"])
  if (Either.isLeft(jobId)) {
    return refuse("jobId", `must be your unique id for this job, a non-empty string of at most 255 characters (got ${describeValue(input["jobId"])})`)
  }

  const callbackUrl = input["callbackUrl"]
  if (callbackUrl !== undefined && callbackUrl !== null && callbackUrl !== "") {
    if (typeof callbackUrl !== "string" || !/^https?:\/\/[^\s/?#]+[^\s]*$/i.test(callbackUrl)) {
      return refuse("callbackUrl", `must be an http(s) URL where results are POSTed, or be left out (got ${JSON.stringify(callbackUrl)})`)
    }
  }

  const extras = input["extraPartnerParams"] ?? {}
  if (!isRecord(extras)) return refuse("extraPartnerParams", `must be an object of string values (got ${describeValue(extras)})`)
  if (Object.hasOwn(extras, "__proto__")) {
    return refuse("extraPartnerParams.__proto__", "is a name JavaScript reserves and cannot be echoed back; rename this key")
  }
  for (const [key, value] of Object.entries(extras)) {
    if (reservedPartnerParams.has(key)) {
      return refuse(`extraPartnerParams.${key}`, `${key} is set by the client from userId, jobId and the job type; remove it`)
    }
    if (typeof value !== "string") {
      return refuse(
        `extraPartnerParams.${key}`,
        `must be a string, since partner params are echoed back as strings (got ${describeValue(value)}; send ${JSON.stringify(String(value))})`
      )
    }
  }
  return Either.right({
    jobType,
    userId: userId.right,
    jobId: jobId.right,
    callbackUrl: typeof callbackUrl === "string" && callbackUrl !== "" ? callbackUrl : undefined,
    extraPartnerParams: extras as Record<string, string>
  })
}

/**
 * Checks a whole job before anything is loaded or sent: its description
 * ({@link checkDescription}), then exactly one selfie, the liveness frames
 * and the options.
 */
export const checkJob = (jobType: unknown, input: unknown): Either.Either<CheckedJob, InvalidJobRequest> =>
  Either.flatMap(checkDescription(jobType, input), (description) => {
    const fields = input as Record<string, unknown>
    const selfie = fields["selfie"]
    if (selfie === undefined || selfie === null || (Array.isArray(selfie) && selfie.length === 0)) {
      return refuse("selfie", `no selfie was given; every SmartSelfie job needs exactly one: ${imageShapeAdvice}`)
    }
    if (Array.isArray(selfie)) {
      return refuse(
        "selfie",
        `${selfie.length} selfies were given; send exactly one selfie, and put other frames of the same capture in livenessFrames`
      )
    }
    if (!isImageInput(selfie)) return refuse("selfie", `is ${describeValue(selfie)}; ${imageShapeAdvice}`)

    const frames = fields["livenessFrames"] ?? []
    if (!Array.isArray(frames)) return refuse("livenessFrames", `must be an array of images (got ${describeValue(frames)})`)
    if (frames.length > maxLivenessFrames) {
      return refuse("livenessFrames", `${frames.length} frames were given; send at most ${maxLivenessFrames} (8 is typical)`)
    }
    const badFrame = frames.findIndex((frame) => !isImageInput(frame))
    if (badFrame >= 0) return refuse(`livenessFrames[${badFrame}]`, `is ${describeValue(frames[badFrame])}; ${imageShapeAdvice}`)

    const waitForResult = fields["waitForResult"]
    if (waitForResult !== undefined && typeof waitForResult !== "boolean") {
      return refuse("waitForResult", `must be true or false (got ${describeValue(waitForResult)})`)
    }
    const onProgress = fields["onProgress"]
    if (onProgress !== undefined && typeof onProgress !== "function") {
      return refuse("onProgress", `must be a function (got ${describeValue(onProgress)})`)
    }
    return Either.right({
      ...description,
      selfie,
      livenessFrames: frames as ReadonlyArray<ImageInput>,
      waitForResult: waitForResult ?? description.callbackUrl === undefined,
      onProgress: (onProgress as ((event: ProgressEvent) => void) | undefined) ?? (() => {})
    })
  })

const jpegMagic = [0xff, 0xd8, 0xff]
const pngMagic = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const startsWith = (bytes: Uint8Array, magic: ReadonlyArray<number>) => magic.every((byte, index) => bytes[index] === byte)

/** `"jpg"` or `"png"` from the first bytes, or `undefined` for anything else. */
export const sniffImageType = (bytes: Uint8Array): "jpg" | "png" | undefined =>
  startsWith(bytes, jpegMagic) ? "jpg" : startsWith(bytes, pngMagic) ? "png" : undefined

const hex = (bytes: Uint8Array) => Array.from(bytes.subarray(0, 4), (byte) => byte.toString(16).padStart(2, "0")).join(" ")

/** Bytes of one image input, checked to be a non-empty JPEG or PNG. */
export const loadImage = Effect.fn("SmartSelfie.loadImage")(function*(field: string, input: ImageInput) {
  const files = yield* ImageFiles
  const path = !(input instanceof Uint8Array) && "path" in input ? input.path : undefined
  const unreadable = (detail: string) =>
    new UnreadableImage({ field, detail, ...(path === undefined ? {} : { path }) })

  let bytes: Uint8Array
  if (input instanceof Uint8Array) {
    bytes = input
  } else if ("bytes" in input) {
    bytes = input.bytes
  } else if ("base64" in input) {
    const text = input.base64.replace(/^data:image\/[a-z+.-]+;base64,/i, "").replace(/\s+/g, "")
    const decoded = Encoding.decodeBase64(text)
    if (Either.isLeft(decoded)) return yield* unreadable("is not valid base64; send standard base64 of the image file")
    bytes = decoded.right
  } else {
    bytes = yield* files.read(input.path).pipe(Effect.mapError((error) => unreadable(error.detail)))
  }

  if (bytes.length === 0) return yield* unreadable("is empty (0 bytes); send the image file's bytes")
  const extension = sniffImageType(bytes)
  if (extension === undefined) {
    return yield* unreadable(`is not a JPEG or PNG image (it starts with ${hex(bytes)}); send the camera's JPEG or a PNG`)
  }
  return { field, bytes, extension } satisfies LoadedImage
})

/** The selfie and the liveness frames of a checked job, loaded and checked. */
export const loadImages = Effect.fn("SmartSelfie.loadImages")(function*(job: CheckedJob) {
  const selfie = yield* loadImage("selfie", job.selfie)
  const livenessFrames = yield* Effect.forEach(job.livenessFrames, (frame, index) => loadImage(`livenessFrames[${index}]`, frame))
  return { selfie, livenessFrames }
})
