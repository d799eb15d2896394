import { assert, describe, it } from "@effect/vitest"
import { Actions, Decision, Findings, ResultCode } from "@selfie-auth/core"
import { Either, FastCheck as fc, Schema } from "effect"

// ---------------------------------------------------------------------------
// Findings as an engine would report them

const face = (score = 0.97): Findings.FaceFindings => ({
  box: { x: 200, y: 120, width: 240, height: 300 },
  score,
  pose: { yaw: 2, pitch: -3, roll: 1 },
  descriptor: []
})

const goodSelfie: Findings.ImageFindings = {
  width: 640,
  height: 480,
  faceCount: 1,
  face: face(),
  brightness: 0.52,
  sharpness: 180,
  problems: []
}
const noFaceSelfie: Findings.ImageFindings = { ...goodSelfie, faceCount: 0, problems: ["no_face"] }
const { face: _dropped, ...withoutFace } = noFaceSelfie
const twoFacesSelfie: Findings.ImageFindings = { ...goodSelfie, faceCount: 2, problems: ["multiple_faces"] }
const darkSelfie: Findings.ImageFindings = { ...goodSelfie, brightness: 0.08, problems: ["too_dark"] }

const liveFrames: Findings.LivenessEvidence = {
  framesProvided: 8,
  framesUsable: 8,
  framesMatchingSelfie: 8,
  poseRange: { yaw: 14, pitch: 6 }
}
const framesOfAnotherPerson: Findings.LivenessEvidence = { ...liveFrames, framesMatchingSelfie: 3 }
const stillFrames: Findings.LivenessEvidence = { ...liveFrames, poseRange: { yaw: 1.2, pitch: 0.8 } }
const fewUsableFrames: Findings.LivenessEvidence = { ...liveFrames, framesUsable: 2, framesMatchingSelfie: 2 }

const match: Findings.Comparison = { distance: 0.41, confidence: 93 }
const unsure: Findings.Comparison = { distance: 0.6, confidence: 61.4 }
const nonMatch: Findings.Comparison = { distance: 0.74, confidence: 12 }

const findings = (overrides: Partial<Findings.JobFindings> = {}): Findings.JobFindings => ({
  selfie: goodSelfie,
  liveness: liveFrames,
  spoofSuspicion: "none",
  ...overrides
})

const thresholds = Decision.defaultThresholds
const strict = Either.getOrThrow(Decision.makeThresholds({ rejectOnStrongSpoof: true }))

/** The job category an outcome of fold corresponds to. */
const foldOf = (category: ResultCode.Category) => (category === "general_failure" ? "undetermined" : category)

/** Checks that hold for every decision, machine or human. */
const assertCoherent = (decision: Decision.Decision, jobType: 2 | 4) => {
  const row = ResultCode.rowOf(decision.resultCode, decision.resultText)
  const where = `${decision.resultCode} ${decision.explanation}`
  assert.strictEqual(decision.resultText, row.resultText, where)
  assert.include(row.jobTypes, jobType, where)
  assert.isFalse(row.deprecated, where)
  assert.strictEqual(decision.isFinal, row.isFinal, where)
  assert.strictEqual(Actions.fold(decision.actions, jobType), foldOf(row.category), where)
  assert.strictEqual(decision.review !== undefined, !decision.isFinal, where)
  assert.isTrue(Number.isInteger(decision.confidence) && decision.confidence >= 0 && decision.confidence <= 100, where)
  for (const name of Object.keys(decision.actions) as ReadonlyArray<Actions.ActionName>) {
    assert.include(Actions.actionsOf(jobType), name, `${where}: ${name} is not an action of job type ${jobType}`)
  }
  if (decision.isFinal) assert.notInclude(Object.values(decision.actions), "Under Review", where)
  if (decision.review !== undefined) {
    assert.isAbove(decision.review.reviewing.length, 0, where)
    for (const name of decision.review.reviewing) assert.strictEqual(decision.actions[name], "Under Review", where)
  }
}

// ---------------------------------------------------------------------------
// Arbitrary findings, and the machine decision for them

