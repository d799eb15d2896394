/**
 * Configuration of the Human/face-api engine. Every field has a calibrated
 * default; pass only what you change to {@link ./FaceEngineHuman.ts} `layer`.
 */
import * as os from "node:os"
import type { LivenessThresholds } from "./JobEvidence.js"
import { defaultLivenessThresholds } from "./JobEvidence.js"
import type { QualityThresholds } from "./ImageQuality.js"
import { defaultQualityThresholds } from "./ImageQuality.js"

export interface FaceEngineConfig {
  /** Worker threads, each with its own copy of the models (about 300 MB). Default: the machine's cores. */
  readonly workers: number
  /** Images are scaled down so their longer side is at most this many pixels before detection. */
  readonly maxInputSide: number
  /** Longest one image may take before its worker is presumed stuck, terminated and replaced. */
  readonly taskTimeoutMs: number
  /** Attempts per image in all when workers crash or get stuck. */
  readonly maxAttempts: number
  /** Longest a worker may take to load its models. */
  readonly startTimeoutMs: number
  /** Detector boxes below this score are not even reported by the workers. */
  readonly minDetectorScore: number
  readonly quality: QualityThresholds
  readonly liveness: LivenessThresholds
  /** Test only: let workers accept the crash/hang hooks. Never enable in production. */
  readonly testHooks: boolean
}

export const defaultConfig = (): FaceEngineConfig => ({
  workers: Math.max(1, os.availableParallelism()),
  maxInputSide: 1024,
  taskTimeoutMs: 30_000,
  maxAttempts: 3,
  startTimeoutMs: 120_000,
  minDetectorScore: 0.3,
  quality: defaultQualityThresholds,
  liveness: defaultLivenessThresholds,
  testHooks: false
})

/** A partial configuration; nested threshold groups may be partial too. */
export type FaceEngineConfigInput =
  & Partial<Omit<FaceEngineConfig, "quality" | "liveness">>
  & {
    readonly quality?: Partial<QualityThresholds>
    readonly liveness?: Partial<LivenessThresholds>
  }

/** Fills the gaps of a partial configuration with the defaults. */
export const resolveConfig = (input: FaceEngineConfigInput = {}): FaceEngineConfig => {
  const defaults = defaultConfig()
  const { quality, liveness, ...rest } = input
  return {
    ...defaults,
    ...rest,
    quality: { ...defaults.quality, ...quality },
    liveness: { ...defaults.liveness, ...liveness }
  }
}
