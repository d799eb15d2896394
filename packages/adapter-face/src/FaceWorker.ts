/**
 * The face worker: one per worker thread. It loads Human (detection, mesh,
 * head pose) and face-api (68 landmarks + 128-d descriptor) on tfjs's WASM
 * backend once, then measures one image per `Analyze` message.
 *
 * Offline by construction: models are read from the packages' own folders in
 * node_modules through a `file://` tfjs load router, the WASM binaries from
 * tfjs-backend-wasm's `dist`, and `fetch` is replaced by one that refuses.
 *
 * Gotcha: this file runs both compiled (`dist/FaceWorker.js`, ESM) and from
 * source under tsx's CommonJS hook (tests), so it must not use `import.meta`;
 * every path arrives in `workerData` from the main thread.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { parentPort, workerData } from "node:worker_threads"
import type { Findings } from "@selfie-auth/core"
import type { DetectedFace, FromWorker, ImageMeasurements, ToWorker, WorkerSetup } from "./WorkerProtocol.js"
import { laplacianVariance, meanLuminance } from "./ImageQuality.js"

/**
 * Largest side of the square grey face crop on which brightness and sharpness
 * are measured. Larger faces are scaled down to it; smaller ones are measured
 * at their own size (scaling up would blur them and fake a focus problem).
 */
const maxMeasureSide = 256

// The libraries ship CommonJS builds without usable typings for these entry
// points; the few members used are typed here.
interface Tensor {
  readonly shape: ReadonlyArray<number>
}
interface TfCore {
  readonly tensor3d: (values: Uint8Array, shape: [number, number, number], dtype: "int32") => Tensor
  readonly slice: (x: Tensor, begin: [number, number, number], size: [number, number, number]) => Tensor
  readonly dispose: (x: Tensor | ReadonlyArray<Tensor>) => void
  readonly setBackend: (name: string) => Promise<boolean>
  readonly ready: () => Promise<void>
  readonly getBackend: () => string
  readonly env: () => { set: (flag: string, value: boolean) => void }
  readonly io: {
    readonly registerLoadRouter: (router: (url: string | ReadonlyArray<string>) => unknown) => void
    readonly getModelArtifactsForJSON: (
      json: unknown,
      loadWeights: (manifest: ReadonlyArray<WeightGroup>) => Promise<[ReadonlyArray<unknown>, ArrayBuffer]>
    ) => Promise<unknown>
    readonly concatenateArrayBuffers: (buffers: Array<ArrayBuffer>) => ArrayBuffer
  }
}
interface WeightGroup {
  readonly paths: ReadonlyArray<string>
  readonly weights: ReadonlyArray<unknown>
}
interface TfWasm {
  readonly setWasmPaths: (prefix: string, usePlatformFetch?: boolean) => void
}
interface HumanFace {
  readonly box: [number, number, number, number]
  readonly score: number
  readonly mesh: ReadonlyArray<ReadonlyArray<number>>
  readonly rotation?: { readonly angle: { readonly yaw: number; readonly pitch: number; readonly roll: number } } | null
}
interface HumanInstance {
  readonly load: () => Promise<void>
  readonly detect: (input: Tensor) => Promise<{ readonly face: ReadonlyArray<HumanFace>; readonly error?: string | null }>
}
interface FaceLandmarks {
  readonly align: () => { readonly x: number; readonly y: number; readonly width: number; readonly height: number }
}
interface FaceApi {
  readonly nets: {
    readonly faceLandmark68Net: { readonly loadFromDisk: (dir: string) => Promise<void> }
    readonly faceRecognitionNet: { readonly loadFromDisk: (dir: string) => Promise<void> }
  }
  readonly detectFaceLandmarks: (input: Tensor) => Promise<FaceLandmarks>
  readonly computeFaceDescriptor: (input: Tensor) => Promise<Float32Array>
}
interface SharpInstance {
  rotate(): SharpInstance
  resize(options: object): SharpInstance
  extract(region: { left: number; top: number; width: number; height: number }): SharpInstance
  removeAlpha(): SharpInstance
  toColourspace(space: string): SharpInstance
  greyscale(): SharpInstance
  raw(): SharpInstance
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>
}
interface Sharp {
  (input: Uint8Array, options?: object): SharpInstance
  concurrency(threads: number): number
  cache(enabled: boolean): void
}

const setup = workerData as WorkerSetup
const port = parentPort
if (port === null) throw new Error("FaceWorker must run in a worker thread")
const send = (message: FromWorker) => port.postMessage(message)

const load = <A>(script: string): A => createRequire(script)(script) as A