const anyFace = fc.record({
  box: fc.constant({ x: 0, y: 0, width: 100, height: 100 }),
  score: fc.double({ min: 0, max: 1, noNaN: true }),
  pose: fc.constant({ yaw: 0, pitch: 0, roll: 0 }),
  descriptor: fc.constant([])
})
const anySelfie = fc
  .tuple(
    fc.oneof({ arbitrary: fc.constant(1), weight: 4 }, { arbitrary: fc.nat({ max: 3 }), weight: 1 }),
    anyFace,
    fc.oneof(
      { arbitrary: fc.constant<Array<Findings.QualityProblem>>([]), weight: 4 },
      { arbitrary: fc.subarray([...Findings.qualityProblems]), weight: 1 }
    )
  )
  .map(([faceCount, f, problems]): Findings.ImageFindings => ({
    width: 640,
    height: 480,
    faceCount,
    ...(faceCount > 0 ? { face: f } : {}),
    brightness: 0.5,
    sharpness: 100,
    problems
  }))
const anyLiveness = fc
  .tuple(fc.nat({ max: 10 }), fc.nat({ max: 10 }), fc.nat({ max: 10 }), fc.double({ min: 0, max: 12, noNaN: true }))
  .map(([provided, usableRaw, matchingRaw, range]): Findings.LivenessEvidence => {
    const usable = Math.min(provided, usableRaw)
    return {
      framesProvided: provided,
      framesUsable: usable,
      framesMatchingSelfie: Math.min(usable, matchingRaw),
      poseRange: { yaw: range, pitch: range / 2 }
    }
  })
const anyComparison = fc.record({
  distance: fc.double({ min: 0.3, max: 0.8, noNaN: true }),
  confidence: fc.double({ min: 0, max: 100, noNaN: true })
})
const anyJob = fc
  .record({
    jobType: fc.constantFrom(2 as const, 4 as const),
    selfie: anySelfie,
    liveness: fc.option(anyLiveness, { nil: undefined }),
    spoofSuspicion: fc.constantFrom("none" as const, "weak" as const, "strong" as const),
    comparison: fc.option(anyComparison, { nil: undefined }),
    rejectOnStrongSpoof: fc.boolean()
  })
  .map(({ jobType, selfie, liveness, spoofSuspicion, comparison, rejectOnStrongSpoof }) => ({
    jobType,
    decision: Decision.decide({
      jobType,
      findings: {
        selfie,
        spoofSuspicion,
        ...(liveness === undefined ? {} : { liveness }),
        ...(comparison === undefined ? {} : { comparison })
      },
      thresholds: rejectOnStrongSpoof ? strict : thresholds
    })
  }))
const encodeDecision = Schema.encodeSync(Decision.Decision)
const decodeDecision = Schema.decodeUnknownSync(Decision.Decision)

// ---------------------------------------------------------------------------
// Machine paths

interface MachineCase {
  readonly name: string
  readonly jobType: 2 | 4
  readonly findings: Findings.JobFindings
  readonly thresholds?: Decision.Thresholds
  readonly code: ResultCode.JobResultCode
  readonly resultText?: string
  readonly actions: Actions.Actions
  readonly confidence: number
}

