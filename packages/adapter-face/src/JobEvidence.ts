/**
 * Pure job-level evidence: liveness from the frames, the engine's spoof
 * suspicion and the comparison with a registered selfie, all from per-image
 * findings. No models, no I/O.
 */
import type { Findings } from "@selfie-auth/core"
import type { ConfidenceCalibration } from "./Confidence.js"
import { confidenceOf, defaultCalibration } from "./Confidence.js"

export interface LivenessThresholds {
  /** A frame is the selfie's person below this descriptor distance. */
  readonly matchDistance: number
  /** A frame is clearly someone else at or above this distance (suspicion needs a clear case). */
  readonly differentPersonDistance: number
  /** Two frames closer than this are the same picture sent twice (no live capture differs so little). */
  readonly duplicateFrameDistance: number
}

export const defaultLivenessThresholds: LivenessThresholds = {
  matchDistance: 0.58,
  differentPersonDistance: 0.65,
  duplicateFrameDistance: 0.005
}

/** Euclidean distance between two descriptors of the same length. */
export const euclideanDistance = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  if (a.length !== b.length) throw new RangeError(`descriptor lengths differ: ${a.length} and ${b.length}`)
  let sum = 0
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    sum += d * d
  }
  return Math.sqrt(sum)
}

/** Problems that disqualify a liveness frame: head turns are expected there, so `extreme_pose` does not. */
const framesMayHave: ReadonlySet<Findings.QualityProblem> = new Set(["extreme_pose"])

/** The face of a frame that can serve as liveness evidence, if any. */
export const usableFace = (frame: Findings.ImageFindings): Findings.FaceFindings | undefined =>
  frame.faceCount === 1 && frame.problems.every((problem) => framesMayHave.has(problem)) ? frame.face : undefined

const spread = (values: ReadonlyArray<number>) => values.length === 0 ? 0 : Math.max(...values) - Math.min(...values)

/** Liveness evidence of the frames relative to the selfie. */
export const livenessEvidence = (
  selfie: Findings.ImageFindings,
  frames: ReadonlyArray<Findings.ImageFindings>,
  thresholds: LivenessThresholds
): Findings.LivenessEvidence => {
  const faces = frames.flatMap((frame) => {
    const face = usableFace(frame)
    return face === undefined ? [] : [face]
  })
  const selfieFace = selfie.face
  const matching = selfieFace === undefined
    ? 0
    : faces.filter((face) => euclideanDistance(face.descriptor, selfieFace.descriptor) < thresholds.matchDistance).length
  const poses = [...faces, ...(selfieFace === undefined ? [] : [selfieFace])].map((face) => face.pose)
  return {
    framesProvided: frames.length,
    framesUsable: faces.length,
    framesMatchingSelfie: matching,
    poseRange: { yaw: spread(poses.map((pose) => pose.yaw)), pitch: spread(poses.map((pose) => pose.pitch)) }
  }
}

/**
 * The engine's presentation-attack signal. This engine has no validated
 * presentation-attack model, so it never says `strong`; it says `weak` only when
 * the job contradicts itself:
 * - the frames show more than one person (some match the selfie, some clearly do not);
 * - every usable frame is one person and the selfie clearly another;
 * - two frames are the same picture (a replayed still instead of a capture).
 */
export const spoofSuspicion = (
  selfie: Findings.ImageFindings,
  frames: ReadonlyArray<Findings.ImageFindings>,
  thresholds: LivenessThresholds
): Findings.SpoofSuspicion => {
  const faces = frames.flatMap((frame) => {
    const face = usableFace(frame)
    return face === undefined ? [] : [face]
  })
  for (let i = 0; i < faces.length; i++) {
    for (let j = i + 1; j < faces.length; j++) {
      const a = faces[i]
      const b = faces[j]
      if (a !== undefined && b !== undefined && euclideanDistance(a.descriptor, b.descriptor) < thresholds.duplicateFrameDistance) {
        return "weak"
      }
    }
  }
  const selfieFace = selfie.face
  if (selfieFace === undefined || faces.length === 0) return "none"
  const distances = faces.map((face) => euclideanDistance(face.descriptor, selfieFace.descriptor))
  const someMatch = distances.some((d) => d < thresholds.matchDistance)
  const someOther = distances.some((d) => d >= thresholds.differentPersonDistance)
  if (someMatch && someOther) return "weak"
  if (!someMatch && someOther && faces.length >= 2) {
    const first = faces[0]
    const framesAgree = first !== undefined &&
      faces.every((face) => euclideanDistance(face.descriptor, first.descriptor) < thresholds.matchDistance)
    if (framesAgree) return "weak"
  }
  return "none"
}

/** Distance and calibrated confidence between the new selfie and the registered one, when both show a face. */
export const comparison = (
  selfie: Findings.ImageFindings,
  registered: Findings.ImageFindings,
  calibration: ConfidenceCalibration = defaultCalibration
): Findings.Comparison | undefined => {
  if (selfie.face === undefined || registered.face === undefined) return undefined
  const distance = euclideanDistance(selfie.face.descriptor, registered.face.descriptor)
  return { distance, confidence: confidenceOf(distance, calibration) }
}

/** Everything the policy needs for one job, from the per-image findings. */
export const jobFindings = (
  input: {
    readonly selfie: Findings.ImageFindings
    readonly frames: ReadonlyArray<Findings.ImageFindings>
    readonly registered?: Findings.ImageFindings
  },
  thresholds: LivenessThresholds,
  calibration: ConfidenceCalibration = defaultCalibration
): Findings.JobFindings => {
  const compared = input.registered === undefined ? undefined : comparison(input.selfie, input.registered, calibration)
  return {
    selfie: input.selfie,
    ...(input.frames.length === 0 ? {} : { liveness: livenessEvidence(input.selfie, input.frames, thresholds) }),
    spoofSuspicion: spoofSuspicion(input.selfie, input.frames, thresholds),
    ...(compared === undefined ? {} : { comparison: compared })
  }
}
