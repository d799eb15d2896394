/**
 * `FaceEngine` on @vladmandic/human (detection, mesh, head pose) and
 * @vladmandic/face-api (128-d descriptor) over tfjs's WASM backend, in a pool
 * of worker threads.
 *
 * @example
 * import { FaceEngine } from "@selfie-auth/core"
 * import { FaceEngineHuman } from "@selfie-auth/adapter-face"
 * const program = Effect.gen(function* () {
 *   const engine = yield* FaceEngine
 *   return yield* engine.analyze(jpegBytes)
 * }).pipe(Effect.provide(FaceEngineHuman.layer({ workers: 2 })))
 *
 * Gotchas: building the layer loads the models in every worker (about a second
 * each); build it once per process. Closing its scope terminates the workers.
 */
import * as path from "node:path"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { Scope } from "effect"
import { Effect, Layer } from "effect"
import { FaceEngine, FaceEngineError } from "@selfie-auth/core"
import type { AnalyzeJobInput, FaceEngineService, Findings } from "@selfie-auth/core"
import type { FaceEngineConfig, FaceEngineConfigInput } from "./FaceEngineConfig.js"
import { resolveConfig } from "./FaceEngineConfig.js"
import { imageFindings } from "./ImageQuality.js"
import { jobFindings } from "./JobEvidence.js"
import type { PoolStats, PoolStartError } from "./WorkerPool.js"
import * as WorkerHeap from "./WorkerHeap.js"
import * as WorkerPool from "./WorkerPool.js"
import type { ImageMeasurements, ToWorker, WorkerSetup } from "./WorkerProtocol.js"

/** The engine plus what tests and benchmarks look at. */
export interface FaceEngineHumanService extends FaceEngineService {
  readonly config: FaceEngineConfig
  /** Raw worker measurements of one image (all detected faces, before judgement). */
  readonly measure: (image: Uint8Array) => Effect.Effect<ImageMeasurements, FaceEngineError>
  readonly stats: () => PoolStats
  /** Test only (needs `testHooks: true`): the next image each worker receives crashes or hangs it. */
  readonly sabotageWorkers: (hook: "CrashOnNextTask" | "HangOnNextTask") => void
}

const require = createRequire(import.meta.url)

/** Where the models, WASM binaries and library builds are, inside node_modules. */
export const locateModelFiles = (): Omit<WorkerSetup, "maxInputSide" | "minDetectorScore" | "minFaceScore" | "testHooks"> => {
  const humanDist = path.dirname(require.resolve("@vladmandic/human"))
  const faceApiScript = require.resolve("@vladmandic/face-api/dist/face-api.node-wasm.js")
  const tfjsWasmScript = require.resolve("@tensorflow/tfjs-backend-wasm")
  return {
    humanScript: path.join(humanDist, "human.node-wasm.js"),
    humanModelsDir: path.join(humanDist, "..", "models"),
    faceApiScript,
    faceApiModelsDir: path.join(path.dirname(faceApiScript), "..", "model"),
    tfjsCoreScript: require.resolve("@tensorflow/tfjs-core"),
    tfjsWasmScript,
    wasmDir: path.dirname(tfjsWasmScript),
    sharpScript: require.resolve("sharp")
  }
}

/**
 * Starts one worker, its heap floored (see WorkerHeap). Compiled, it runs
 * `FaceWorker.js`; from TypeScript sources (tests, tsx) it bootstraps tsx's
 * CommonJS hook first, because module hooks registered with `--import` do not
 * reach a worker's entry on Node 20.
 */
const spawnWorker = (setup: WorkerSetup): Worker =>
  WorkerHeap.withOldSpaceFloor(() => {
    const here = fileURLToPath(import.meta.url)
    if (here.endsWith(".ts")) {
      const tsx = require.resolve("tsx/cjs/api")
      const entry = path.join(path.dirname(here), "FaceWorker.ts")
      return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(entry)})`, {
        eval: true,
        workerData: setup
      })
    }
    return new Worker(new URL("./FaceWorker.js", import.meta.url), { workerData: setup })
  })

const engineError = (image: string) => (error: WorkerPool.PoolTaskError) =>
  new FaceEngineError({ reason: error.reason, image, detail: error.detail })

/** Starts the worker pool and returns the engine; the scope stops the workers. */
export const make = (
  input: FaceEngineConfigInput = {}
): Effect.Effect<FaceEngineHumanService, PoolStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const config = resolveConfig(input)
    const setup: WorkerSetup = {
      ...locateModelFiles(),
      maxInputSide: config.maxInputSide,
      minDetectorScore: config.minDetectorScore,
      minFaceScore: config.quality.minFaceScore,
      testHooks: config.testHooks
    }
    const pool = yield* WorkerPool.make({
      size: config.workers,
      taskTimeoutMs: config.taskTimeoutMs,
      maxAttempts: config.maxAttempts,
      startTimeoutMs: config.startTimeoutMs,
      spawn: () => spawnWorker(setup)
    })

    const measureAs = (image: string) => (bytes: Uint8Array) =>
      pool.measure(bytes).pipe(Effect.mapError(engineError(image)))
    const analyzeAs = (image: string) => (bytes: Uint8Array) =>
      measureAs(image)(bytes).pipe(Effect.map((measurements) => imageFindings(measurements, config.quality)))

    const analyze = Effect.fn("FaceEngine.analyze")(function*(image: Uint8Array) {
      return yield* analyzeAs("image")(image)
    })

    const analyzeJob = Effect.fn("FaceEngine.analyzeJob")(function*(job: AnalyzeJobInput) {
      // All images of a job go to the pool at once; it spreads them over the workers.
      const [selfie, frames, registered] = yield* Effect.all([
        analyzeAs("selfie")(job.selfie),
        Effect.forEach(job.livenessFrames, (frame, index) => analyzeAs(`liveness[${index}]`)(frame), {
          concurrency: "unbounded"
        }),
        job.registeredSelfie === undefined
          ? Effect.succeed<Findings.ImageFindings | undefined>(undefined)
          : analyzeAs("registered_selfie")(job.registeredSelfie)
      ], { concurrency: "unbounded" })
      return jobFindings(
        { selfie, frames, ...(registered === undefined ? {} : { registered }) },
        config.liveness
      )
    })

    return {
      analyze,
      analyzeJob,
      config,
      measure: measureAs("image"),
      stats: pool.stats,
      sabotageWorkers: (hook) => {
        if (!config.testHooks) throw new Error("sabotageWorkers needs testHooks: true")
        pool.broadcast({ _tag: hook } satisfies ToWorker)
      }
    } satisfies FaceEngineHumanService
  })

/**
 * The `FaceEngine` layer. Models load while the layer builds; a worker that
 * cannot load them fails the layer (a defect: the installation is broken).
 */
export const layer = (config: FaceEngineConfigInput = {}): Layer.Layer<FaceEngine> =>
  Layer.scoped(FaceEngine, Effect.orDie(make(config)))
