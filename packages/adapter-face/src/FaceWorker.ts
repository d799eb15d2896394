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
import type { RgbImage } from "./FaceAlignment.js"
import {
  applySimilarity,
  chipToImage,
  descriptorChipSize,
  descriptorChipTemplate,
  landmarkChipSize,
  landmarkChipTemplate,
  landmarkReferencePoints,
  meshReferencePoints,
  warpRgb
} from "./FaceAlignment.js"
import { laplacianVariance, meanLuminance } from "./ImageQuality.js"
import * as DescriptorNet from "./DescriptorNet.js"
import * as IccProfile from "./IccProfile.js"
import * as WasmConcat from "./WasmConcat.js"

/**
 * Largest side of the square grey face crop on which brightness and sharpness
 * are measured. Larger faces are scaled down to it; smaller ones are measured
 * at their own size (scaling up would blur them and fake a focus problem).
 */
const maxMeasureSide = 256

// The libraries ship CommonJS builds without usable typings for these entry
// points; the few members used are typed here (a tensor as DescriptorNet types it).
type Tensor = DescriptorNet.Tensor
interface TfCore extends WasmConcat.KernelRegistry {
  readonly tensor3d: (values: Uint8Array | Int32Array, shape: [number, number, number], dtype: "int32") => Tensor
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
  /** The 68 points, in pixels of the input the landmarks were found on. */
  readonly positions: ReadonlyArray<{ readonly x: number; readonly y: number }>
}
interface FaceApi {
  readonly nets: {
    readonly faceLandmark68Net: { readonly loadFromDisk: (dir: string) => Promise<void> }
    readonly faceRecognitionNet: {
      readonly loadFromDisk: (dir: string) => Promise<void>
      readonly params: DescriptorNet.RecognitionParams
    }
  }
  readonly detectFaceLandmarks: (input: Tensor) => Promise<FaceLandmarks>
}
interface SharpInstance {
  rotate(): SharpInstance
  resize(options: object): SharpInstance
  extract(region: { left: number; top: number; width: number; height: number }): SharpInstance
  extend(options: { top: number; bottom: number; left: number; right: number; background: object }): SharpInstance
  removeAlpha(): SharpInstance
  toColourspace(space: string): SharpInstance
  greyscale(): SharpInstance
  raw(): SharpInstance
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>
  metadata(): Promise<{ readonly icc?: Buffer }>
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
  // Human's concurrent mode only starts its enabled models together; with one model family on one
  // WASM thread there is nothing to overlap, and the sequential path measured 2 % faster per image.
  async: false,
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
  const tf = load<TfCore & DescriptorNet.Ops>(setup.tfjsCoreScript)
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
  // The same bytes as the backend's own Concat, without an object per row (see WasmConcat).
  WasmConcat.install(tf)
  await faceApi.nets.faceLandmark68Net.loadFromDisk(setup.faceApiModelsDir)
  await faceApi.nets.faceRecognitionNet.loadFromDisk(setup.faceApiModelsDir)
  const mismatch = DescriptorNet.checkParams(faceApi.nets.faceRecognitionNet.params)
  if (mismatch !== undefined) throw new Error(`face-api's descriptor network is not the one DescriptorNet runs: ${mismatch}`)
  const descriptorNet = DescriptorNet.make(tf, faceApi.nets.faceRecognitionNet.params)
  return { tf, sharp, human, faceApi, descriptorNet, loadMs: performance.now() - started }
}

type Engine = Awaited<ReturnType<typeof start>>

class Unreadable extends Error {}

/**
 * The image as sRGB pixels, upright (EXIF orientation applied), at most
 * `maxInputSide` a side. An embedded profile that is sRGB is not applied: the
 * conversion would return the same pixels, at two to three times the decoding
 * time (see IccProfile). Any other profile is.
 */