/** Serves `file://` model URLs from disk; any other scheme is left to other routers. */
const fileLoadRouter = (tf: TfCore) => (url: string | ReadonlyArray<string>) => {
  if (typeof url !== "string" || !url.startsWith("file://")) return null
  const jsonPath = url.slice("file://".length)
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(JSON.parse(fs.readFileSync(jsonPath, "utf8")), async (manifest) => {
        const specs: Array<unknown> = []
        const buffers: Array<ArrayBuffer> = []
        for (const group of manifest) {
          specs.push(...group.weights)
          for (const file of group.paths) {
            const bytes = fs.readFileSync(path.join(path.dirname(jsonPath), file))
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)]
      })
  }
}

const humanConfig = (humanModelsDir: string, wasmDir: string, minDetectorScore: number) => ({
  backend: "wasm",
  wasmPath: wasmDir + path.sep,
  wasmPlatformFetch: false,
  modelBasePath: "file://" + humanModelsDir + path.sep,
  cacheModels: false,
  cacheSensitivity: 0,
  skipAllowed: false,
  warmup: "none",
  debug: false,
  async: true,
  filter: { enabled: false },
  gesture: { enabled: false },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  segmentation: { enabled: false },
  face: {
    enabled: true,
    detector: { rotation: false, maxDetected: 20, minConfidence: minDetectorScore, iouThreshold: 0.2, minSize: 0, return: false },
    mesh: { enabled: true },
    attention: { enabled: false },
    iris: { enabled: false },
    description: { enabled: false },
    emotion: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
    gear: { enabled: false }
  }
})

const start = async () => {
  const started = performance.now()
  // Nothing may be downloaded: every model and binary is local.
  globalThis.fetch = (input) => Promise.reject(new Error(`face worker is offline; refused to fetch ${String(input)}`))
  const tf = load<TfCore>(setup.tfjsCoreScript)
  const wasm = load<TfWasm>(setup.tfjsWasmScript)
  const sharp = load<Sharp>(setup.sharpScript)
  // One libvips thread per worker: the pool, not libvips, spreads work over the cores.
  sharp.concurrency(1)
  sharp.cache(false)
  tf.io.registerLoadRouter(fileLoadRouter(tf))
  // Single-threaded WASM per worker, so throughput scales with the pool size.
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false)
  wasm.setWasmPaths(setup.wasmDir + path.sep, false)
  const humanModule = load<{ Human: new(config: object) => HumanInstance }>(setup.humanScript)
  const faceApi = load<FaceApi>(setup.faceApiScript)
  const human = new humanModule.Human(humanConfig(setup.humanModelsDir, setup.wasmDir, setup.minDetectorScore))
  await human.load()
  await tf.setBackend("wasm")
  await tf.ready()
  if (tf.getBackend() !== "wasm") throw new Error(`tfjs backend is ${tf.getBackend()}, expected wasm`)
  await faceApi.nets.faceLandmark68Net.loadFromDisk(setup.faceApiModelsDir)
  await faceApi.nets.faceRecognitionNet.loadFromDisk(setup.faceApiModelsDir)
  return { tf, sharp, human, faceApi, loadMs: performance.now() - started }
}

type Engine = Awaited<ReturnType<typeof start>>

class Unreadable extends Error {}

const decode = async (engine: Engine, bytes: Uint8Array) => {
  try {
    const { data, info } = await engine
      .sharp(bytes, { failOn: "error", limitInputPixels: 100_000_000 })
      .rotate()
      .resize({ width: setup.maxInputSide, height: setup.maxInputSide, fit: "inside", withoutEnlargement: true })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) throw new Unreadable(`decoded to ${info.channels} channels, expected 3`)
    return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
  } catch (cause) {
    throw cause instanceof Unreadable ? cause : new Unreadable(cause instanceof Error ? cause.message : String(cause))
  }
}

const clampBox = (box: Findings.Box, width: number, height: number) => {
  const left = Math.max(0, Math.floor(box.x))
  const top = Math.max(0, Math.floor(box.y))
  const right = Math.min(width, Math.ceil(box.x + box.width))
  const bottom = Math.min(height, Math.ceil(box.y + box.height))
  return right - left >= 2 && bottom - top >= 2 ? { left, top, width: right - left, height: bottom - top } : undefined
}

/** Grey square crop of a region (the whole image without one): brightness and sharpness. */
const greyMeasures = async (
  engine: Engine,
  image: { rgb: Uint8Array; width: number; height: number },
  region: { left: number; top: number; width: number; height: number } | undefined
) => {
  let pipeline = engine.sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } })
  if (region !== undefined) pipeline = pipeline.extract(region)
  const side = Math.max(8, Math.min(maxMeasureSide, region?.width ?? maxMeasureSide, region?.height ?? maxMeasureSide))
  const { data } = await pipeline.greyscale().resize({ width: side, height: side, fit: "fill" }).raw()
    .toBuffer({ resolveWithObject: true })
  const grey = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return { brightness: meanLuminance(grey), sharpness: laplacianVariance(grey, side, side) }
}

