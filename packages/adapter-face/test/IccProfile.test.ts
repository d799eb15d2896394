import { describe, expect, it } from "vitest"
import sharp from "sharp"
import { IccProfile } from "@selfie-auth/adapter-face"

/** The profile libvips embeds for `withIccProfile(name)`, read back from a tiny JPEG. */
const libvipsProfile = async (name: "srgb" | "p3" | "cmyk") => {
  const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: "#7f7f7f" } })
    .withIccProfile(name)
    .jpeg()
    .toBuffer()
  const { icc } = await sharp(jpeg).metadata()
  if (icc === undefined) throw new Error(`libvips embedded no ${name} profile`)
  return new Uint8Array(icc)
}

type Xyz = readonly [number, number, number]
type Curve = { readonly kind: "gamma"; readonly gamma: number } | { readonly kind: "table"; readonly values: ReadonlyArray<number> }

/** A minimal matrix/curve ICC profile, written tag by tag. */
const buildProfile = (options: {
  readonly colourSpace?: string
  readonly colorants?: { readonly r: Xyz; readonly g: Xyz; readonly b: Xyz }
  readonly curve?: Curve
  readonly extraTags?: ReadonlyArray<string>
}) => {
  const colorants = options.colorants ?? IccProfile.srgbColorants
  const curve = options.curve ?? srgbTable
  const xyz = (value: Xyz) => {
    const view = new DataView(new ArrayBuffer(20))
    view.setUint32(0, 0x58595a20) // "XYZ "
    value.forEach((component, i) => view.setInt32(8 + i * 4, Math.round(component * 65536)))
    return new Uint8Array(view.buffer)
  }
  const curv = (() => {
    const count = curve.kind === "gamma" ? 1 : curve.values.length
    const view = new DataView(new ArrayBuffer(12 + count * 2 + (count % 2) * 2))
    view.setUint32(0, 0x63757276) // "curv"
    view.setUint32(8, count)
    if (curve.kind === "gamma") view.setUint16(12, Math.round(curve.gamma * 256))
    else curve.values.forEach((value, i) => view.setUint16(12 + i * 2, Math.round(value * 65535)))
    return new Uint8Array(view.buffer)
  })()
  const tags: Array<[string, Uint8Array]> = [
    ["rXYZ", xyz(colorants.r)],
    ["gXYZ", xyz(colorants.g)],
    ["bXYZ", xyz(colorants.b)],
    ["rTRC", curv],
    ["gTRC", curv],
    ["bTRC", curv],
    ...(options.extraTags ?? []).map((name): [string, Uint8Array] => [name, new Uint8Array(32)])
  ]
  const tableEnd = 132 + tags.length * 12
  const size = tags.reduce((end, [, data]) => end + data.length, tableEnd)
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  const ascii = (at: number, text: string) => [...text].forEach((ch, i) => view.setUint8(at + i, ch.charCodeAt(0)))
  view.setUint32(0, size)
  ascii(16, options.colourSpace ?? "RGB ")
  ascii(20, "XYZ ")
  ascii(36, "acsp")
  view.setUint32(128, tags.length)
  let offset = tableEnd
  tags.forEach(([name, data], i) => {
    ascii(132 + i * 12, name)
    view.setUint32(132 + i * 12 + 4, offset)
    view.setUint32(132 + i * 12 + 8, data.length)
    bytes.set(data, offset)
    offset += data.length
  })
  return bytes
}

/** sRGB's decoding curve sampled 1024 times, as the IEC 61966-2.1 profile stores it. */
const srgbTable: Curve = {
  kind: "table",
  values: Array.from({ length: 1024 }, (_, i) => IccProfile.srgbToLinear(i / 1023))
}

/** Display P3's colorants adapted to D50. */
const displayP3Colorants = {
  r: [0.5151, 0.2412, -0.0011],
  g: [0.292, 0.6922, 0.0419],
  b: [0.1571, 0.0666, 0.7841]
} as const

describe("IccProfile.isSrgb", () => {
  it("recognises libvips' own sRGB profile and refuses its Display P3 and CMYK ones", async () => {
    expect(IccProfile.isSrgb(await libvipsProfile("srgb"))).toBe(true)
    expect(IccProfile.isSrgb(await libvipsProfile("p3"))).toBe(false)
    expect(IccProfile.isSrgb(await libvipsProfile("cmyk"))).toBe(false)
  })

  it("accepts sRGB colorants with sRGB's curve stored as a 1024-entry table", () => {
    expect(IccProfile.isSrgb(buildProfile({}))).toBe(true)
  })

  it("refuses other colorants, and a plain gamma 2.2 curve that shifts dark levels by several steps", () => {
    expect(IccProfile.isSrgb(buildProfile({ colorants: displayP3Colorants }))).toBe(false)
    expect(IccProfile.isSrgb(buildProfile({ curve: { kind: "gamma", gamma: 2.2 } }))).toBe(false)
    expect(IccProfile.isSrgb(buildProfile({ curve: { kind: "gamma", gamma: 1 } }))).toBe(false)
  })

  it("refuses a profile whose lookup tables a colour engine would use instead of its matrix", () => {
    expect(IccProfile.isSrgb(buildProfile({ extraTags: ["A2B0"] }))).toBe(false)
  })

  it("refuses grey profiles, truncated profiles and bytes that are no profile", () => {
    expect(IccProfile.isSrgb(buildProfile({ colourSpace: "GRAY" }))).toBe(false)
    const whole = buildProfile({})
    expect(IccProfile.isSrgb(whole.subarray(0, 200))).toBe(false)
    expect(IccProfile.isSrgb(whole.subarray(0, 100))).toBe(false)
    expect(IccProfile.isSrgb(new TextEncoder().encode("not a colour profile at all, just text"))).toBe(false)
  })

  it("reads a profile that sits inside a larger buffer", () => {
    const whole = buildProfile({})
    const padded = new Uint8Array(whole.length + 16)
    padded.set(whole, 16)
    expect(IccProfile.isSrgb(padded.subarray(16))).toBe(true)
  })
})
