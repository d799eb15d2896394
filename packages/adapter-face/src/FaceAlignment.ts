/**
 * Face alignment for the descriptor: pure geometry and resampling, no models.
 *
 * The 128-d descriptor (dlib's ResNet, as shipped by face-api) compares faces
 * well only when every face reaches it framed the same way: eyes level, at the
 * same height and spacing, mouth at the same place. The engine therefore cuts
 * two square "chips" out of the decoded image with a similarity transform
 * (rotation, uniform scale, shift):
 *
 * 1. a 112 px landmark chip placed by Human's face mesh (eye corners, mouth),
 *    on which face-api's 68-landmark net runs — upright and framed as the net
 *    expects, whatever the head's roll or the detector's box;
 * 2. a 150 px descriptor chip placed by those 68 landmarks (eye centres, mouth
 *    centre), on which the descriptor net runs.
 *
 * Each template gives where the eye centres and the mouth centre land in a
 * chip, as fractions of its side. They are the mean positions, made
 * left-right symmetric, of these points in the inputs face-api's own recipe
 * gives its nets (a detector box for the landmarks, the landmarks' padded
 * bounding box for the descriptor), measured over the 127 detected `single`
 * photos of the labelled set: the framing the nets work best with, minus the
 * tilt and jitter of boxes.
 *
 * @example
 * const toImage = chipToImage(meshReferencePoints(face.mesh)!, landmarkChipTemplate, 112)
 * const chip = warpRgb({ rgb, width, height }, toImage, 112) // Int32Array, 112 x 112 x 3
 */

export interface Point {
  readonly x: number
  readonly y: number
}

/**
 * A similarity transform x' = a x - b y + tx, y' = b x + a y + ty: a rotation
 * by atan2(b, a) and a scale by hypot(a, b), then a shift.
 */
export interface Similarity {
  readonly a: number
  readonly b: number
  readonly tx: number
  readonly ty: number
}

/** Where the left eye centre, right eye centre and mouth centre land in a chip (fractions of its side; image left first). */
export type ChipTemplate = readonly [leftEye: Point, rightEye: Point, mouth: Point]

/** Placement of the landmark chip (face-api's 68-landmark net, 112 px input). */
export const landmarkChipTemplate: ChipTemplate = [
  { x: 0.306, y: 0.334 },
  { x: 0.694, y: 0.334 },
  { x: 0.5, y: 0.765 }
]
export const landmarkChipSize = 112

/** Placement of the descriptor chip (face-api's recognition net, 150 px input). */
export const descriptorChipTemplate: ChipTemplate = [
  { x: 0.313, y: 0.26 },
  { x: 0.687, y: 0.26 },
  { x: 0.5, y: 0.674 }
]
export const descriptorChipSize = 150

export const applySimilarity = (s: Similarity, p: Point): Point => ({
  x: s.a * p.x - s.b * p.y + s.tx,
  y: s.b * p.x + s.a * p.y + s.ty
})

const centroid = (points: ReadonlyArray<Point>): Point => ({
  x: points.reduce((sum, p) => sum + p.x, 0) / points.length,
  y: points.reduce((sum, p) => sum + p.y, 0) / points.length
})

/**
 * The similarity that maps `from` onto `to` with the least squared error
 * (the points pair up by index). Undefined when `from` has no extent (all its
 * points coincide) or the lists differ in length or are empty.
 */
export const fitSimilarity = (from: ReadonlyArray<Point>, to: ReadonlyArray<Point>): Similarity | undefined => {
  if (from.length === 0 || from.length !== to.length) return undefined
  const cf = centroid(from)
  const ct = centroid(to)
  let real = 0
  let imaginary = 0
  let norm = 0
  from.forEach((p, i) => {
    const q = to[i] ?? ct
    const px = p.x - cf.x, py = p.y - cf.y, qx = q.x - ct.x, qy = q.y - ct.y
    real += px * qx + py * qy
    imaginary += px * qy - py * qx
    norm += px * px + py * py
  })
  if (!(norm > 1e-12)) return undefined
  const a = real / norm
  const b = imaginary / norm
  return { a, b, tx: ct.x - (a * cf.x - b * cf.y), ty: ct.y - (b * cf.x + a * cf.y) }
}

/** The transform from chip pixels (of a `size` px chip) to image pixels that puts `reference` where `template` says. */
export const chipToImage = (reference: ChipTemplate, template: ChipTemplate, size: number): Similarity | undefined =>
  fitSimilarity(template.map((p) => ({ x: p.x * size, y: p.y * size })), reference)

const mean = (points: ReadonlyArray<Point | undefined>): Point | undefined =>
  points.every((p): p is Point => p !== undefined) && points.length > 0 ? centroid(points) : undefined

