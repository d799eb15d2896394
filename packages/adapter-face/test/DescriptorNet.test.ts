/**
 * The fused descriptor network against face-api's own forward pass, on the
 * same loaded parameters, in this process (tfjs's WASM backend, one thread).
 */
import { createRequire } from "node:module"
import * as path from "node:path"
import sharp from "sharp"
import { beforeAll, describe, expect, it } from "vitest"
import { DescriptorNet, FaceAlignment } from "@selfie-auth/adapter-face"
import { readFace } from "@selfie-auth/test-fixtures"
import type { BackendSelection } from "./support/TfWasm.js"
import { useWasmBackend } from "./support/TfWasm.js"

const require = createRequire(import.meta.url)

type Tensor = DescriptorNet.Tensor
interface Tf extends DescriptorNet.Ops, BackendSelection {
  readonly tensor3d: (values: Int32Array, shape: [number, number, number], dtype: "int32") => Tensor
  readonly memory: () => { numTensors: number }
}
interface FaceApi {
  readonly nets: {
    readonly faceRecognitionNet: {
      readonly loadFromDisk: (dir: string) => Promise<void>
      readonly params: DescriptorNet.RecognitionParams
    }
  }
  readonly computeFaceDescriptor: (input: Tensor) => Promise<Float32Array>
}

const tf = require("@tensorflow/tfjs-core") as Tf
const faceApiScript = require.resolve("@vladmandic/face-api/dist/face-api.node-wasm.js")
const faceApi = require(faceApiScript) as FaceApi
const side = FaceAlignment.descriptorChipSize

const chipOf = (pixels: Uint8Array | Int32Array) => tf.tensor3d(Int32Array.from(pixels), [side, side, 3], "int32")

/** A fixture photo squeezed to a chip: not aligned, but real image statistics. */
const photoChip = async (file: string) =>
  chipOf(new Uint8Array(await sharp(readFace(file)).resize(side, side, { fit: "cover" }).removeAlpha().raw().toBuffer()))

const noiseChip = (seed: number) =>
  chipOf(Int32Array.from({ length: side * side * 3 }, (_, i) => (Math.imul(i + 1, 2654435761 + seed) >>> 24) & 255))

let net: (chip: Tensor) => Promise<Array<number>>

beforeAll(async () => {
  await useWasmBackend(tf)
  await faceApi.nets.faceRecognitionNet.loadFromDisk(path.join(path.dirname(faceApiScript), "..", "model"))
  net = DescriptorNet.make(tf, faceApi.nets.faceRecognitionNet.params)
}, 60_000)

describe("DescriptorNet", () => {
  it("gives face-api's descriptors, to float rounding, on photos and on noise", async () => {
    const chips = [
      await photoChip("obama1.jpg"),
      await photoChip("biden.jpg"),
      await photoChip("lexi.jpg"),
      noiseChip(1),
      noiseChip(2)
    ]
    for (const chip of chips) {
      const theirs = await faceApi.computeFaceDescriptor(chip)
      const ours = await net(chip)
      expect(ours).toHaveLength(128)
      expect(DescriptorNet.maxDifference(theirs, ours)).toBeLessThan(1e-5)
    }
    tf.dispose(chips)
  })

  it("keeps no tensor of a call alive", async () => {
    const chip = noiseChip(3)
    await net(chip)
    const before = tf.memory().numTensors
    for (let i = 0; i < 3; i++) await net(chip)
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose(chip)
  })

  it("disagrees with face-api when its parameters differ from the ones face-api runs (what the start-up check catches)", async () => {
    const params = faceApi.nets.faceRecognitionNet.params
    const layer = params.conv256_2.conv2
    const changed = DescriptorNet.make(tf, {
      ...params,
      conv256_2: { ...params.conv256_2, conv2: { ...layer, scale: { ...layer.scale, weights: tf.mul(layer.scale.weights, tf.tensor1d([1.2], "float32")) } } }
    })
    const chip = await photoChip("obama1.jpg")
    expect(DescriptorNet.maxDifference(await faceApi.computeFaceDescriptor(chip), await changed(chip))).toBeGreaterThan(1e-3)
    tf.dispose(chip)
  })
})

describe("DescriptorNet.checkParams", () => {
  it("accepts the parameters face-api loads", () => {
    expect(DescriptorNet.checkParams(faceApi.nets.faceRecognitionNet.params)).toBeUndefined()
  })

  it("names the first parameter whose shape differs, and a missing one", () => {
    const params = faceApi.nets.faceRecognitionNet.params
    const wrongFilters = {
      ...params,
      conv64_down: { ...params.conv64_down, conv1: params.conv64_1.conv1 }
    }
    expect(DescriptorNet.checkParams(wrongFilters)).toBe(
      "conv64_down.conv1 filters have shape [3, 3, 64, 64], expected [3, 3, 32, 64]"
    )
    const { fc: _fc, ...withoutFc } = params
    expect(DescriptorNet.checkParams(withoutFc as unknown as DescriptorNet.RecognitionParams)).toBe(
      "fc has shape (missing), expected [256, 128]"
    )
  })
})

describe("DescriptorNet.maxDifference", () => {
  it("is the largest absolute difference, and infinite for different lengths or values that are not numbers", () => {
    expect(DescriptorNet.maxDifference([1, 2, 3], [1, 2.5, 2.75])).toBe(0.5)
    expect(DescriptorNet.maxDifference([], [])).toBe(0)
    expect(DescriptorNet.maxDifference([1, 2], [1, 2, 3])).toBe(Number.POSITIVE_INFINITY)
    expect(DescriptorNet.maxDifference([1, Number.NaN], [1, 2])).toBe(Number.POSITIVE_INFINITY)
  })
})
