/**
 * Reading an embedded ICC colour profile just far enough to tell whether it
 * describes sRGB, the space the engine decodes every image into.
 *
 * Why it matters: given an image with a profile, libvips imports the pixels
 * into the profile connection space and resizes them there in floating point,
 * which makes decoding a photo two to three times slower. For a profile that
 * is sRGB (most camera and phone JPEGs that carry one), that conversion only
 * takes the pixels back to where they started, so the worker decodes them as
 * they are. Any other profile (Display P3, Adobe RGB, ProPhoto, CMYK, grey, or
 * one built on lookup tables) keeps the full conversion.
 *
 * A profile counts as sRGB when it is an RGB matrix/curve profile whose
 * colorants are sRGB's (D50-adapted, within {@link colorantTolerance}) and
 * whose three tone curves, read through sRGB's inverse, move no 8-bit level by
 * more than {@link maxLevelShift}. The name inside the profile is never trusted.
 */

/** sRGB's red, green and blue colorants (XYZ, adapted to D50) as ICC profiles state them. */
export const srgbColorants = {
  r: [0.4361, 0.2225, 0.0139],
  g: [0.3851, 0.7169, 0.0971],
  b: [0.1431, 0.0606, 0.7141]
} as const

/**
 * Largest difference allowed in any colorant component. Profiles of sRGB
 * differ by a few ten-thousandths (rounding to s15Fixed16, slightly different
 * adaptations); Display P3's and Adobe RGB's red differ by more than 0.07.
 */
export const colorantTolerance = 0.005

/** Largest shift, in 8-bit levels, that treating the tone curves as sRGB's may cause. */
export const maxLevelShift = 1

/** sRGB's decoding curve: encoded value 0..1 to linear light 0..1. */
export const srgbToLinear = (encoded: number): number =>
  encoded <= 0.04045 ? encoded / 12.92 : ((encoded + 0.055) / 1.055) ** 2.4

/** sRGB's encoding curve: linear light 0..1 to encoded value 0..1. */
export const linearToSrgb = (linear: number): number =>
  linear <= 0.0031308 ? linear * 12.92 : 1.055 * linear ** (1 / 2.4) - 0.055

/** A tone curve of the profile, as a function from encoded 0..1 to linear 0..1. */
type ToneCurve = (encoded: number) => number

interface Tag {
  readonly offset: number
  readonly size: number
}

const readTags = (view: DataView): ReadonlyMap<string, Tag> | undefined => {
  if (view.byteLength < 132) return undefined
  const count = view.getUint32(128)
  if (132 + count * 12 > view.byteLength) return undefined
  const tags = new Map<string, Tag>()
  for (let i = 0; i < count; i++) {
    const entry = 132 + i * 12
    const offset = view.getUint32(entry + 4)
    const size = view.getUint32(entry + 8)
    if (offset + size > view.byteLength) return undefined
    tags.set(signature(view, entry), { offset, size })
  }
  return tags
}

const signature = (view: DataView, at: number) =>
  String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3))

const s15Fixed16 = (view: DataView, at: number) => view.getInt32(at) / 65536

const readXyz = (view: DataView, tag: Tag | undefined): readonly [number, number, number] | undefined =>
  tag === undefined || tag.size < 20 || signature(view, tag.offset) !== "XYZ "
    ? undefined
    : [s15Fixed16(view, tag.offset + 8), s15Fixed16(view, tag.offset + 12), s15Fixed16(view, tag.offset + 16)]

/** Parameter counts of the ICC parametric curve types 0 to 4. */
const parametricParameters = [1, 3, 4, 5, 7] as const

const readCurve = (view: DataView, tag: Tag | undefined): ToneCurve | undefined => {
  if (tag === undefined || tag.size < 12) return undefined
  const type = signature(view, tag.offset)
  if (type === "curv") {
    const count = view.getUint32(tag.offset + 8)
    if (tag.size < 12 + count * 2) return undefined
    if (count === 0) return (x) => x
    if (count === 1) {
      const gamma = view.getUint16(tag.offset + 12) / 256
      return (x) => x ** gamma
    }
    // Read in place: a profile may hold a table of any length, and only 256 points are ever looked up.
    const entry = (i: number) => view.getUint16(tag.offset + 12 + i * 2) / 65535
    return (x) => {
      const position = Math.min(Math.max(x, 0), 1) * (count - 1)
      const below = Math.floor(position)
      const low = entry(below)
      return low + (entry(Math.min(below + 1, count - 1)) - low) * (position - below)
    }
  }
  if (type === "para") {
    const functionType = view.getUint16(tag.offset + 8)
    const parameters = parametricParameters[functionType as 0 | 1 | 2 | 3 | 4]
    if (parameters === undefined || tag.size < 12 + parameters * 4) return undefined
    const [g = 1, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = Array.from(
      { length: parameters },
      (_, i) => s15Fixed16(view, tag.offset + 12 + i * 4)
    )
    const power = (x: number) => {
      const base = a * x + b
      return base <= 0 ? 0 : base ** g
    }
    switch (functionType) {
      case 0:
        return (x) => x ** g
      case 1:
        return (x) => (x >= -b / a ? power(x) : 0)
      case 2:
        return (x) => (x >= -b / a ? power(x) + c : c)
      case 3:
        return (x) => (x >= d ? power(x) : c * x)
      default:
        return (x) => (x >= d ? power(x) + e : c * x + f)
    }
  }
  return undefined
}

/** Tags that make a colour management engine use lookup tables instead of the matrix and curves. */
const lookupTableTags = ["A2B0", "A2B1", "A2B2", "D2B0", "D2B1", "D2B2"] as const

const closeTo = (actual: ReadonlyArray<number>, expected: ReadonlyArray<number>) =>
  actual.every((value, i) => Math.abs(value - (expected[i] ?? Number.NaN)) <= colorantTolerance)

/** True when every 8-bit level, decoded by `curve` and encoded as sRGB, lands within `maxLevelShift` of itself. */
const behavesAsSrgb = (curve: ToneCurve) => {
  for (let level = 0; level <= 255; level++) {
    const value = curve(level / 255)
    if (!Number.isFinite(value)) return false
    const linear = Math.min(Math.max(value, 0), 1)
    if (Math.abs(linearToSrgb(linear) * 255 - level) > maxLevelShift) return false
  }
  return true
}

/**
 * Whether an embedded ICC profile describes sRGB (see the module comment).
 * Anything it cannot read, or reads as something else, is not sRGB.
 */
export const isSrgb = (profile: Uint8Array): boolean => {
  const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength)
  if (view.byteLength < 132 || signature(view, 36) !== "acsp") return false
  if (signature(view, 16) !== "RGB " || signature(view, 20) !== "XYZ ") return false
  const tags = readTags(view)
  if (tags === undefined || lookupTableTags.some((name) => tags.has(name))) return false
  const colorants = {
    r: readXyz(view, tags.get("rXYZ")),
    g: readXyz(view, tags.get("gXYZ")),
    b: readXyz(view, tags.get("bXYZ"))
  }
  if (
    colorants.r === undefined || !closeTo(colorants.r, srgbColorants.r) ||
    colorants.g === undefined || !closeTo(colorants.g, srgbColorants.g) ||
    colorants.b === undefined || !closeTo(colorants.b, srgbColorants.b)
  ) return false
  return ["rTRC", "gTRC", "bTRC"].every((name) => {
    const curve = readCurve(view, tags.get(name))
    return curve !== undefined && behavesAsSrgb(curve)
  })
}