const machineCases: ReadonlyArray<MachineCase> = [
  // registration (type 4)
  {
    name: "a selfie with no face",
    jobType: 4,
    findings: findings({ selfie: noFaceSelfie }),
    code: "0941",
    actions: { Selfie_Provided: "Failed", Register_Selfie: "Rejected" },
    confidence: 0
  },
  {
    name: "a selfie whose findings have no face at all",
    jobType: 4,
    findings: findings({ selfie: { ...withoutFace, problems: [] } }),
    code: "0941",
    actions: { Selfie_Provided: "Failed", Register_Selfie: "Rejected" },
    confidence: 0
  },
  {
    name: "a selfie with two faces",
    jobType: 4,
    findings: findings({ selfie: twoFacesSelfie }),
    code: "0942",
    actions: { Selfie_Provided: "Failed", Register_Selfie: "Rejected" },
    confidence: 0
  },
  {
    name: "a selfie too dark",
    jobType: 4,
    findings: findings({ selfie: darkSelfie }),
    code: "0942",
    actions: { Selfie_Provided: "Failed", Register_Selfie: "Rejected" },
    confidence: 0
  },
  {
    name: "a strong spoof when strong spoofs reject",
    jobType: 4,
    findings: findings({ spoofSuspicion: "strong" }),
    thresholds: strict,
    code: "0841",
    actions: { Selfie_Provided: "Passed", Selfie_Check: "Failed", Liveness_Check: "Passed", Register_Selfie: "Rejected" },
    confidence: 0
  },
  {
    name: "a strong spoof by default",
    jobType: 4,
    findings: findings({ spoofSuspicion: "strong" }),
    code: "0844",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Under Review",
      Human_Review_Selfie_Check: "Under Review",
      Liveness_Check: "Passed",
      Human_Review_Liveness_Check: "Not Applicable",
      Register_Selfie: "Provisionally Approved"
    },
    confidence: 97
  },
  {
    name: "a weak spoof, even when strong spoofs reject",
    jobType: 4,
    findings: findings({ spoofSuspicion: "weak" }),
    thresholds: strict,
    code: "0844",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Under Review",
      Human_Review_Selfie_Check: "Under Review",
      Liveness_Check: "Passed",
      Human_Review_Liveness_Check: "Not Applicable",
      Register_Selfie: "Provisionally Approved"
    },
    confidence: 97
  },
  {
    name: "liveness frames of another person",
    jobType: 4,
    findings: findings({ liveness: framesOfAnotherPerson }),
    code: "0844",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Under Review",
      Human_Review_Liveness_Check: "Under Review",
      Register_Selfie: "Provisionally Approved"
    },
    confidence: 97
  },
  {
    name: "liveness frames without head movement",
    jobType: 4,
    findings: findings({ liveness: stillFrames }),
    code: "0844",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Under Review",
      Human_Review_Liveness_Check: "Under Review",
      Register_Selfie: "Provisionally Approved"
    },
    confidence: 97
  },
  {
    name: "too few usable liveness frames",
    jobType: 4,
    findings: findings({ liveness: fewUsableFrames }),
    code: "0844",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Under Review",
      Human_Review_Liveness_Check: "Under Review",
      Register_Selfie: "Provisionally Approved"
    },
    confidence: 97
  },
  {
    name: "a good selfie and live frames",
    jobType: 4,
    findings: findings(),
    code: "0840",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Passed",
      Human_Review_Liveness_Check: "Not Applicable",
      Register_Selfie: "Approved"
    },
    confidence: 97
  },
  {
    name: "a lone selfie (only Selfie_Check runs)",
    jobType: 4,
    findings: { selfie: { ...goodSelfie, face: face(0.884) }, spoofSuspicion: "none" },
    code: "0840",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Not Applicable",
      Human_Review_Liveness_Check: "Not Applicable",
      Register_Selfie: "Approved"
    },
    confidence: 88
  },
  // authentication (type 2)
  {
    name: "a selfie with no face",
    jobType: 2,
    findings: findings({ selfie: noFaceSelfie }),
    code: "0921",
    actions: { Selfie_Provided: "Failed", Selfie_To_Registered_Selfie_Compare: "Not Applicable" },
    confidence: 0
  },
  {
    name: "a selfie with two faces",
    jobType: 2,
    findings: findings({ selfie: twoFacesSelfie }),
    code: "0922",
    actions: { Selfie_Provided: "Failed", Selfie_To_Registered_Selfie_Compare: "Not Applicable" },
    confidence: 0
  },
  {
    name: "a usable selfie the engine did not compare",
    jobType: 2,
    findings: findings(),
    code: "0001",
    resultText: "System Error",
    actions: { Selfie_Provided: "Passed" },
    confidence: 0
  },
  {
    name: "a comparison distance that is not a number",
    jobType: 2,
    findings: findings({ comparison: { distance: Number.NaN, confidence: 50 } }),
    code: "0001",
    resultText: "System Error",
    actions: { Selfie_Provided: "Passed" },
    confidence: 0
  },
  {
    name: "a non-match",
    jobType: 2,
    findings: findings({ comparison: nonMatch }),
    code: "0821",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Liveness_Check: "Passed",
      Human_Review_Compare: "Not Applicable",
      Selfie_To_Registered_Selfie_Compare: "Failed"
    },
    confidence: 12
  },
  {
    name: "a distance exactly at rejectDistance, with a spoof suspected too",
    jobType: 2,
    findings: findings({ comparison: { distance: 0.62, confidence: 40 }, spoofSuspicion: "weak", liveness: fewUsableFrames }),
    code: "0821",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Failed",
      Liveness_Check: "Failed",
      Human_Review_Compare: "Not Applicable",
      Selfie_To_Registered_Selfie_Compare: "Failed"
    },
    confidence: 40
  },
  {
    name: "a weak spoof with matching faces",
    jobType: 2,
    findings: findings({ comparison: match, spoofSuspicion: "weak" }),
    code: "0824",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Under Review",
      Human_Review_Selfie_Check: "Under Review",
      Liveness_Check: "Passed",
      Human_Review_Liveness_Check: "Not Applicable",
      Human_Review_Compare: "Not Applicable",
      Selfie_To_Registered_Selfie_Compare: "Completed"
    },
    confidence: 93
  },
  {
    name: "a strong spoof, even when strong spoofs reject (0823 is deprecated)",
    jobType: 2,
    findings: findings({ comparison: match, spoofSuspicion: "strong" }),
    thresholds: strict,
    code: "0824",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Under Review",
      Human_Review_Selfie_Check: "Under Review",
      Liveness_Check: "Passed",
      Human_Review_Liveness_Check: "Not Applicable",
      Human_Review_Compare: "Not Applicable",
      Selfie_To_Registered_Selfie_Compare: "Completed"
    },
    confidence: 93
  },
  {
    name: "liveness frames of another person with an unsure comparison",
    jobType: 2,
    findings: findings({ comparison: unsure, liveness: framesOfAnotherPerson }),
    code: "0824",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Under Review",
      Human_Review_Liveness_Check: "Under Review",
      Human_Review_Compare: "Under Review",
      Selfie_To_Registered_Selfie_Compare: "Under Review"
    },
    confidence: 61
  },
  {
    name: "too few usable frames with matching faces (pure provisional)",
    jobType: 2,
    findings: findings({ comparison: match, liveness: fewUsableFrames }),
    code: "0822",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Under Review",
      Human_Review_Liveness_Check: "Under Review",
      Human_Review_Compare: "Not Applicable",
      Selfie_To_Registered_Selfie_Compare: "Completed"
    },
    confidence: 93
  },
  {
    name: "too few usable frames with an unsure comparison",
    jobType: 2,
    findings: findings({ comparison: unsure, liveness: fewUsableFrames }),
    code: "0825",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Under Review",
      Human_Review_Liveness_Check: "Under Review",
      Human_Review_Compare: "Under Review",
      Selfie_To_Registered_Selfie_Compare: "Under Review"
    },
    confidence: 61
  },
  {
    name: "a distance exactly at matchDistance",
    jobType: 2,
    findings: findings({ comparison: { distance: 0.58, confidence: 70 } }),
    code: "0825",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Passed",
      Human_Review_Liveness_Check: "Not Applicable",
      Human_Review_Compare: "Under Review",
      Selfie_To_Registered_Selfie_Compare: "Under Review"
    },
    confidence: 70
  },
  {
    name: "matching faces and live frames",
    jobType: 2,
    findings: findings({ comparison: { distance: 0.579, confidence: 99.5 } }),
    code: "0820",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Passed",
      Human_Review_Liveness_Check: "Not Applicable",
      Human_Review_Compare: "Not Applicable",
      Selfie_To_Registered_Selfie_Compare: "Completed"
    },
    confidence: 100
  },
  {
    name: "a lone selfie matching (only Selfie_Check runs)",
    jobType: 2,
    findings: { selfie: goodSelfie, spoofSuspicion: "none", comparison: match, liveness: { ...liveFrames, framesProvided: 0, framesUsable: 0, framesMatchingSelfie: 0 } },
    code: "0820",
    actions: {
      Selfie_Provided: "Passed",
      Selfie_Check: "Passed",
      Human_Review_Selfie_Check: "Not Applicable",
      Liveness_Check: "Not Applicable",
      Human_Review_Liveness_Check: "Not Applicable",
      Human_Review_Compare: "Not Applicable",
      Selfie_To_Registered_Selfie_Compare: "Completed"
    },
    confidence: 93
  }
]