const radiansToDegrees = (radians: number) => (radians * 180) / Math.PI

const toDetectedFace = (face: HumanFace, width: number, height: number): DetectedFace => {
  const [x, y, w, h] = face.box
  const outside = face.mesh.filter(([px = 0, py = 0]) => px < 0 || py < 0 || px >= width || py >= height).length
  const angle = face.rotation?.angle
  return {
    box: { x, y, width: w, height: h },
    score: face.score,
    pose: angle === undefined
      ? { yaw: 0, pitch: 0, roll: 0 }
      : { yaw: radiansToDegrees(angle.yaw), pitch: radiansToDegrees(angle.pitch), roll: radiansToDegrees(angle.roll) },
    outsideShare: face.mesh.length === 0 ? 0 : outside / face.mesh.length
  }
}

/**
 * Human's BlazeFace box is drawn for its face mesh: much larger than the boxes
 * face-api's landmark net was trained on (its SSD detector's). The median
 * relation between the two on the labelled set (98 faces both found) maps one
 * to the other; landmarks from the mapped box align the descriptor far better
 * (false rejects at distance 0.55: 5.8 % instead of 15 %, same false accepts).
 */
const ssdStyleBox = (box: Findings.Box): Findings.Box => ({
  x: box.x + 0.218 * box.width,
  y: box.y + 0.124 * box.height,
  width: 0.546 * box.width,
  height: 0.693 * box.height
})

/** face-api's own recipe: 68 landmarks on an SSD-style box, then the descriptor on the landmark-aligned box. */
const describe = async (engine: Engine, input: Tensor, width: number, height: number, box: Findings.Box) => {
  const { tf, faceApi } = engine
  const region = clampBox(ssdStyleBox(box), width, height)
  if (region === undefined) return undefined
  const faceCrop = tf.slice(input, [region.top, region.left, 0], [region.height, region.width, 3])
  try {
    const aligned = (await faceApi.detectFaceLandmarks(faceCrop)).align()
    const alignedRegion = clampBox(
      { x: region.left + aligned.x, y: region.top + aligned.y, width: aligned.width, height: aligned.height },
      width,
      height
    )
    if (alignedRegion === undefined) return undefined
    const alignedCrop = tf.slice(input, [alignedRegion.top, alignedRegion.left, 0], [alignedRegion.height, alignedRegion.width, 3])
    try {
      return Array.from(await faceApi.computeFaceDescriptor(alignedCrop))
    } finally {
      tf.dispose(alignedCrop)
    }
  } finally {
    tf.dispose(faceCrop)
  }
}

const analyze = async (engine: Engine, bytes: Uint8Array): Promise<ImageMeasurements> => {
  const started = performance.now()
  const image = await decode(engine, bytes)
  const input = engine.tf.tensor3d(image.rgb, [image.height, image.width, 3], "int32")
  try {
    const result = await engine.human.detect(input)
    if (result.error) throw new Error(`Human: ${result.error}`)
    const faces = result.face
      .map((face) => toDetectedFace(face, image.width, image.height))
      .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)
    const main = faces[0]
    const descriptor = main === undefined ? undefined : await describe(engine, input, image.width, image.height, main.box)
    const measures = await greyMeasures(engine, image, main && clampBox(main.box, image.width, image.height))
    return {
      width: image.width,
      height: image.height,
      faces,
      ...(descriptor === undefined ? {} : { descriptor }),
      ...measures,
      elapsedMs: performance.now() - started
    }
  } finally {
    engine.tf.dispose(input)
  }
}

const main = async () => {
  let engine: Engine
  try {
    engine = await start()
  } catch (cause) {
    send({ _tag: "StartFailed", detail: cause instanceof Error ? cause.message : String(cause) })
    return
  }
  let pendingHook: "CrashOnNextTask" | "HangOnNextTask" | undefined
  port.on("message", (message: ToWorker) => {
    switch (message._tag) {
      case "CrashOnNextTask":
      case "HangOnNextTask":
        if (setup.testHooks) pendingHook = message._tag
        return
      case "Analyze": {
        if (pendingHook === "CrashOnNextTask") process.exit(70)
        if (pendingHook === "HangOnNextTask") for (;;);
        analyze(engine, message.bytes).then(
          (measurements) => send({ _tag: "Analyzed", id: message.id, measurements }),
          (cause: unknown) =>
            send(
              cause instanceof Unreadable
                ? { _tag: "Unreadable", id: message.id, detail: cause.message }
                : { _tag: "Failed", id: message.id, detail: cause instanceof Error ? cause.message : String(cause) }
            )
        )
      }
    }
  })
  send({ _tag: "Ready", loadMs: engine.loadMs })
}

void main()
