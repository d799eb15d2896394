/**
 * `WasmConcat.rowCopyConcat` on tfjs's real WASM backend: for every shape and
 * axis it takes over, its output is bit-for-bit the backend's own kernel's;
 * what it does not take over (axis 0, few rows, booleans, mismatched shapes)
 * goes to the original, errors included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createRequire } from "node:module"
import type { ConcatKernel, KernelRegistry } from "../src/WasmConcat.js"
import { install, rowCopyConcat } from "../src/WasmConcat.js"
import type { BackendSelection } from "./support/TfWasm.js"
import { useWasmBackend } from "./support/TfWasm.js"

interface Tensor {
  readonly shape: ReadonlyArray<number>
  readonly dtype: string
  dataSync(): Float32Array | Int32Array | Uint8Array
  dispose(): void
}
interface Tf extends KernelRegistry, BackendSelection {
  readonly tensor: (values: Float32Array | Int32Array | Uint8Array, shape: ReadonlyArray<number>, dtype: string) => Tensor
  readonly concat: (tensors: ReadonlyArray<Tensor>, axis: number) => Tensor
  readonly getBackend: () => string
}

const require = createRequire(import.meta.url)
const tf = require("@tensorflow/tfjs-core") as Tf

let original: ConcatKernel
beforeAll(async () => {
  await useWasmBackend(tf)
  expect(tf.getBackend()).toBe("wasm")
  original = tf.getKernel("Concat", "wasm")!.kernelFunc
})
afterAll(() => {
  tf.unregisterKernel("Concat", "wasm")
  tf.registerKernel({ kernelName: "Concat", backendName: "wasm", kernelFunc: original })
})

/** Deterministic values, NaN payloads and signed zeros among them for float32. */
const valuesOf = (size: number, dtype: string, seed: number) => {
  if (dtype === "int32") return Int32Array.from({ length: size }, (_, i) => ((i + 1) * 2654435761 * seed) | 0)
  if (dtype === "bool") return Uint8Array.from({ length: size }, (_, i) => (i * seed) % 3 === 0 ? 1 : 0)
  const values = new Float32Array(size)
  const bits = new Uint32Array(values.buffer)
  for (let i = 0; i < size; i++) bits[i] = (Math.imul(i + 7, 2246822519 + seed) ^ (i << 13)) >>> 0
  if (size > 2) {
    bits[0] = 0x7fc00001 // a NaN with a payload
    bits[1] = 0x80000000 // -0
  }
  return values
}

const tensors = (shapes: ReadonlyArray<ReadonlyArray<number>>, dtype: string) =>
  shapes.map((shape, i) => tf.tensor(valuesOf(shape.reduce((a, b) => a * b, 1), dtype, i + 3), shape, dtype))

/** concat with the backend's kernel, then with `kernel`, as raw bytes. */
const bothWays = (kernel: ConcatKernel, shapes: ReadonlyArray<ReadonlyArray<number>>, axis: number, dtype = "float32") => {
  const inputs = tensors(shapes, dtype)
  const run = (kernelFunc: ConcatKernel) => {
    tf.unregisterKernel("Concat", "wasm")
    tf.registerKernel({ kernelName: "Concat", backendName: "wasm", kernelFunc })
    const out = tf.concat(inputs, axis)
    const bytes = new Uint8Array(out.dataSync().slice().buffer)
    const shape = out.shape
    out.dispose()
    return { bytes, shape }
  }
  try {
    return { expected: run(original), actual: run(kernel) }
  } finally {
    inputs.forEach((t) => t.dispose())
  }
}

describe("rowCopyConcat", () => {
  const cases: ReadonlyArray<{ shapes: ReadonlyArray<ReadonlyArray<number>>; axis: number; dtype?: string }> = [
    // face-api's channel padding after a down-sampling block
    { shapes: [[1, 75, 75, 32], [1, 75, 75, 32]], axis: 3 },
    { shapes: [[1, 38, 38, 64], [1, 38, 38, 64]], axis: -1 },
    // rows long enough for copyWithin, three inputs of different widths
    { shapes: [[1, 70, 130], [1, 70, 200], [1, 70, 1]], axis: 2 },
    // an inner axis with a tail after it
    { shapes: [[2, 40, 3, 5], [2, 40, 9, 5]], axis: 2 },
    { shapes: [[1, 80, 80, 3], [1, 80, 80, 1]], axis: 3, dtype: "int32" }
  ]
  for (const { shapes, axis, dtype } of cases) {
    it(`copies the same bytes as the backend's kernel: ${dtype ?? "float32"} ${JSON.stringify(shapes)} on axis ${axis}`, () => {
      let calls = 0
      const counted: ConcatKernel = (args) => (calls++, original(args))
      const { expected, actual } = bothWays(rowCopyConcat(counted), shapes, axis, dtype)
      expect(actual.shape).toEqual(expected.shape)
      expect(actual.bytes.length).toBe(expected.bytes.length)
      expect(Buffer.from(actual.bytes).equals(Buffer.from(expected.bytes))).toBe(true)
      expect(calls).toBe(0)
    })
  }

  it("leaves axis 0, few rows and booleans to the backend's kernel, with the same result", () => {
    for (const [shapes, axis, dtype] of [
      [[[3, 4], [5, 4]], 0, "float32"],
      [[[1, 8, 16], [1, 8, 16]], 2, "float32"],
      [[[1, 90, 4], [1, 90, 4]], 2, "bool"]
    ] as const) {
      let calls = 0
      const counted: ConcatKernel = (args) => (calls++, original(args))
      const { expected, actual } = bothWays(rowCopyConcat(counted), shapes, axis, dtype)
      expect(Buffer.from(actual.bytes).equals(Buffer.from(expected.bytes))).toBe(true)
      expect(calls).toBe(1)
    }
  })

  it("lets the backend's kernel reject inputs whose other dimensions differ", () => {
    const inputs = tensors([[1, 70, 4], [1, 71, 4]], "float32")
    try {
      install(tf)
      expect(() => tf.concat(inputs, 2)).toThrow(/Error in concat/)
    } finally {
      inputs.forEach((t) => t.dispose())
      tf.unregisterKernel("Concat", "wasm")
      tf.registerKernel({ kernelName: "Concat", backendName: "wasm", kernelFunc: original })
    }
  })
})
