/**
 * FaceEngine: detection, quality, liveness evidence and comparison.
 *
 * The default adapter (`@selfie-auth/adapter-face`) runs real models off the
 * event loop; `FaceEngine.layerMemory` answers from a table of canned findings
 * keyed by image bytes and serves unit tests only.
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { ImageFindings, JobFindings } from "../Findings.js"

/**
 * Why the engine could not analyse: an image that is not a decodable picture
 * (`ImageUnreadable`, the caller's fault: the job fails with a clear message),
 * or the engine itself failing (`EngineFailure`, retried by the pipeline).
 */
export class FaceEngineError extends Schema.TaggedError<FaceEngineError>()("FaceEngineError", {
  reason: Schema.Literal("ImageUnreadable", "EngineFailure"),
  /** Which image: "selfie", "registered_selfie" or "liveness[3]". */
  image: Schema.String,
  detail: Schema.String
}) {}

export interface AnalyzeJobInput {
  readonly selfie: Uint8Array
  readonly livenessFrames: ReadonlyArray<Uint8Array>
  /** The selfie on file, for authentication (job type 2). */
  readonly registeredSelfie?: Uint8Array
}

export interface FaceEngineService {
  /** Findings for a single image. */
  readonly analyze: (image: Uint8Array) => Effect.Effect<ImageFindings, FaceEngineError>
  /** Findings for a whole job: the selfie, liveness evidence and, with a registered selfie, the comparison. */
  readonly analyzeJob: (input: AnalyzeJobInput) => Effect.Effect<JobFindings, FaceEngineError>
}

export class FaceEngine extends Context.Tag("@selfie-auth/core/FaceEngine")<FaceEngine, FaceEngineService>() {
  /**
   * A test double: findings are looked up by the image's bytes (as a latin1
   * string key). An unknown image fails with `ImageUnreadable`.
   */
  static layerMemory(options: {
    readonly images: ReadonlyMap<string, ImageFindings>
    readonly job: (input: AnalyzeJobInput) => JobFindings
  }): Layer.Layer<FaceEngine> {
    const keyOf = (bytes: Uint8Array) => String.fromCharCode(...bytes.subarray(0, 4096))
    return Layer.succeed(FaceEngine, {
      analyze: (image) => {
        const found = options.images.get(keyOf(image))
        return found === undefined
          ? Effect.fail(new FaceEngineError({ reason: "ImageUnreadable", image: "image", detail: "unknown test image" }))
          : Effect.succeed(found)
      },
      analyzeJob: (input) => Effect.sync(() => options.job(input))
    })
  }
}
