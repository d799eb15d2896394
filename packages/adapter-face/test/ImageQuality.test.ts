import { assert, describe, it } from "@effect/vitest"
import { ImageQuality } from "@selfie-auth/adapter-face"
import type { DetectedFace, ImageMeasurements } from "@selfie-auth/adapter-face"
import type { Findings } from "@selfie-auth/core"

const thresholds = ImageQuality.defaultQualityThresholds

const face = (overrides: Partial<DetectedFace> & { readonly size?: number; readonly x?: number; readonly y?: number } = {}): DetectedFace => {
  const size = overrides.size ?? 300
  return {
    box: overrides.box ?? { x: overrides.x ?? 100, y: overrides.y ?? 100, width: size, height: size },
    score: overrides.score ?? 0.99,
    pose: overrides.pose ?? { yaw: 2, pitch: 5, roll: 0 },
    outsideShare: overrides.outsideShare ?? 0
  }
}

const measured = (overrides: Partial<ImageMeasurements> = {}): ImageMeasurements => ({
  width: 800,
  height: 1000,
  faces: [face()],
  descriptor: Array.from({ length: 128 }, (_, i) => i / 1000),
  brightness: 0.45,
  sharpness: 400,
  elapsedMs: 80,
  ...overrides
})

describe("laplacianVariance", () => {
  it("is 0 on a flat image and on a linear ramp (the Laplacian of a plane is 0)", () => {
    assert.strictEqual(ImageQuality.laplacianVariance(new Uint8Array(64).fill(90), 8, 8), 0)
    const ramp = new Uint8Array(64).map((_, i) => (i % 8) * 10)
    assert.strictEqual(ImageQuality.laplacianVariance(ramp, 8, 8), 0)
  })

  it("gives the known value on a checkerboard: every interior Laplacian is ±4·255", () => {
    const board = new Uint8Array(16).map((_, i) => ((i % 4) + Math.floor(i / 4)) % 2 === 0 ? 0 : 255)
    // interior pixels (1,1) (2,1) (1,2) (2,2): two of each sign, so mean 0 and variance (4·255)²
    assert.strictEqual(ImageQuality.laplacianVariance(board, 4, 4), (4 * 255) ** 2)
  })

  it("is 0 when the image has no interior", () => {
    assert.strictEqual(ImageQuality.laplacianVariance(new Uint8Array([0, 255, 0, 255]), 2, 2), 0)
  })
})

describe("meanLuminance", () => {
  it("maps 8-bit grey to 0..1", () => {
    assert.strictEqual(ImageQuality.meanLuminance(new Uint8Array([0, 255])), 0.5)
    assert.strictEqual(ImageQuality.meanLuminance(new Uint8Array([255, 255])), 1)
    assert.strictEqual(ImageQuality.meanLuminance(new Uint8Array()), 0)
  })
})

describe("imageFindings", () => {
  it("reports a good photo without problems and keeps the descriptor", () => {
    const findings = ImageQuality.imageFindings(measured(), thresholds)
    assert.deepStrictEqual(findings.problems, [])
    assert.strictEqual(findings.faceCount, 1)
    assert.strictEqual(findings.face?.descriptor.length, 128)
    assert.deepStrictEqual(findings.face?.box, { x: 100, y: 100, width: 300, height: 300 })
  })

  it("finds no face when nothing was detected or only boxes under the score limit", () => {
    for (const faces of [[], [face({ score: thresholds.minFaceScore - 0.01 })]]) {
      const { descriptor: _, ...rest } = measured({ faces })
      const findings = ImageQuality.imageFindings(rest, thresholds)
      assert.deepStrictEqual(findings.problems, ["no_face"])
      assert.strictEqual(findings.faceCount, 0)
      assert.isUndefined(findings.face)
    }
  })

  it("counts a second person of similar size, but not a small background face nor a box inside the face", () => {
    const twoPeople = ImageQuality.imageFindings(measured({ faces: [face(), face({ x: 450, size: 250 })] }), thresholds)
    assert.deepStrictEqual(twoPeople.problems, ["multiple_faces"])
    assert.strictEqual(twoPeople.faceCount, 2)
    const background = ImageQuality.imageFindings(measured({ faces: [face(), face({ x: 500, size: 60 })] }), thresholds)
    assert.strictEqual(background.faceCount, 1)
    const inside = ImageQuality.imageFindings(measured({ faces: [face(), face({ x: 150, y: 150, size: 180 })] }), thresholds)
    assert.strictEqual(inside.faceCount, 1)
  })

  it("flags each quality limit just past it and not just before", () => {
    const cases: ReadonlyArray<[Partial<ImageMeasurements>, Partial<ImageMeasurements>, Findings.QualityProblem]> = [
      [{ brightness: thresholds.minBrightness - 0.01 }, { brightness: thresholds.minBrightness }, "too_dark"],
      [{ brightness: thresholds.maxBrightness + 0.01 }, { brightness: thresholds.maxBrightness }, "too_bright"],
      [{ sharpness: thresholds.minSharpness - 1 }, { sharpness: thresholds.minSharpness }, "too_blurry"],
      [
        { faces: [face({ size: thresholds.minFacePixels - 1 })] },
        { faces: [face({ size: thresholds.minFacePixels })] },
        "face_too_small"
      ],
      [
        { faces: [face({ outsideShare: thresholds.maxOutsideShare + 0.01 })] },
        { faces: [face({ outsideShare: thresholds.maxOutsideShare })] },
        "face_cut_off"
      ],
      [
        { faces: [face({ pose: { yaw: thresholds.maxYaw + 1, pitch: 0, roll: 0 } })] },
        { faces: [face({ pose: { yaw: -thresholds.maxYaw, pitch: 0, roll: 0 } })] },
        "extreme_pose"
      ],
      [
        { faces: [face({ pose: { yaw: 0, pitch: -thresholds.maxPitch - 1, roll: 0 } })] },
        { faces: [face({ pose: { yaw: 0, pitch: thresholds.maxPitch, roll: 0 } })] },
        "extreme_pose"
      ]
    ]
    for (const [past, at, problem] of cases) {
      assert.deepStrictEqual(ImageQuality.imageFindings(measured(past), thresholds).problems, [problem], problem)
      assert.deepStrictEqual(ImageQuality.imageFindings(measured(at), thresholds).problems, [], `${problem} at the limit`)
    }
  })

  it("judges darkness without a face but not focus (a faceless scene says nothing about a face's focus)", () => {
    const { descriptor: _, ...dark } = measured({ faces: [], brightness: 0.01, sharpness: 0 })
    assert.deepStrictEqual(ImageQuality.imageFindings(dark, thresholds).problems, ["no_face", "too_dark"])
  })

  it("follows configured thresholds", () => {
    const strict = { ...thresholds, minSharpness: 1000 }
    assert.deepStrictEqual(ImageQuality.imageFindings(measured(), strict).problems, ["too_blurry"])
  })
})
