/**
 * face-api's 128-d descriptor network, run with fewer kernels.
 *
 * The network is a ResNet over a 150 px chip: a 7 x 7 convolution, a max pool,
 * then residual blocks of two 3 x 3 convolutions at 32, 64, 128 and 256
 * channels (each width entered through a block that halves the map), a global
 * mean and a 256 x 128 matrix. face-api runs every convolution as five
 * kernels: the convolution, its bias, a per-channel scale (multiply, then
 * add) and a ReLU. Here each is one fused convolution whose filters and bias
 * already carry the scale (filters x s, bias x s + t, folded once when the
 * worker starts) and whose ReLU runs inside the convolution: some 170 kernels
 * per image become about 60, over the same parameters face-api loaded.
 *
 * The arithmetic is the same up to float rounding (a product is formed in a
 * different order), so descriptors differ from face-api's in their last bits
 * (under 1e-6; the tests hold it to face-api's own forward pass on the pinned
 * version). A worker checks the loaded parameters' names and shapes before
 * using them ({@link checkParams}), so a face-api whose network has a
 * different shape stops the engine at start instead of skewing descriptors.
 */

/** A tfjs tensor, as far as this module needs it. */
export interface Tensor {
  readonly shape: ReadonlyArray<number>
  readonly data: () => Promise<ArrayLike<number>>
}

type Padding = "same" | "valid"

/** The tfjs operations the network uses (tfjs-core's own signatures, narrowed). */
export interface Ops {
  readonly tidy: <T extends Tensor>(fn: () => T) => T
  readonly keep: <T extends Tensor>(tensor: T) => T
  readonly dispose: (tensor: Tensor | ReadonlyArray<Tensor>) => void
  readonly tensor1d: (values: ReadonlyArray<number>, dtype: "float32") => Tensor
  readonly cast: (x: Tensor, dtype: "float32") => Tensor
  readonly expandDims: (x: Tensor, axis: number) => Tensor
  readonly sub: (a: Tensor, b: Tensor) => Tensor
  readonly div: (a: Tensor, b: number) => Tensor
  readonly mul: (a: Tensor, b: Tensor) => Tensor
  readonly add: (a: Tensor, b: Tensor) => Tensor
  readonly relu: (x: Tensor) => Tensor
  readonly maxPool: (x: Tensor, filterSize: number, strides: number, pad: Padding) => Tensor
  readonly avgPool: (x: Tensor, filterSize: number, strides: number, pad: Padding) => Tensor
  readonly pad: (x: Tensor, paddings: Array<[number, number]>) => Tensor
  readonly mean: (x: Tensor, axis: Array<number>) => Tensor
  readonly matMul: (a: Tensor, b: Tensor) => Tensor
  readonly fused: {
    readonly conv2d: (args: {
      x: Tensor
      filter: Tensor
      strides: number
      pad: Padding
      bias: Tensor
      activation: "relu" | "linear"
    }) => Tensor
  }
}

/** One convolution as face-api stores it: filters and bias, then a per-channel scale. */
export interface ConvLayerParams {
  readonly conv: { readonly filters: Tensor; readonly bias: Tensor }
  readonly scale: { readonly weights: Tensor; readonly biases: Tensor }
}

export interface ResidualLayerParams {
  readonly conv1: ConvLayerParams
  readonly conv2: ConvLayerParams
}

/** `faceApi.nets.faceRecognitionNet.params` once loaded. */
export interface RecognitionParams {
  readonly conv32_down: ConvLayerParams
  readonly conv32_1: ResidualLayerParams
  readonly conv32_2: ResidualLayerParams
  readonly conv32_3: ResidualLayerParams
  readonly conv64_down: ResidualLayerParams
  readonly conv64_1: ResidualLayerParams
  readonly conv64_2: ResidualLayerParams
  readonly conv64_3: ResidualLayerParams
  readonly conv128_down: ResidualLayerParams
  readonly conv128_1: ResidualLayerParams
  readonly conv128_2: ResidualLayerParams
  readonly conv256_down: ResidualLayerParams
  readonly conv256_1: ResidualLayerParams
  readonly conv256_2: ResidualLayerParams
  readonly conv256_down_out: ResidualLayerParams
  readonly fc: Tensor
}

/** Mean red, green and blue the network subtracts before scaling its input to about -0.5..0.5. */
const meanRgb = [122.782, 117.001, 104.298] as const

interface FusedConv {
  readonly filter: Tensor
  readonly bias: Tensor
}

/**
 * The network's residual blocks in order, with the channels they take and
 * give. A `down` block halves the map (its first convolution has stride 2).
 */
const blocks = [
  ["conv32_1", "same", 32, 32],
  ["conv32_2", "same", 32, 32],
  ["conv32_3", "same", 32, 32],
  ["conv64_down", "down", 32, 64],
  ["conv64_1", "same", 64, 64],
  ["conv64_2", "same", 64, 64],
  ["conv64_3", "same", 64, 64],
  ["conv128_down", "down", 64, 128],
  ["conv128_1", "same", 128, 128],
  ["conv128_2", "same", 128, 128],
  ["conv256_down", "down", 128, 256],
  ["conv256_1", "same", 256, 256],
  ["conv256_2", "same", 256, 256],
  ["conv256_down_out", "down", 256, 256]
] as const

type Shape = ReadonlyArray<number>