const decode = async (engine: Engine, bytes: Uint8Array) => {
  try {
    const input = { failOn: "error", limitInputPixels: 100_000_000 }
    const { icc } = await engine.sharp(bytes, input).metadata()
    const ignoreIcc = icc !== undefined && IccProfile.isSrgb(icc)
    const { data, info } = await engine
      .sharp(bytes, { ...input, ignoreIcc })
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
  image: RgbImage,
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
 * The 128-d descriptor of a face, through two aligned chips (see
 * FaceAlignment): face-api's 68 landmarks on a 112 px chip placed by Human's
 * mesh (upright, framed as the landmark net expects), then the descriptor on a
 * 150 px chip placed by those landmarks (face-api's network with fused
 * kernels, see DescriptorNet). Undefined when the mesh or the landmarks give
 * no usable placement.
 */
const describe = async (engine: Engine, image: RgbImage, mesh: HumanFace["mesh"]) => {
  const { tf, faceApi } = engine
  const fromMesh = meshReferencePoints(mesh)
  const landmarkToImage = fromMesh && chipToImage(fromMesh, landmarkChipTemplate, landmarkChipSize)
  if (landmarkToImage === undefined) return undefined
  const landmarkChip = tf.tensor3d(warpRgb(image, landmarkToImage, landmarkChipSize), [landmarkChipSize, landmarkChipSize, 3], "int32")
  let landmarks: FaceLandmarks
  try {
    landmarks = await faceApi.detectFaceLandmarks(landmarkChip)
  } finally {
    tf.dispose(landmarkChip)
  }
  const fromLandmarks = landmarkReferencePoints(landmarks.positions.map((p) => applySimilarity(landmarkToImage, p)))
  const descriptorToImage = fromLandmarks && chipToImage(fromLandmarks, descriptorChipTemplate, descriptorChipSize)
  if (descriptorToImage === undefined) return undefined
  const descriptorChip = tf.tensor3d(
    warpRgb(image, descriptorToImage, descriptorChipSize),
    [descriptorChipSize, descriptorChipSize, 3],
    "int32"
  )
  try {
    return await engine.descriptorNet(descriptorChip)
  } finally {
    tf.dispose(descriptorChip)
  }
}

/**
 * Share of the longer image side added as a grey border on every side for the
 * second detection pass. BlazeFace misses faces that fill the frame and run
 * past its edges (tight crops); with a border around them it finds them.
 */
const retryBorderShare = 0.25

/**
 * Human's faces on the image; when it finds none, once more on the image
 * framed by a grey border, with the faces moved back to the image's own
 * pixels. `image` is what the faces' `mesh` points into (for the descriptor).
 */
const detectFaces = async (engine: Engine, image: RgbImage, input: Tensor) => {
  const first = await engine.human.detect(input)
  if (first.error) throw new Error(`Human: ${first.error}`)
  if (first.face.length > 0) return { faces: first.face, image, offset: 0 }
  const border = Math.round(Math.max(image.width, image.height) * retryBorderShare)
  const { data, info } = await engine
    .sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extend({ top: border, bottom: border, left: border, right: border, background: { r: 128, g: 128, b: 128 } })
    .raw()
    .toBuffer({ resolveWithObject: true })
  const framed: RgbImage = { rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
  const framedInput = engine.tf.tensor3d(int32Pixels(framed.rgb), [framed.height, framed.width, 3], "int32")
  try {
    const second = await engine.human.detect(framedInput)
    if (second.error) throw new Error(`Human: ${second.error}`)
    return { faces: second.face, image: framed, offset: border }
  } finally {
    engine.tf.dispose(framedInput)
  }
}

/** A face found on a bordered image, in the pixels of the image inside the border. */
const withoutBorder = (face: HumanFace, offset: number): HumanFace =>
  offset === 0 ? face : {
    ...face,
    box: [face.box[0] - offset, face.box[1] - offset, face.box[2], face.box[3]],
    mesh: face.mesh.map(([x = 0, y = 0, ...rest]) => [x - offset, y - offset, ...rest])
  }

/**
 * The pixels of a decoded image as the int32 values `tensor3d` takes, in one
 * buffer this worker reuses for every image. Given a Uint8Array, tfjs would
 * allocate a fresh Int32Array per image (12 MB for a 1024 px square), and
 * that external memory drives V8 into frequent full collections on its
 * background threads: CPU that a second worker on the same cores then lacks.
 * Reuse is safe: the WASM backend copies the values into its own heap while
 * the tensor is made, and keeps no reference to them.
 */
let pixelBuffer = new Int32Array(0)
const int32Pixels = (rgb: Uint8Array): Int32Array => {
  if (pixelBuffer.length < rgb.length) pixelBuffer = new Int32Array(rgb.length)
  const pixels = pixelBuffer.subarray(0, rgb.length)
  pixels.set(rgb)
  return pixels
}

const analyze = async (engine: Engine, bytes: Uint8Array): Promise<ImageMeasurements> => {
  const started = performance.now()
  const image = await decode(engine, bytes)
  const input = engine.tf.tensor3d(int32Pixels(image.rgb), [image.height, image.width, 3], "int32")
  try {
    const detected = await detectFaces(engine, image, input)
    // The main face is the one the judgement will call main (ImageQuality.countedFaces): the largest
    // face scoring at least minFaceScore. Only it is described and measured; a box below that score,
    // however large, is a false box and must not lend the image its descriptor.
    const byArea = [...detected.faces].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])
    const counted = byArea.filter((face) => face.score >= setup.minFaceScore)
    const ranked = [...counted, ...byArea.filter((face) => face.score < setup.minFaceScore)]
    const mainFace = counted[0]
    const faces = ranked.map((face) => toDetectedFace(withoutBorder(face, detected.offset), image.width, image.height))
    const main = mainFace === undefined ? undefined : faces[0]
    // Brightness and sharpness need only the face's box: libvips measures them on its own thread
    // while this one runs the descriptor's nets, so an image's latency does not pay for both.
    const measuring = greyMeasures(engine, image, main && clampBox(main.box, image.width, image.height))
    const describing = mainFace === undefined ? Promise.resolve(undefined) : describe(engine, detected.image, mainFace.mesh)
    const [measures, descriptor] = await Promise.all([measuring, describing])
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