const decideCase = (c: MachineCase) => Decision.decide({ jobType: c.jobType, findings: c.findings, thresholds: c.thresholds ?? thresholds })

describe("Decision.decide", () => {
  for (const c of machineCases) {
    it(`type ${c.jobType}: ${c.name} -> ${c.code}`, () => {
      const decision = decideCase(c)
      assert.strictEqual(decision.resultCode, c.code)
      if (c.resultText !== undefined) assert.strictEqual(decision.resultText, c.resultText)
      assert.deepStrictEqual(decision.actions, c.actions)
      assert.strictEqual(decision.confidence, c.confidence)
      assert.isTrue(decision.isMachineResult)
      assertCoherent(decision, c.jobType)
    })
  }

  it("explains provisional results with the measured numbers", () => {
    const frames = decideCase(machineCases.find((c) => c.name === "liveness frames of another person")!)
    assert.strictEqual(frames.review?.reason, "only 3 of 8 usable liveness frames show the selfie's person (share 0.75 needed)")
    assert.deepStrictEqual(frames.review?.reviewing, ["Human_Review_Liveness_Check"])
    const band = Decision.decide({ jobType: 2, findings: findings({ comparison: unsure }), thresholds })
    assert.strictEqual(band.review?.reason, "the comparison is unsure: distance 0.6 in [0.58, 0.62)")
    assert.deepStrictEqual(band.review?.reviewing, ["Human_Review_Compare"])
  })

  it("reaches every machine code from arbitrary findings (so the properties below exercise them all)", () => {
    const codes = new Set(fc.sample(anyJob, { numRuns: 2000, seed: 42 }).map(({ decision }) => decision.resultCode))
    assert.deepStrictEqual(
      [...codes].sort(),
      ["0001", "0820", "0821", "0822", "0824", "0825", "0840", "0841", "0844", "0921", "0922", "0941", "0942"]
    )
  })

  it("is total and coherent for any findings", () => {
    fc.assert(
      fc.property(anyJob, ({ jobType, decision }) => {
        assertCoherent(decision, jobType)
        assert.notInclude(["0823", "0846"], decision.resultCode)
        assert.deepStrictEqual(decodeDecision(encodeDecision(decision)), decision)
      }),
      { numRuns: 500 }
    )
  })
})

