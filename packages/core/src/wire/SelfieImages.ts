/**
 * Which images of an info.json make the SmartSelfie job: exactly one selfie
 * (type 0, a file in the zip, or 2, base64) and any number of liveness frames
 * (4 file, 6 base64; WIRE.md says typically 8). ID card images (1, 3, 5, 7)
 * are not part of SmartSelfie and are set aside.
 *
 * The Node SDK bug (WIRE.md, "The zip"): liveness files (type 4) are never
 * zipped; their entry carries the client's absolute local path in `image` and
 * an empty `file_name`. Such a frame is reported as a {@link SkippedLivenessFrame}
 * warning and left out, so the job runs as if that frame was not sent.
 *
 * Pure: returns references (a zip entry name or a base64 payload), not bytes.
 */
import { Either } from "effect"
import * as GeneralError from "../GeneralError.js"
import * as ImageType from "../ImageType.js"
import type { ImageEntry } from "./InfoJson.js"

/** Where an image's bytes are: a file in the zip, or base64 text inside info.json. */
export type ImageReference =
  | { readonly _tag: "ZipEntry"; readonly fileName: string; readonly index: number }
  | { readonly _tag: "Base64"; readonly data: string; readonly index: number }

/** A liveness entry that cannot be read and was left out (not fatal: liveness frames are optional). */
export interface SkippedLivenessFrame {
  readonly _tag: "SkippedLivenessFrame"
  /** Position in `images`. */
  readonly index: number
  readonly reason: "local_path_not_uploaded"
  readonly message: string
}

/** The images a SmartSelfie job runs on, as references into the zip or info.json. */
export interface SelfieImages {
  readonly selfie: ImageReference
  /** In the order of `images`. Empty when none were sent: the job then gets only `Selfie_Check`. */
  readonly livenessFrames: ReadonlyArray<ImageReference>
  /** Positions of ID card images, which SmartSelfie ignores. */
  readonly ignored: ReadonlyArray<number>
  readonly warnings: ReadonlyArray<SkippedLivenessFrame>
}

/** No selfie or a selfie without data (2213); more than one selfie (2203). */
export type SelfieImagesError = GeneralError.MissingParameter | GeneralError.InvalidJson

/**
 * Base64 of an image: only the base64 alphabet and far longer than a path.
 * Needed because base64 JPEG data starts with "/9j/", which also looks like an
 * absolute path.
 */
const looksLikeBase64 = (value: string): boolean => value.length >= 100 && /^[A-Za-z0-9+/\r\n]+={0,2}$/.test(value)

/** `/home/partner/x.jpg`, `C:\x.jpg`, `\\server\x.jpg`, `file:///x.jpg`, `~/x.jpg`, and not base64 data. */
const looksLikeLocalPath = (value: string): boolean =>
  /^(?:\/|~\/|[A-Za-z]:[\\/]|\\\\|file:\/\/)/.test(value.trim()) && !looksLikeBase64(value.trim())

const at = (index: number, key: string) => `info.json images[${index}].${key}`

type Classified =
  | { readonly _tag: "Selfie"; readonly reference: ImageReference }
  | { readonly _tag: "Liveness"; readonly reference: ImageReference }
  | { readonly _tag: "Ignored"; readonly index: number }
  | { readonly _tag: "Skipped"; readonly warning: SkippedLivenessFrame }

const classify = (entry: ImageEntry, index: number): Either.Either<Classified, SelfieImagesError> => {
  const { role, source } = ImageType.info(entry.image_type_id)
  if (role !== "selfie" && role !== "liveness") return Either.right({ _tag: "Ignored", index })
  const tag = role === "selfie" ? "Selfie" : "Liveness"
  if (source === "base64") {
    if (entry.image.trim() === "") {
      return Either.left(
        new GeneralError.MissingParameter({
          detail: `${at(index, "image")} is empty: image_type_id ${entry.image_type_id} carries the image as base64 in "image"`
        })
      )
    }
    return Either.right({ _tag: tag, reference: { _tag: "Base64", data: entry.image, index } })
  }
  if (entry.file_name.trim() !== "") {
    return Either.right({ _tag: tag, reference: { _tag: "ZipEntry", fileName: entry.file_name, index } })
  }
  if (role === "liveness" && looksLikeLocalPath(entry.image)) {
    return Either.right({
      _tag: "Skipped",
      warning: {
        _tag: "SkippedLivenessFrame",
        index,
        reason: "local_path_not_uploaded",
        message: `${at(index, "image")} is a path on the sender's machine and file_name is empty, so the frame was not uploaded (a known Node SDK bug); the job runs without it. Send liveness frames as base64 (image_type_id 6) or zip the file and name it in file_name.`
      }
    })
  }
  return Either.left(
    new GeneralError.MissingParameter({
      detail: `${at(index, "file_name")} is empty: image_type_id ${entry.image_type_id} is a file in the zip, named in "file_name"${
        entry.image === "" ? "" : " (for base64 in \"image\", use image_type_id " + (role === "selfie" ? 2 : 6) + ")"
      }`
    })
  )
}

/**
 * Picks the selfie and the liveness frames out of info.json's images.
 * No selfie -> 2213; more than one -> 2203 (info.json is not the expected
 * structure: which one should be compared would be a guess).
 */
export const resolveSelfieImages = (
  images: ReadonlyArray<ImageEntry>
): Either.Either<SelfieImages, SelfieImagesError> =>
  Either.flatMap(Either.all(images.map(classify)), (classified): Either.Either<SelfieImages, SelfieImagesError> => {
    const selfies: Array<ImageReference> = []
    const livenessFrames: Array<ImageReference> = []
    const ignored: Array<number> = []
    const warnings: Array<SkippedLivenessFrame> = []
    for (const item of classified) {
      switch (item._tag) {
        case "Selfie":
          selfies.push(item.reference)
          break
        case "Liveness":
          livenessFrames.push(item.reference)
          break
        case "Ignored":
          ignored.push(item.index)
          break
        case "Skipped":
          warnings.push(item.warning)
      }
    }
    const [selfie, ...others] = selfies
    if (selfie === undefined) {
      return Either.left(
        new GeneralError.MissingParameter({
          detail:
            "info.json images has no selfie: add one entry with image_type_id 0 (a file in the zip named in file_name) or 2 (base64 in image)"
        })
      )
    }
    if (others.length > 0) {
      const positions = selfies.map((reference) => `images[${reference.index}]`).join(", ")
      return Either.left(
        new GeneralError.InvalidJson({
          detail: `info.json has ${selfies.length} selfies (${positions}); send exactly one entry of image_type_id 0 or 2`
        })
      )
    }
    return Either.right({ selfie, livenessFrames, ignored, warnings })
  })
