import { assert, describe, it } from "@effect/vitest"
import type { Findings } from "@selfie-auth/core"
import { Confidence, JobEvidence } from "@selfie-auth/adapter-face"

const thresholds = JobEvidence.defaultLivenessThresholds

/** A descriptor at a chosen distance from the origin descriptor along one axis. */
const descriptorAt = (distance: number, axis = 0) => Array.from({ length: 128 }, (_, i) => (i === axis ? distance : 0))

const image = (options: {
  readonly descriptor?: ReadonlyArray<number>
  readonly yaw?: number
  readonly pitch?: number
  readonly problems?: ReadonlyArray<Findings.QualityProblem>
  readonly faceCount?: number
} = {}): Findings.ImageFindings => ({
  width: 640,
  height: 480,
  faceCount: options.faceCount ?? (options.descriptor === undefined ? 0 : 1),
  ...(options.descriptor === undefined ? {} : {
    face: {
      box: { x: 100, y: 80, width: 220, height: 220 },
      score: 0.98,
      pose: { yaw: options.yaw ?? 0, pitch: options.pitch ?? 0, roll: 0 },
      descriptor: options.descriptor
    }
  }),
  brightness: 0.5,
  sharpness: 300,
  problems: options.problems ?? (options.descriptor === undefined ? ["no_face"] : [])
})

describe("euclideanDistance", () => {
  it("is the Euclidean norm of the difference", () => {
    assert.strictEqual(JobEvidence.euclideanDistance([0, 0], [3, 4]), 5)
    assert.strictEqual(JobEvidence.euclideanDistance(descriptorAt(0.3), descriptorAt(0.3)), 0)
  })

  it("refuses descriptors of different lengths", () => {
    assert.throws(() => JobEvidence.euclideanDistance([1], [1, 2]), /lengths differ/)
  })
})

describe("livenessEvidence", () => {
  it("counts usable frames, frames of the selfie's person and the pose range including the selfie", () => {
    const selfie = image({ descriptor: descriptorAt(0), yaw: 0, pitch: 2 })
    const frames = [
      image({ descriptor: descriptorAt(0.2), yaw: -12, pitch: 0 }),
      image({ descriptor: descriptorAt(0.3), yaw: 9, pitch: 6 }),
      image({ descriptor: descriptorAt(0.9), yaw: 1, pitch: 1 }), // someone else
      image({}), // no face
      image({ descriptor: descriptorAt(0.1), problems: ["too_blurry"] }),
      image({ descriptor: descriptorAt(0.1), faceCount: 2, problems: ["multiple_faces"] }),
      image({ descriptor: descriptorAt(0.1), yaw: 40, problems: ["extreme_pose"] }) // head turns are expected
    ]
    assert.deepStrictEqual(JobEvidence.livenessEvidence(selfie, frames, thresholds), {
      framesProvided: 7,
      framesUsable: 4,
      framesMatchingSelfie: 3,
      poseRange: { yaw: 52, pitch: 6 }
    })
  })

  it("matches strictly below the match distance", () => {
    const selfie = image({ descriptor: descriptorAt(0) })
    const at = JobEvidence.livenessEvidence(selfie, [image({ descriptor: descriptorAt(thresholds.matchDistance) })], thresholds)
    assert.strictEqual(at.framesMatchingSelfie, 0)
    const below = JobEvidence.livenessEvidence(selfie, [image({ descriptor: descriptorAt(thresholds.matchDistance - 0.001) })], thresholds)
    assert.strictEqual(below.framesMatchingSelfie, 1)
  })

  it("matches nothing when the selfie has no face", () => {
    const evidence = JobEvidence.livenessEvidence(image(), [image({ descriptor: descriptorAt(0) })], thresholds)
    assert.strictEqual(evidence.framesUsable, 1)
    assert.strictEqual(evidence.framesMatchingSelfie, 0)
  })
})

describe("spoofSuspicion", () => {
  const selfie = image({ descriptor: descriptorAt(0) })

  it("is none for consistent frames of the selfie's person", () => {
    const frames = [0.1, 0.2, 0.3].map((d, i) => image({ descriptor: descriptorAt(d, i), yaw: i * 5 }))
    assert.strictEqual(JobEvidence.spoofSuspicion(selfie, frames, thresholds), "none")
  })

  it("is weak when the frames show the selfie's person and clearly someone else", () => {
    const frames = [image({ descriptor: descriptorAt(0.1) }), image({ descriptor: descriptorAt(0.8, 1) })]
    assert.strictEqual(JobEvidence.spoofSuspicion(selfie, frames, thresholds), "weak")
  })

  it("is weak when every frame is one person and the selfie clearly another", () => {
    const frames = [image({ descriptor: descriptorAt(0.9) }), image({ descriptor: descriptorAt(1.0) })]
    assert.strictEqual(JobEvidence.spoofSuspicion(selfie, frames, thresholds), "weak")
  })

  it("is weak when two frames are the same picture", () => {
    const frames = [image({ descriptor: descriptorAt(0.2) }), image({ descriptor: descriptorAt(0.2) })]
    assert.strictEqual(JobEvidence.spoofSuspicion(selfie, frames, thresholds), "weak")
  })

  it("is none in the unsure zone between match and different-person distances", () => {
    const frames = [image({ descriptor: descriptorAt(0.1) }), image({ descriptor: descriptorAt(0.6, 1) })]
    assert.strictEqual(JobEvidence.spoofSuspicion(selfie, frames, thresholds), "none")
  })

  it("never says strong", () => {
    const frames = [image({ descriptor: descriptorAt(0.9) }), image({ descriptor: descriptorAt(0.9) })]
    assert.strictEqual(JobEvidence.spoofSuspicion(selfie, frames, thresholds), "weak")
  })
})

describe("comparison and jobFindings", () => {
  it("compares the selfie with the registered one and calibrates the confidence", () => {
    const found = JobEvidence.comparison(image({ descriptor: descriptorAt(0) }), image({ descriptor: descriptorAt(0.4) }))
    assert.strictEqual(found?.distance, 0.4)
    assert.strictEqual(found?.confidence, Confidence.confidenceOf(0.4))
    assert.isUndefined(JobEvidence.comparison(image(), image({ descriptor: descriptorAt(0.4) })))
  })

  it("leaves out liveness without frames and the comparison without a registered selfie", () => {
    const findings = JobEvidence.jobFindings({ selfie: image({ descriptor: descriptorAt(0) }), frames: [] }, thresholds)
    assert.deepStrictEqual(Object.keys(findings).sort(), ["selfie", "spoofSuspicion"])
    assert.strictEqual(findings.spoofSuspicion, "none")
  })
})

describe("confidenceOf", () => {
  const calibration = Confidence.defaultCalibration

  it("is 50 at the midpoint and falls as the distance grows", () => {
    assert.strictEqual(Confidence.confidenceOf(calibration.midpoint), 50)
    let previous = Infinity
    for (let d = 0; d <= 1.5; d += 0.05) {
      const confidence = Confidence.confidenceOf(d)
      assert.isAtMost(confidence, previous)
      assert.isAtLeast(confidence, 0)
      assert.isAtMost(confidence, 100)
      previous = confidence
    }
  })

  it("follows the logistic formula with the given parameters", () => {
    assert.strictEqual(Confidence.confidenceOf(0.5, { midpoint: 0.6, slope: 10 }), 73.1) // 100 / (1 + e^-1)
  })
})
