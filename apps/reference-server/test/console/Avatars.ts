/**
 * Drawn stand-in portraits (PNG, made here with node:zlib), for the browser
 * test and the docs' screenshots: no real person's photo is published. The
 * scripted face engine never looks at pixels; these only have to look like
 * a selfie to a human reading the docs.
 */
import * as zlib from "node:zlib"

type Rgb = readonly [number, number, number]

export interface AvatarOptions {
  readonly skin: Rgb
  readonly hair: Rgb
  readonly background: Rgb
  /** Head turn, -1 (left) to 1 (right): shifts the face inside the head, as a yaw would. */
  readonly turn?: number
  /** Head tilt, -1 (down) to 1 (up). */
  readonly tilt?: number
  readonly width?: number
  readonly height?: number
}

const chunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(zlib.crc32(typed))
  return Buffer.concat([length, typed, crc])
}

const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) =>
  ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1

/** A PNG portrait: background, shoulders, hair, head, eyes, brows, nose and mouth. */
export const avatarPng = (options: AvatarOptions): Uint8Array => {
  const width = options.width ?? 320
  const height = options.height ?? 400
  const turn = options.turn ?? 0
  const tilt = options.tilt ?? 0
  const cx = width / 2
  const cy = height * 0.42
  const faceX = cx + turn * width * 0.07
  const faceY = cy - tilt * height * 0.04
  const shade = (rgb: Rgb, factor: number): Rgb => [rgb[0] * factor, rgb[1] * factor, rgb[2] * factor]
  const pixel = (x: number, y: number): Rgb => {
    if (inEllipse(x, y, faceX - width * 0.09, faceY - height * 0.035, width * 0.016, height * 0.016)) return [40, 50, 70]
    if (inEllipse(x, y, faceX + width * 0.09, faceY - height * 0.035, width * 0.016, height * 0.016)) return [40, 50, 70]
    if (inEllipse(x, y, faceX - width * 0.09, faceY - height * 0.035, width * 0.035, height * 0.018)) return [250, 250, 250]
    if (inEllipse(x, y, faceX + width * 0.09, faceY - height * 0.035, width * 0.035, height * 0.018)) return [250, 250, 250]
    if (Math.abs(y - (faceY - height * 0.075)) < 3 && Math.abs(Math.abs(x - faceX) - width * 0.09) < width * 0.045) return options.hair
    if (inEllipse(x, y, faceX, faceY + height * 0.03, width * 0.018, height * 0.04)) return shade(options.skin, 0.88)
    if (inEllipse(x, y, faceX, faceY + height * 0.115, width * 0.07, height * 0.018) && y > faceY + height * 0.11) return [170, 70, 80]
    if (inEllipse(x, y, cx, cy, width * 0.24, height * 0.25)) {
      return y < cy - height * 0.14 && !inEllipse(x, y, faceX, cy + height * 0.02, width * 0.21, height * 0.2) ? options.hair : options.skin
    }
    if (inEllipse(x, y, cx, cy - height * 0.05, width * 0.27, height * 0.25) && y < cy) return options.hair
    if (inEllipse(x, y, cx, height * 1.05, width * 0.46, height * 0.36)) return [60, 90, 140]
    if (Math.abs(x - cx) < width * 0.09 && y > cy + height * 0.2 && y < height * 0.75) return shade(options.skin, 0.92)
    const light = 1 - 0.25 * (y / height)
    return shade(options.background, light)
  }
  const rows: Array<Buffer> = []
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y)
      row[1 + x * 3] = Math.round(r)
      row[2 + x * 3] = Math.round(g)
      row[3 + x * 3] = Math.round(b)
    }
    rows.push(row)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, deflate, no filter method, no interlace
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0))
  ]))
}

/** One person's drawn portraits: the registered one, a new selfie and liveness frames turning the head. */
export const person = {
  registered: () => avatarPng({ skin: [224, 172, 138], hair: [58, 40, 30], background: [198, 214, 232] }),
  selfie: () => avatarPng({ skin: [218, 166, 132], hair: [58, 40, 30], background: [226, 222, 210], turn: 0.15 }),
  frames: () => [-0.8, -0.3, 0.3, 0.8].map((turn, index) =>
    avatarPng({ skin: [218, 166, 132], hair: [58, 40, 30], background: [226, 222, 210], turn, tilt: index % 2 === 0 ? 0.4 : -0.3 }))
}