/** Filters (height, width, in, out) of each convolution; bias and scale have `out` values. */
const expectedConvShapes: ReadonlyArray<readonly [string, Shape]> = [
  ["conv32_down", [7, 7, 3, 32]],
  ...blocks.flatMap(([name, , into, out]): Array<readonly [string, Shape]> => [
    [`${name}.conv1`, [3, 3, into, out]],
    [`${name}.conv2`, [3, 3, out, out]]
  ])
]

const sameShape = (actual: Shape | undefined, expected: Shape) =>
  actual !== undefined && actual.length === expected.length && actual.every((n, i) => n === expected[i])

/**
 * Every parameter the network reads, with the shape it must have; returns the
 * first mismatch as a sentence, or undefined when all match.
 */
export const checkParams = (params: RecognitionParams): string | undefined => {
  const layers = params as unknown as Record<string, Partial<ResidualLayerParams> & Partial<ConvLayerParams>>
  for (const [name, filters] of expectedConvShapes) {
    const [layerName = "", part] = name.split(".")
    const layer = part === undefined ? layers[layerName] : layers[layerName]?.[part as "conv1" | "conv2"]
    const out = [filters[3] ?? 0]
    const found: ReadonlyArray<readonly [string, Shape | undefined, Shape]> = [
      ["filters", layer?.conv?.filters.shape, filters],
      ["bias", layer?.conv?.bias.shape, out],
      ["scale weights", layer?.scale?.weights.shape, out],
      ["scale biases", layer?.scale?.biases.shape, out]
    ]
    for (const [what, actual, expected] of found) {
      if (!sameShape(actual, expected)) {
        return `${name} ${what} have shape ${actual === undefined ? "(missing)" : `[${actual.join(", ")}]`}, expected [${expected.join(", ")}]`
      }
    }
  }
  const fc = params.fc?.shape
  return sameShape(fc, [256, 128]) ? undefined : `fc has shape ${fc === undefined ? "(missing)" : `[${fc.join(", ")}]`}, expected [256, 128]`
}

/**
 * The network over loaded parameters: returns the descriptor of a 150 px RGB
 * chip (`FaceAlignment.descriptorChipSize`; int32 0..255, `[150, 150, 3]`).
 * The folded filters are made once here and live as long as the worker.
 */
export const make = (ops: Ops, params: RecognitionParams) => {
  const fold = (layer: ConvLayerParams): FusedConv => ({
    filter: ops.keep(ops.tidy(() => ops.mul(layer.conv.filters, layer.scale.weights))),
    bias: ops.keep(ops.tidy(() => ops.add(ops.mul(layer.conv.bias, layer.scale.weights), layer.scale.biases)))
  })
  const entry = fold(params.conv32_down)
  const residuals = blocks.map(([name, kind]) => ({ kind, conv1: fold(params[name].conv1), conv2: fold(params[name].conv2) }))
  const mean = ops.keep(ops.tensor1d(meanRgb, "float32"))

  const conv = (x: Tensor, layer: FusedConv, strides: number, pad: Padding, activation: "relu" | "linear") =>
    ops.fused.conv2d({ x, filter: layer.filter, strides, pad, bias: layer.bias, activation })

  const residual = (x: Tensor, block: (typeof residuals)[number]) => {
    if (block.kind === "same") {
      const inner = conv(conv(x, block.conv1, 1, "same", "relu"), block.conv2, 1, "same", "linear")
      return ops.relu(ops.add(inner, x))
    }
    // The shortcut of a halving block: the input averaged over 2 x 2 cells, its channels doubled with zeros.
    // The convolved path, one cell short on odd maps, gets a row and a column of zeros at the far edges.
    let inner = conv(conv(x, block.conv1, 2, "valid", "relu"), block.conv2, 1, "same", "linear")
    let shortcut = ops.avgPool(x, 2, 2, "valid")
    if (shortcut.shape[1] !== inner.shape[1] || shortcut.shape[2] !== inner.shape[2]) {
      inner = ops.pad(inner, [[0, 0], [0, 1], [0, 1], [0, 0]])
    }
    const channels = shortcut.shape[3] ?? 0
    if (channels !== inner.shape[3]) shortcut = ops.pad(shortcut, [[0, 0], [0, 0], [0, 0], [0, channels]])
    return ops.relu(ops.add(shortcut, inner))
  }

  const forward = (chip: Tensor): Tensor =>
    ops.tidy(() => {
      const input = ops.div(ops.sub(ops.cast(ops.expandDims(chip, 0), "float32"), mean), 255)
      let out = ops.maxPool(conv(input, entry, 2, "valid", "relu"), 3, 2, "valid")
      for (const block of residuals) out = residual(out, block)
      return ops.matMul(ops.mean(out, [1, 2]), params.fc)
    })

  return async (chip: Tensor): Promise<Array<number>> => {
    const descriptor = forward(chip)
    try {
      return Array.from(await descriptor.data())
    } finally {
      ops.dispose(descriptor)
    }
  }
}

/** Largest absolute difference between two descriptors; infinite for different lengths or a value that is not finite. */
export const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY
  let largest = 0
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs((a[i] ?? Number.NaN) - (b[i] ?? Number.NaN))
    if (!Number.isFinite(difference)) return Number.POSITIVE_INFINITY
    largest = Math.max(largest, difference)
  }
  return largest
}
