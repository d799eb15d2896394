/**
 * Pure image-quality judgement: from what a worker measured to the findings the
 * policy reads. No models, no I/O, so every threshold is testable with numbers.
 */
import type { Findings } from "@selfie-auth/core"
import type { DetectedFace, ImageMeasurements } from "./WorkerProtocol.js"

/**
 * Limits of a usable face image. The defaults were calibrated with
 * `pnpm bench:face` on the labelled set (see docs/results/face-engine.md).
 */
export interface QualityThresholds {
  /** Detected boxes below this score are false boxes and ignored. */
  readonly minFaceScore: number
  /** A face whose box is smaller than this (shorter side, pixels of the decoded image) is `face_too_small`. */
  readonly minFacePixels: number
  /**
   * A second face counts (`multiple_faces`) only if its box height is at least
   * this share of the main face's: tiny background faces are ignored.
   */
  readonly minSecondFaceRelativeSize: number
  /** Mean face luminance (0..1) below this is `too_dark`. */
  readonly minBrightness: number
  /** Mean face luminance (0..1) above this is `too_bright`. */
  readonly maxBrightness: number
  /** Variance of the Laplacian (grey face crop, at most 256 px) below this is `too_blurry`. */
  readonly minSharpness: number
  /** Share of the face mesh outside the image above which the face is `face_cut_off`. */
  readonly maxOutsideShare: number
  /** Absolute yaw (degrees) above which the pose is `extreme_pose`. */
  readonly maxYaw: number
  /** Absolute pitch (degrees) above which the pose is `extreme_pose`. */
  readonly maxPitch: number
}

export const defaultQualityThresholds: QualityThresholds = {
  minFaceScore: 0.5,
  minFacePixels: 80,
  minSecondFaceRelativeSize: 0.35,
  minBrightness: 0.12,
  maxBrightness: 0.85,
  minSharpness: 30,
  maxOutsideShare: 0.1,
  maxYaw: 35,
  maxPitch: 30
}

/** Mean of 8-bit grey values, as 0..1. */
export const meanLuminance = (grey: Uint8Array): number => {
  let sum = 0
  for (const value of grey) sum += value
  return grey.length === 0 ? 0 : sum / grey.length / 255
}

/**
 * Variance of the 4-neighbour Laplacian over the interior of an 8-bit grey
 * image (row-major `width` x `height`): the classic focus measure. Compare
 * values only at the same image size: scaling changes it.
 */
export const laplacianVariance = (grey: Uint8Array, width: number, height: number): number => {
  let count = 0
  let sum = 0
  let sumOfSquares = 0
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const at = y * width + x
      const laplacian = (grey[at - 1] ?? 0) + (grey[at + 1] ?? 0) + (grey[at - width] ?? 0) + (grey[at + width] ?? 0) -
        4 * (grey[at] ?? 0)
      sum += laplacian
      sumOfSquares += laplacian * laplacian
      count++
    }
  }
  if (count === 0) return 0
  const mean = sum / count
  return sumOfSquares / count - mean * mean
}

/** Share of `inner`'s area that lies inside `outer`. */
const overlapShare = (inner: Findings.Box, outer: Findings.Box) => {
  const width = Math.min(inner.x + inner.width, outer.x + outer.width) - Math.max(inner.x, outer.x)
  const height = Math.min(inner.y + inner.height, outer.y + outer.height) - Math.max(inner.y, outer.y)
  const area = inner.width * inner.height
  return width <= 0 || height <= 0 || area <= 0 ? 0 : (width * height) / area
}

/**
 * Faces that are real: score at least `minFaceScore`, the main (largest) first;
 * a second face counts only if it is not tiny next to the main one and not
 * mostly inside it (a face within a face is a false box).
 */
export const countedFaces = (
  faces: ReadonlyArray<DetectedFace>,
  thresholds: QualityThresholds
): ReadonlyArray<DetectedFace> => {
  const real = faces.filter((face) => face.score >= thresholds.minFaceScore)
  const main = real[0]
  if (main === undefined) return []
  return real.filter((face) =>
    face === main ||
    (face.box.height >= thresholds.minSecondFaceRelativeSize * main.box.height && overlapShare(face.box, main.box) < 0.5)
  )
}

/** The findings for one image: suppressed false boxes, the main face and every quality problem. */
export const imageFindings = (measurements: ImageMeasurements, thresholds: QualityThresholds): Findings.ImageFindings => {
  const faces = countedFaces(measurements.faces, thresholds)
  const main = faces[0]
  const problems: Array<Findings.QualityProblem> = []
  if (main === undefined) problems.push("no_face")
  if (faces.length > 1) problems.push("multiple_faces")
  if (main !== undefined && Math.min(main.box.width, main.box.height) < thresholds.minFacePixels) problems.push("face_too_small")
  if (measurements.brightness < thresholds.minBrightness) problems.push("too_dark")
  if (measurements.brightness > thresholds.maxBrightness) problems.push("too_bright")
  // Without a face the focus measure is of the whole scene and says nothing about a face.
  if (main !== undefined && measurements.sharpness < thresholds.minSharpness) problems.push("too_blurry")
  if (main !== undefined && main.outsideShare > thresholds.maxOutsideShare) problems.push("face_cut_off")
  if (main !== undefined && (Math.abs(main.pose.yaw) > thresholds.maxYaw || Math.abs(main.pose.pitch) > thresholds.maxPitch)) {
    problems.push("extreme_pose")
  }
  const descriptor = measurements.descriptor
  return {
    width: measurements.width,
    height: measurements.height,
    faceCount: faces.length,
    ...(main !== undefined && descriptor !== undefined
      ? { face: { box: main.box, score: main.score, pose: main.pose, descriptor } }
      : {}),
    brightness: measurements.brightness,
    sharpness: measurements.sharpness,
    problems
  }
}
