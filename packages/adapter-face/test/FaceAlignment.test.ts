import { assert, describe, it } from "@effect/vitest"
import { FaceAlignment } from "@selfie-auth/adapter-face"

const close = (actual: number, expected: number, what: string) => assert.approximately(actual, expected, 1e-9, what)

describe("fitSimilarity", () => {
  it("recovers a known rotation, scale and shift exactly", () => {
    // rotate by 30°, scale by 2, shift by (5, -3)
    const known: FaceAlignment.Similarity = { a: 2 * Math.cos(Math.PI / 6), b: 2 * Math.sin(Math.PI / 6), tx: 5, ty: -3 }
    const from = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 3, y: 7 }]
    const to = from.map((p) => FaceAlignment.applySimilarity(known, p))
    const fitted = FaceAlignment.fitSimilarity(from, to)
    assert.isDefined(fitted)
    close(fitted!.a, known.a, "a")
    close(fitted!.b, known.b, "b")
    close(fitted!.tx, 5, "tx")
    close(fitted!.ty, -3, "ty")
  })

  it("gives the least-squares compromise when no similarity fits exactly", () => {
    // the target stretches x by 2 and y by 0 around the origin: the best similarity scales by 1
    const from = [{ x: -1, y: 0 }, { x: 1, y: 0 }, { x: 0, y: -1 }, { x: 0, y: 1 }]
    const to = [{ x: -2, y: 0 }, { x: 2, y: 0 }, { x: 0, y: 0 }, { x: 0, y: 0 }]
    const fitted = FaceAlignment.fitSimilarity(from, to)!
    close(fitted.a, 1, "scale")
    close(fitted.b, 0, "no rotation")
  })

  it("refuses degenerate input", () => {
    assert.isUndefined(FaceAlignment.fitSimilarity([], []))
    assert.isUndefined(FaceAlignment.fitSimilarity([{ x: 1, y: 1 }, { x: 1, y: 1 }], [{ x: 0, y: 0 }, { x: 5, y: 5 }]))
    assert.isUndefined(FaceAlignment.fitSimilarity([{ x: 0, y: 0 }], [{ x: 0, y: 0 }, { x: 1, y: 1 }]))
  })
})

describe("chipToImage", () => {
  it("levels a tilted face: reference points rotated by 20° give a transform rotated by 20°", () => {
    const size = FaceAlignment.descriptorChipSize
    const angle = (20 * Math.PI) / 180
    const upright = FaceAlignment.descriptorChipTemplate.map((p) => ({ x: p.x * size, y: p.y * size }))
    const tilted = upright.map((p) => ({
      x: 300 + p.x * Math.cos(angle) - p.y * Math.sin(angle),
      y: 200 + p.x * Math.sin(angle) + p.y * Math.cos(angle)
    })) as unknown as FaceAlignment.ChipTemplate
    const toImage = FaceAlignment.chipToImage(tilted, FaceAlignment.descriptorChipTemplate, size)!
    close(Math.atan2(toImage.b, toImage.a), angle, "rotation")
    close(Math.hypot(toImage.a, toImage.b), 1, "scale")
    const eye = FaceAlignment.applySimilarity(toImage, upright[0]!)
    close(eye.x, tilted[0].x, "left eye x")
    close(eye.y, tilted[0].y, "left eye y")
  })
})

describe("reference points", () => {
  it("takes the eye corners and mouth points of Human's mesh", () => {
    const mesh = Array.from({ length: 468 }, () => [0, 0, 0])
    mesh[33] = [10, 20, 0]
    mesh[133] = [30, 22, 0]
    mesh[362] = [60, 22, 0]
    mesh[263] = [80, 20, 0]
    mesh[61] = [30, 80, 0]
    mesh[291] = [60, 80, 0]
    mesh[13] = [45, 76, 0]
    mesh[14] = [45, 84, 0]
    assert.deepStrictEqual(FaceAlignment.meshReferencePoints(mesh), [{ x: 20, y: 21 }, { x: 70, y: 21 }, { x: 45, y: 80 }])
    assert.isUndefined(FaceAlignment.meshReferencePoints(mesh.slice(0, 100)))
  })

  it("averages face-api's eye (36-41, 42-47) and mouth (48-67) landmarks", () => {
    const positions = Array.from({ length: 68 }, (_, i) =>
      i >= 36 && i < 42 ? { x: 10, y: 5 } : i >= 42 && i < 48 ? { x: 30, y: 5 } : i >= 48 ? { x: 20, y: 40 } : { x: 99, y: 99 })
    assert.deepStrictEqual(FaceAlignment.landmarkReferencePoints(positions), [{ x: 10, y: 5 }, { x: 30, y: 5 }, { x: 20, y: 40 }])
    assert.isUndefined(FaceAlignment.landmarkReferencePoints(positions.slice(0, 60)))
  })
})

describe("warpRgb", () => {
  const image = (width: number, height: number, pixel: (x: number, y: number) => [number, number, number]) => {
    const rgb = new Uint8Array(width * height * 3)
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(pixel(x, y), (y * width + x) * 3)
    return { rgb, width, height }
  }

  it("copies the image unchanged under the identity", () => {
    const source = image(5, 4, (x, y) => [x * 40, y * 60, 7])
    const chip = FaceAlignment.warpRgb(source, { a: 1, b: 0, tx: 0, ty: 0 }, 4)
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) assert.deepStrictEqual([...chip.slice((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)], [x * 40, y * 60, 7])
    }
  })

  it("rotates by a quarter turn and shifts", () => {
    const source = image(4, 4, (x, y) => [x * 10 + y, 0, 0])
    // chip (u, v) -> image (3 - v, u): a quarter turn
    const chip = FaceAlignment.warpRgb(source, { a: 0, b: 1, tx: 4, ty: 0 }, 4)
    for (let v = 0; v < 4; v++) for (let u = 0; u < 4; u++) assert.strictEqual(chip[(v * 4 + u) * 3], (3 - v) * 10 + u)
  })

  it("averages blocks when it shrinks, so a fine checkerboard becomes flat grey instead of aliasing", () => {
    const board = image(64, 64, (x, y) => ((x + y) % 2 === 0 ? [0, 0, 0] : [255, 255, 255]))
    const chip = FaceAlignment.warpRgb(board, { a: 4, b: 0, tx: 0, ty: 0 }, 16)
    for (let i = 0; i < chip.length; i++) assert.approximately(chip[i]!, 127.5, 1)
  })

  it("repeats the edge pixels outside the image", () => {
    const source = image(2, 2, (x) => (x === 0 ? [10, 10, 10] : [200, 200, 200]))
    const chip = FaceAlignment.warpRgb(source, { a: 1, b: 0, tx: -3, ty: 0 }, 2)
    assert.deepStrictEqual([...chip.slice(0, 3)], [10, 10, 10])
  })
})
