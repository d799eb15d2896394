/**
 * The messages between the engine (main thread) and a face worker. Plain
 * structured-clone data only: no classes, no functions.
 */
import type { Findings } from "@selfie-auth/core"

type Box = Findings.Box
type HeadPose = Findings.HeadPose

/** Everything a worker needs to start, resolved by the main thread. */
export interface WorkerSetup {
  /** Directory holding Human's `*.json`/`*.bin` models (inside node_modules). */
  readonly humanModelsDir: string
  /** Directory holding face-api's weights manifests (inside node_modules). */
  readonly faceApiModelsDir: string
  /** Directory holding tfjs-backend-wasm's `.wasm` files. */
  readonly wasmDir: string
  /** Absolute path of Human's `human.node-wasm.js` build. */
  readonly humanScript: string
  /** Absolute path of face-api's `face-api.node-wasm.js` build. */
  readonly faceApiScript: string
  /** Absolute path of tfjs-core's CommonJS entry (the instance both libraries share). */
  readonly tfjsCoreScript: string
  /** Absolute path of tfjs-backend-wasm's CommonJS entry. */
  readonly tfjsWasmScript: string
  /** Absolute path of sharp's entry. */
  readonly sharpScript: string
  /** Longer image side after decoding; larger images are scaled down first. */
  readonly maxInputSide: number
  /** Faces below this detector score are not reported at all. */
  readonly minDetectorScore: number
  /**
   * The judgement's `minFaceScore` (ImageQuality): the main face, the one
   * described and measured, is the largest face scoring at least this.
   */
  readonly minFaceScore: number
  /** Accept the test-only `Crash`/`Hang` hooks. */
  readonly testHooks: boolean
}

/** One face as the detector saw it, before false boxes are suppressed. */
export interface DetectedFace {
  readonly box: Box
  readonly score: number
  readonly pose: HeadPose
  /** Share (0..1) of the face mesh's points that fall outside the image. */
  readonly outsideShare: number
}

/** What a worker measured on one image. */
export interface ImageMeasurements {
  readonly width: number
  readonly height: number
  /**
   * Every detected face: those scoring at least `minFaceScore` first, largest
   * first, then the others, largest first. The main face, if any, is the first.
   */
  readonly faces: ReadonlyArray<DetectedFace>
  /** The 128-d descriptor of the main face (absent without one). */
  readonly descriptor?: ReadonlyArray<number>
  /** Mean luminance 0..1 of the main face, or of the whole image without one. */
  readonly brightness: number
  /** Variance of the Laplacian of the main face (of the whole image without one), scaled to a fixed size (see FaceWorker). */
  readonly sharpness: number
  /** Milliseconds spent in the worker (decode + models + measures). */
  readonly elapsedMs: number
}

export type ToWorker =
  | { readonly _tag: "Analyze"; readonly id: number; readonly bytes: Uint8Array }
  /** Test-only: the worker exits abruptly when it receives its next `Analyze`. */
  | { readonly _tag: "CrashOnNextTask" }
  /** Test-only: the worker spins forever when it receives its next `Analyze`. */
  | { readonly _tag: "HangOnNextTask" }

export type FromWorker =
  | { readonly _tag: "Ready"; readonly loadMs: number }
  | { readonly _tag: "StartFailed"; readonly detail: string }
  | { readonly _tag: "Analyzed"; readonly id: number; readonly measurements: ImageMeasurements }
  | { readonly _tag: "Unreadable"; readonly id: number; readonly detail: string }
  | { readonly _tag: "Failed"; readonly id: number; readonly detail: string }
