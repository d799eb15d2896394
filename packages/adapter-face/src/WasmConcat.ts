/**
 * A `Concat` kernel for tfjs's WASM backend that copies rows without making
 * an object per row.
 *
 * The backend's own kernel concatenates along an inner axis in JavaScript: for
 * each of the `outer` rows (the product of the dimensions before the axis) and
 * each input it makes a typed-array view (`subarray`) and copies it with
 * `set`. face-api's descriptor net pads its channels this way after every
 * down-sampling block (`concat([pooled, zeros], 3)` on 75 x 75, 38 x 38 ...
 * maps), some 11,000 views per call: about 10 ms per image and young-generation
 * garbage, measured in the worker's profile. This kernel copies the same bytes
 * through one `Int32Array` over the whole WASM heap (4-byte elements copied as
 * integers, so every float bit pattern is kept), a plain loop for short rows
 * and `copyWithin` for long ones. The result is bit-for-bit the original's.
 *
 * It handles the common case only: two or more non-empty `float32` or `int32`
 * inputs of one dtype and rank, concatenated along an axis other than the
 * first, with enough rows to matter. Everything else (axis 0, strings,
 * booleans, empty tensors, and inputs the original would reject with its own
 * error) goes to the original kernel unchanged.
 */

/** What a kernel sees of a tensor. */
export interface TensorInfo {
  readonly dataId: object
  readonly shape: ReadonlyArray<number>
  readonly dtype: string
}

/** The two members of tfjs-backend-wasm's `BackendWasm` the kernel uses (both used by the backend's own kernels). */
export interface WasmBackend {
  readonly makeOutput: (shape: Array<number>, dtype: string) => TensorInfo
  readonly typedArrayFromHeap: (tensor: TensorInfo) => Float32Array | Int32Array | Uint8Array
}

export interface ConcatArgs {
  readonly inputs: ReadonlyArray<TensorInfo>
  readonly backend: WasmBackend
  readonly attrs: { readonly axis: number | ReadonlyArray<number> }
}

export type ConcatKernel = (args: ConcatArgs) => TensorInfo

/** tfjs-core's kernel registry, as the worker loads it. */
export interface KernelRegistry {
  readonly getKernel: (kernelName: string, backendName: string) => { readonly kernelFunc: ConcatKernel } | undefined
  readonly unregisterKernel: (kernelName: string, backendName: string) => void
  readonly registerKernel: (config: { kernelName: string; backendName: string; kernelFunc: ConcatKernel }) => void
}

/** Below this many rows the original's per-row views cost little; it keeps them. */
const minRows = 64
/** Rows of at least this many elements are copied with `copyWithin`, shorter ones element by element. */
const copyWithinFrom = 128

const product = (dimensions: ReadonlyArray<number>) => dimensions.reduce((size, dimension) => size * dimension, 1)

/** The kernel, falling back to `original` outside the case it handles. */
export const rowCopyConcat = (original: ConcatKernel): ConcatKernel => (args) => {
  const { inputs, backend } = args
  const first = inputs[0]
  if (first === undefined || inputs.length < 2 || (first.dtype !== "float32" && first.dtype !== "int32")) {
    return original(args)
  }
  const rank = first.shape.length
  const requested = typeof args.attrs.axis === "number" ? args.attrs.axis : args.attrs.axis[0]
  if (requested === undefined) return original(args)
  const axis = requested < 0 ? requested + rank : requested
  if (!(axis > 0 && axis < rank)) return original(args)
  const consistent = inputs.every((input) =>
    input.dtype === first.dtype &&
    input.shape.length === rank &&
    input.shape.every((dimension, d) => dimension > 0 && (d === axis || dimension === first.shape[d]))
  )
  if (!consistent) return original(args)
  const rows = product(first.shape.slice(0, axis))
  if (rows < minRows) return original(args)

  const outShape = [...first.shape]
  outShape[axis] = inputs.reduce((sum, input) => sum + (input.shape[axis] ?? 0), 0)
  const out = backend.makeOutput(outShape, first.dtype)
  // Views are taken after the output is allocated: allocating may grow (and so replace) the heap's buffer.
  const outView = backend.typedArrayFromHeap(out)
  const heap = new Int32Array(outView.buffer)
  const rowLengths = inputs.map((input) => product(input.shape.slice(axis)))
  const starts = inputs.map((input) => backend.typedArrayFromHeap(input).byteOffset >> 2)
  let target = outView.byteOffset >> 2
  for (let row = 0; row < rows; row++) {
    for (let i = 0; i < inputs.length; i++) {
      const length = rowLengths[i] ?? 0
      const source = (starts[i] ?? 0) + row * length
      if (length >= copyWithinFrom) {
        heap.copyWithin(target, source, source + length)
      } else {
        for (let k = 0; k < length; k++) heap[target + k] = heap[source + k]! // in bounds: both rows lie in the heap
      }
      target += length
    }
  }
  return out
}

/** Replaces the WASM backend's `Concat` kernel with {@link rowCopyConcat} around it. Call once the backend is registered. */
export const install = (registry: KernelRegistry): void => {
  const original = registry.getKernel("Concat", "wasm")
  if (original === undefined) throw new Error("tfjs has no Concat kernel for the wasm backend to replace")
  registry.unregisterKernel("Concat", "wasm")
  registry.registerKernel({ kernelName: "Concat", backendName: "wasm", kernelFunc: rowCopyConcat(original.kernelFunc) })
}