// ---------------------------------------------------------------------------
// Human review

const machine = (name: string, jobType: 2 | 4) => decideCase(machineCases.find((c) => c.name === name && c.jobType === jobType)!)

interface ReviewCase {
  readonly machine: string
  readonly jobType: 2 | 4
  readonly verdict: Decision.Verdict
  readonly code: ResultCode.JobResultCode
  readonly changed: Actions.Actions
}

const reviewCases: ReadonlyArray<ReviewCase> = [
  {
    machine: "a weak spoof, even when strong spoofs reject",
    jobType: 4,
    verdict: "live",
    code: "1240",
    changed: { Selfie_Check: "Passed", Human_Review_Selfie_Check: "Passed", Register_Selfie: "Approved" }
  },
  {
    machine: "liveness frames of another person",
    jobType: 4,
    verdict: "spoof",
    code: "1242",
    changed: { Liveness_Check: "Failed", Human_Review_Liveness_Check: "Failed", Register_Selfie: "Rejected" }
  },
  {
    machine: "too few usable liveness frames",
    jobType: 4,
    verdict: "unusable",
    code: "1241",
    changed: { Liveness_Check: "Failed", Human_Review_Liveness_Check: "Failed", Register_Selfie: "Rejected" }
  },
  {
    machine: "a distance exactly at matchDistance",
    jobType: 2,
    verdict: "same_person",
    code: "1220",
    changed: { Human_Review_Compare: "Passed", Selfie_To_Registered_Selfie_Compare: "Completed" }
  },
  {
    machine: "a distance exactly at matchDistance",
    jobType: 2,
    verdict: "different_person",
    code: "1221",
    changed: { Human_Review_Compare: "Failed", Selfie_To_Registered_Selfie_Compare: "Failed" }
  },
  {
    machine: "too few usable frames with an unsure comparison",
    jobType: 2,
    verdict: "different_person",
    code: "1221",
    changed: {
      Human_Review_Compare: "Failed",
      Human_Review_Liveness_Check: "Unable To Determine",
      Liveness_Check: "Failed",
      Selfie_To_Registered_Selfie_Compare: "Failed"
    }
  },
  {
    machine: "liveness frames of another person with an unsure comparison",
    jobType: 2,
    verdict: "same_person",
    code: "1220",
    changed: {
      Human_Review_Compare: "Passed",
      Human_Review_Liveness_Check: "Passed",
      Liveness_Check: "Passed",
      Selfie_To_Registered_Selfie_Compare: "Completed"
    }
  },
  {
    machine: "a weak spoof with matching faces",
    jobType: 2,
    verdict: "live",
    code: "1220",
    changed: { Selfie_Check: "Passed", Human_Review_Selfie_Check: "Passed" }
  },
  {
    machine: "a weak spoof with matching faces",
    jobType: 2,
    verdict: "spoof",
    code: "1222",
    changed: { Selfie_Check: "Failed", Human_Review_Selfie_Check: "Failed" }
  },
  {
    machine: "too few usable frames with matching faces (pure provisional)",
    jobType: 2,
    verdict: "unusable",
    code: "1222",
    changed: { Liveness_Check: "Failed", Human_Review_Liveness_Check: "Failed" }
  }
]