const meshPoint = (mesh: ReadonlyArray<ReadonlyArray<number>>, index: number): Point | undefined => {
  const [x, y] = mesh[index] ?? []
  return x === undefined || y === undefined ? undefined : { x, y }
}

/**
 * Eye centres and mouth centre from Human's 468-point face mesh: the mean of
 * each eye's two corners (33/133, 362/263) and of the mouth's corners and lip
 * middles (61, 291, 13, 14). Undefined for a mesh without these points.
 */
export const meshReferencePoints = (mesh: ReadonlyArray<ReadonlyArray<number>>): ChipTemplate | undefined => {
  const at = (indices: ReadonlyArray<number>) => mean(indices.map((i) => meshPoint(mesh, i)))
  const leftEye = at([33, 133])
  const rightEye = at([362, 263])
  const mouth = at([61, 291, 13, 14])
  return leftEye === undefined || rightEye === undefined || mouth === undefined ? undefined : [leftEye, rightEye, mouth]
}

/**
 * Eye centres and mouth centre from face-api's 68 landmarks: the means of
 * points 36-41, 42-47 and 48-67. Undefined with fewer than 68 points.
 */
export const landmarkReferencePoints = (positions: ReadonlyArray<Point>): ChipTemplate | undefined => {
  if (positions.length < 68) return undefined
  const leftEye = mean(positions.slice(36, 42))
  const rightEye = mean(positions.slice(42, 48))
  const mouth = mean(positions.slice(48, 68))
  return leftEye === undefined || rightEye === undefined || mouth === undefined ? undefined : [leftEye, rightEye, mouth]
}

/** Tightly packed 8-bit RGB pixels, row by row. */
export interface RgbImage {
  readonly rgb: Uint8Array
  readonly width: number
  readonly height: number
}

/**
 * Resamples a `size` x `size` RGB chip: chip pixel centre (u + 0.5, v + 0.5)
 * maps to image point `toImage(u + 0.5, v + 0.5)`. Bilinear; when the chip
 * shrinks the image (scale > 1), each chip pixel averages a k x k grid of
 * bilinear samples (k about the scale, at most 6) so small chips of large
 * faces do not alias. Outside the image the nearest edge pixel is repeated.
 * Returns int32 values 0..255 (the layout tfjs's `tensor3d` takes).
 */
export const warpRgb = (image: RgbImage, toImage: Similarity, size: number): Int32Array => {
  const { rgb, width, height } = image
  const out = new Int32Array(size * size * 3)
  const scale = Math.hypot(toImage.a, toImage.b)
  const k = Math.max(1, Math.min(6, Math.ceil(scale - 0.25)))
  const { a, b, tx, ty } = toImage
  const maxX = width - 1
  const maxY = height - 1
  const samples = k * k
  // Where each sample sits inside its chip pixel. The loop below is written for speed (every index is in
  // bounds, hence the `!`) but computes each value exactly as the plain formula would, so chips are unchanged.
  const offsets = new Float64Array(k)
  for (let s = 0; s < k; s++) offsets[s] = (s + 0.5) / k
  let o = 0
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let red = 0, green = 0, blue = 0
      for (let sy = 0; sy < k; sy++) {
        const cy = v + offsets[sy]!
        for (let sx = 0; sx < k; sx++) {
          const cx = u + offsets[sx]!
          const x = a * cx - b * cy + tx - 0.5
          const y = b * cx + a * cy + ty - 0.5
          const x0 = Math.floor(x), y0 = Math.floor(y)
          const fx = x - x0, fy = y - y0
          const left = x0 < 0 ? 0 : x0 > maxX ? maxX : x0
          const right = x0 + 1 < 0 ? 0 : x0 + 1 > maxX ? maxX : x0 + 1
          const topRow = (y0 < 0 ? 0 : y0 > maxY ? maxY : y0) * width
          const bottomRow = (y0 + 1 < 0 ? 0 : y0 + 1 > maxY ? maxY : y0 + 1) * width
          const i00 = (topRow + left) * 3, i01 = (topRow + right) * 3
          const i10 = (bottomRow + left) * 3, i11 = (bottomRow + right) * 3
          const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy
          red += rgb[i00]! * w00 + rgb[i01]! * w01 + rgb[i10]! * w10 + rgb[i11]! * w11
          green += rgb[i00 + 1]! * w00 + rgb[i01 + 1]! * w01 + rgb[i10 + 1]! * w10 + rgb[i11 + 1]! * w11
          blue += rgb[i00 + 2]! * w00 + rgb[i01 + 2]! * w01 + rgb[i10 + 2]! * w10 + rgb[i11 + 2]! * w11
        }
      }
      out[o] = Math.round(red / samples)
      out[o + 1] = Math.round(green / samples)
      out[o + 2] = Math.round(blue / samples)
      o += 3
    }
  }
  return out
}
