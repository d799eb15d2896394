/**
 * What a face engine observed, as plain data. The engine measures; the
 * decision policy ({@link ./Decision.ts}) judges. Keeping the two apart lets a
 * partner re-run a decision with other thresholds and lets tests drive the
 * policy without any image.
 */

/** A reason an image cannot serve as a selfie or a liveness frame. */
export type QualityProblem =
  | "no_face"
  | "multiple_faces"
  | "face_too_small"
  | "too_dark"
  | "too_bright"
  | "too_blurry"
  | "face_cut_off"
  | "extreme_pose"

export const qualityProblems: ReadonlyArray<QualityProblem> = [
  "no_face",
  "multiple_faces",
  "face_too_small",
  "too_dark",
  "too_bright",
  "too_blurry",
  "face_cut_off",
  "extreme_pose"
]

/** Pixel rectangle in the decoded, EXIF-rotated image. */
export interface Box {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

/** Head rotation in degrees; 0/0/0 is a frontal face. */
export interface HeadPose {
  readonly yaw: number
  readonly pitch: number
  readonly roll: number
}

/** The main face of an image. */
export interface FaceFindings {
  readonly box: Box
  /** Detector confidence, 0..1. */
  readonly score: number
  readonly pose: HeadPose
  /** Identity descriptor (128 numbers for the default engine); compared by Euclidean distance. */
  readonly descriptor: ReadonlyArray<number>
}

/** Findings for one image. */
export interface ImageFindings {
  readonly width: number
  readonly height: number
  /** Faces found after false boxes were suppressed. */
  readonly faceCount: number
  /** The largest face, when there is at least one. */
  readonly face?: FaceFindings
  /** Mean luminance of the face (or of the image without a face), 0..1. */
  readonly brightness: number
  /** Focus measure of the face region (variance of the Laplacian), higher is sharper. */
  readonly sharpness: number
  /** Empty when the image is usable. */
  readonly problems: ReadonlyArray<QualityProblem>
}

/** Proof-of-life evidence from the liveness frames, relative to the selfie. */
export interface LivenessEvidence {
  readonly framesProvided: number
  /** Frames with exactly one face of acceptable quality. */
  readonly framesUsable: number
  /** Usable frames whose face is the selfie's person (distance under the engine's match threshold). */
  readonly framesMatchingSelfie: number
  /** Spread (max - min, degrees) of head pose across the usable frames and the selfie. */
  readonly poseRange: { readonly yaw: number; readonly pitch: number }
}

/**
 * The engine's own presentation-attack signal. `weak` and `strong` both send a
 * job to a human unless the policy is told strong evidence may reject.
 */
export type SpoofSuspicion = "none" | "weak" | "strong"

/** The result of comparing the new selfie to the registered one (job type 2). */
export interface Comparison {
  /** Euclidean distance between descriptors; smaller is more alike. */
  readonly distance: number
  /** The engine's calibrated confidence that both are the same person, 0..100. */
  readonly confidence: number
}

/** Everything the policy needs to decide one job. */
export interface JobFindings {
  readonly selfie: ImageFindings
  /** Absent when no liveness frames were provided (a lone selfie gets only Selfie_Check). */
  readonly liveness?: LivenessEvidence
  readonly spoofSuspicion: SpoofSuspicion
  /** Present for authentication when the selfie had a usable face. */
  readonly comparison?: Comparison
}