describe("Decision.decideHumanReview", () => {
  for (const c of reviewCases) {
    it(`type ${c.jobType}: "${c.verdict}" on ${c.machine} -> ${c.code}`, () => {
      const before = machine(c.machine, c.jobType)
      const result = Decision.decideHumanReview({ jobType: c.jobType, machine: before, verdict: c.verdict })
      assert.isTrue(Either.isRight(result), String(Either.isLeft(result) && result.left.message))
      if (Either.isLeft(result)) return
      const after = result.right
      assert.strictEqual(after.resultCode, c.code)
      assert.deepStrictEqual(after.actions, { ...before.actions, ...c.changed })
      assert.isTrue(Actions.isRefinedBy(before.actions, after.actions))
      assert.isFalse(after.isMachineResult)
      assert.isTrue(after.isFinal)
      assert.strictEqual(after.confidence, before.confidence)
      assertCoherent(after, c.jobType)
    })
  }

  it("settles every provisional machine decision with each offered verdict, and refuses the others", () => {
    const verdicts = Decision.Verdict.literals
    fc.assert(
      fc.property(anyJob, ({ jobType, decision }) => {
        const offered = Decision.verdictsFor(jobType, decision)
        assert.strictEqual(offered.length > 0, !decision.isFinal)
        for (const verdict of verdicts) {
          const result = Decision.decideHumanReview({ jobType, machine: decision, verdict })
          assert.strictEqual(Either.isRight(result), offered.includes(verdict), `${verdict} on ${decision.resultCode}`)
          if (Either.isLeft(result)) continue
          const human = result.right
          assertCoherent(human, jobType)
          assert.isFalse(human.isMachineResult)
          assert.strictEqual(ResultCode.rowOf(human.resultCode).judgement, "human")
          assert.isTrue(Actions.isRefinedBy(decision.actions, human.actions))
        }
      }),
      { numRuns: 500 }
    )
  })

  const refused = (name: string, jobType: 2 | 4, verdict: Decision.Verdict, asJobType: 2 | 4 = jobType) => {
    const result = Decision.decideHumanReview({ jobType: asJobType, machine: machine(name, jobType), verdict })
    assert.isTrue(Either.isLeft(result), `${verdict} on ${name}`)
    return Either.isLeft(result) ? result.left.message : ""
  }

  it("refuses verdicts that do not answer what is under review, saying which would", () => {
    assert.include(refused("a strong spoof by default", 4, "same_person"), "answer one of live, spoof, unusable")
    assert.include(refused("a distance exactly at matchDistance", 2, "live"), "answer one of same_person, different_person, spoof, unusable")
    assert.include(refused("a weak spoof with matching faces", 2, "different_person"), "answer one of same_person, live, spoof, unusable")
  })

  it("refuses final results and results of the other job type", () => {
    assert.include(refused("a good selfie and live frames", 4, "live"), "it is final")
    assert.include(refused("a non-match", 2, "same_person"), "it is final")
    assert.include(refused("a strong spoof by default", 4, "live", 2), "not a result of job type 2")
  })

  it("offers the verdicts a console should show", () => {
    assert.deepStrictEqual(Decision.verdictsFor(4, machine("a strong spoof by default", 4)), ["live", "spoof", "unusable"])
    assert.deepStrictEqual(Decision.verdictsFor(2, machine("a weak spoof with matching faces", 2)), ["same_person", "live", "spoof", "unusable"])
    assert.deepStrictEqual(Decision.verdictsFor(2, machine("a distance exactly at matchDistance", 2)), [
      "same_person",
      "different_person",
      "spoof",
      "unusable"
    ])
    assert.deepStrictEqual(Decision.verdictsFor(2, machine("a good selfie and live frames", 4)), [])
    assert.deepStrictEqual(Decision.verdictsFor(2, machine("matching faces and live frames", 2)), [])
  })
})

describe("Decision coverage", () => {
  it("reaches every non-deprecated code of types 2 and 4 by a machine or a human, except the decoders' 0001 texts", () => {
    const reached = new Set<string>()
    for (const c of machineCases) {
      const d = decideCase(c)
      reached.add(`${d.resultCode} ${d.resultText}`)
    }
    for (const c of reviewCases) {
      const d = Either.getOrThrow(Decision.decideHumanReview({ jobType: c.jobType, machine: machine(c.machine, c.jobType), verdict: c.verdict }))
      reached.add(`${d.resultCode} ${d.resultText}`)
    }
    const expected = ResultCode.jobResultRows
      .filter((row) => !row.deprecated && !(row.code === "0001" && row.resultText !== "System Error"))
      .map((row) => `${row.code} ${row.resultText}`)
    assert.deepStrictEqual([...reached].sort(), expected.sort())
  })
})

describe("Decision thresholds", () => {
  it("documents its defaults", () => {
    assert.deepStrictEqual({ ...Decision.defaultThresholds }, {
      matchDistance: 0.58,
      rejectDistance: 0.62,
      liveness: { minUsableFrames: 4, minShareMatchingSelfie: 0.75, minPoseRangeDegrees: 5 },
      rejectOnStrongSpoof: false
    })
  })

  it("overrides any subset", () => {
    const custom = Either.getOrThrow(Decision.makeThresholds({ matchDistance: 0.5, liveness: { minUsableFrames: 6 } }))
    assert.strictEqual(custom.matchDistance, 0.5)
    assert.strictEqual(custom.rejectDistance, 0.62)
    assert.deepStrictEqual(custom.liveness, { minUsableFrames: 6, minShareMatchingSelfie: 0.75, minPoseRangeDegrees: 5 })
  })

  it("refuses unusable thresholds with what to fix", () => {
    const message = (input: Decision.ThresholdsInput) =>
      Either.match(Decision.makeThresholds(input), { onLeft: (error) => error.message, onRight: () => "accepted" })
    assert.include(message({ matchDistance: 0.7 }), "matchDistance (0.7) must not exceed rejectDistance (0.62)")
    assert.include(message({ liveness: { minUsableFrames: 0 } }), "minUsableFrames")
    assert.include(message({ liveness: { minShareMatchingSelfie: 1.5 } }), "minShareMatchingSelfie")
    assert.include(message({ rejectDistance: Number.NaN }), "rejectDistance")
    assert.strictEqual(message({ matchDistance: 0.62 }), "accepted")
  })
})

describe("Decision on the wire", () => {
  it("spells a registration like the official example (WIRE.md)", () => {
    const decision = Decision.decide({ jobType: 4, findings: { selfie: goodSelfie, spoofSuspicion: "none" }, thresholds })
    assert.deepStrictEqual(Decision.toWireFields(decision, 4), {
      Actions: {
        Human_Review_Liveness_Check: "Not Applicable",
        Human_Review_Selfie_Check: "Not Applicable",
        Liveness_Check: "Not Applicable",
        Register_Selfie: "Approved",
        Selfie_Check: "Passed",
        Selfie_Provided: "Passed"
      },
      ConfidenceValue: "97",
      ResultCode: "0840",
      ResultText: "Enroll User",
      IsFinalResult: "true",
      IsMachineResult: "true"
    })
  })

  it("formats confidence as an integer string from 0 to 100", () => {
    assert.strictEqual(Decision.formatConfidence(99), "99")
    assert.strictEqual(Decision.formatConfidence(99.5), "100")
    assert.strictEqual(Decision.formatConfidence(0.4), "0")
    assert.strictEqual(Decision.formatConfidence(130), "100")
    assert.strictEqual(Decision.formatConfidence(-3), "0")
  })
})
