/**
 * The decision policy: from what the face engine observed ({@link JobFindings})
 * and the operator's {@link Thresholds} to a job result — result code, text,
 * Actions, confidence, finality — and from a human reviewer's verdict to the
 * final 12xx result. Pure functions; the engine measures, this module judges.
 *
 * ## Machine decision ({@link decide}), first matching path wins
 *
 * | # | finding | type 4 | type 2 |
 * |---|---|---|---|
 * | 1 | no face in the selfie | 0941 | 0921 |
 * | 2 | several faces, or any quality problem of the selfie | 0942 | 0922 |
 * | 3 | (type 2) no usable comparison from the engine | — | 0001 "System Error" |
 * | 4 | (type 2) distance ≥ `rejectDistance` | — | 0821 |
 * | 5 | strong spoof suspicion and `rejectOnStrongSpoof` | 0841 | (0824, see below) |
 * | 6 | spoof suspicion, or liveness frames that fail the evidence | 0844 | 0824 |
 * | 7 | liveness frames provided but too few usable | 0844 | match: 0822, unsure: 0825 |
 * | 8 | (type 2) distance in [`matchDistance`, `rejectDistance`) | — | 0825 |
 * | 9 | everything passed | 0840 | 0820 |
 *
 * - A non-match (4) is final even when a spoof is also suspected: a reviewer
 *   could only confirm the rejection.
 * - Type 2 never rejects on spoof suspicion: its machine spoof rejection, 0823,
 *   is deprecated, so a strong suspicion goes to a reviewer as 0824.
 * - Liveness evidence failing (frames of another person, no head movement) is
 *   treated as a spoof suspicion that a human must judge, never as a machine
 *   rejection: our evidence is weaker than a trained presentation-attack model.
 * - A lone selfie (no liveness frames) gets only `Selfie_Check`;
 *   `Liveness_Check` is `Not Applicable`.
 * - A provisional result marks each doubted check `Under Review` together with
 *   its `Human_Review_*` action. A final result has no `Under Review`: a check
 *   the machine doubted and nobody will review (the checks of an 0821, 0841)
 *   reads `Failed`, "not shown to pass".
 * - Path 3 is the engine breaking its contract (`JobFindings.comparison` is
 *   owed for every usable selfie of a type 2 job): the job ends honestly as
 *   0001 "System Error" rather than with an invented comparison.
 *
 * In every path the Actions fold ({@link Actions.fold}) to the code's category
 * (a general failure folds to `undetermined`); the tests assert it per path.
 *
 * ## Human review ({@link decideHumanReview})
 *
 * | verdict | type 4 | type 2 |
 * |---|---|---|
 * | `live` (no attack found) | 1240 | 1220 (not while the comparison is under review) |
 * | `same_person` | — | 1220 (settles every pending review) |
 * | `different_person` | — | 1221 (only while the comparison is under review) |
 * | `spoof` | 1242 | 1222 |
 * | `unusable` (too dark/blurry to judge) | 1241 | 1222 (the product text files blurry/dark under 1222) |
 */
import { Either, ParseResult, Schema } from "effect"
import * as Actions from "./Actions.js"
import type { ImageFindings, JobFindings, LivenessEvidence } from "./Findings.js"
import type { JobType } from "./JobType.js"
import * as ResultCode from "./ResultCode.js"

// ---------------------------------------------------------------------------
// Thresholds

/**
 * What the policy needs to know from the operator. Defaults in
 * {@link defaultThresholds}; build others with {@link makeThresholds}.
 */
export const Thresholds = Schema.Struct({
  /**
   * Descriptor distance strictly below which the new selfie matches the
   * registered one (0.58 by default: measured for the Human/face-api engine by
   * `pnpm bench:face`, docs/results/face-engine.md, on mostly celebrity press
   * photos). Calibrate it on your own engine and population.
   */
  matchDistance: Schema.Number.pipe(Schema.finite(), Schema.positive()),
  /**
   * Distance at or above which the faces are different persons (0.62). Between
   * `matchDistance` and this lies the unsure band, sent to a reviewer (0825).
   * Set both equal to remove the band.
   */
  rejectDistance: Schema.Number.pipe(Schema.finite(), Schema.positive()),
  liveness: Schema.Struct({
    /** Liveness frames with one face of acceptable quality needed to judge liveness at all (4: half the official SDKs' 8). */
    minUsableFrames: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
    /** Share of usable frames that must show the selfie's person (0.75); fewer suggests a swapped face or a replay. */
    minShareMatchingSelfie: Schema.Number.pipe(Schema.between(0, 1)),
    /**
     * Head movement a live person shows across the frames: the larger of the
     * yaw and pitch ranges, in degrees (5°). A photo held still shows almost none.
     */
    minPoseRangeDegrees: Schema.Number.pipe(Schema.finite(), Schema.nonNegative())
  }),
  /**
   * Whether a strong spoof suspicion rejects a registration outright (0841)
   * instead of sending it to a reviewer (0844). Off by default: the product
   * describes spoof suspicion as something a reviewer settles. Has no effect
   * on authentication, whose machine spoof rejection (0823) is deprecated.
   */
  rejectOnStrongSpoof: Schema.Boolean
}).pipe(
  Schema.filter((thresholds) =>
    thresholds.matchDistance <= thresholds.rejectDistance ||
    `matchDistance (${thresholds.matchDistance}) must not exceed rejectDistance (${thresholds.rejectDistance})`
  ),
  Schema.brand("Thresholds")
)
export type Thresholds = typeof Thresholds.Type

/** Thresholds as an operator writes them: any subset of the fields, the rest from the defaults. */
export interface ThresholdsInput {
  readonly matchDistance?: number
  readonly rejectDistance?: number
  readonly liveness?: Partial<Thresholds["liveness"]>
  readonly rejectOnStrongSpoof?: boolean
}

/** Thresholds that cannot be used, with what to fix. */
export class InvalidThresholds extends Schema.TaggedError<InvalidThresholds>()("InvalidThresholds", {
  detail: Schema.String
}) {
  override get message(): string {
    return `Invalid decision thresholds: ${this.detail}`
  }
}

const decodeThresholds = Schema.decodeUnknownEither(Thresholds)

/** Thresholds from the defaults overridden by `input`, checked. */
export const makeThresholds = (input: ThresholdsInput = {}): Either.Either<Thresholds, InvalidThresholds> =>
  decodeThresholds({
    matchDistance: input.matchDistance ?? 0.58,
    rejectDistance: input.rejectDistance ?? 0.62,
    liveness: { minUsableFrames: 4, minShareMatchingSelfie: 0.75, minPoseRangeDegrees: 5, ...input.liveness },
    rejectOnStrongSpoof: input.rejectOnStrongSpoof ?? false
  }).pipe(Either.mapLeft((error) => new InvalidThresholds({ detail: ParseResult.TreeFormatter.formatErrorSync(error) })))

/**
 * The defaults: matchDistance 0.58, rejectDistance 0.62, at least 4 usable
 * liveness frames, 75 % of them showing the selfie's person, 5° of head
 * movement, strong spoof suspicions sent to a reviewer.
 */
export const defaultThresholds: Thresholds = Either.getOrThrow(makeThresholds())

// ---------------------------------------------------------------------------
// Decision

/** Why a job waits for a human, and which human-review actions the reviewer settles. */
export const Review = Schema.Struct({
  reason: Schema.String,
  reviewing: Schema.Array(Actions.HumanReviewAction)
})
export interface Review extends Schema.Schema.Type<typeof Review> {}

/**
 * A job result as the policy decides it; {@link toWireFields} spells it for the
 * result object. A `Schema`, so a workflow activity or a store can persist it.
 */
export const Decision = Schema.Struct({
  resultCode: ResultCode.JobResultCode,
  resultText: Schema.String,
  actions: Actions.Actions,
  /** 0..100, an integer. */
  confidence: Schema.Int.pipe(Schema.between(0, 100)),
  isFinal: Schema.Boolean,
  isMachineResult: Schema.Boolean,
  /** Present exactly when the result is provisional. */
  review: Schema.optionalWith(Review, { exact: true }),
  /** One sentence on why this code, with the measured numbers: for logs and the review console. */
  explanation: Schema.String
}).annotations({ identifier: "Decision" })
export interface Decision extends Schema.Schema.Type<typeof Decision> {}

interface Input {
  readonly jobType: JobType
  readonly findings: JobFindings
  readonly thresholds: Thresholds
}

/** How the liveness frames bear on proof of life. */
type LivenessAssessment =
  | { readonly _tag: "NoFrames" }
  | { readonly _tag: "Passed" }
  | { readonly _tag: "TooFewUsable"; readonly reason: string }
  | { readonly _tag: "Suspicious"; readonly reason: string }

const assessLiveness = (evidence: LivenessEvidence | undefined, minimums: Thresholds["liveness"]): LivenessAssessment => {
  if (evidence === undefined || evidence.framesProvided === 0) return { _tag: "NoFrames" }
  if (evidence.framesUsable < minimums.minUsableFrames) {
    return {
      _tag: "TooFewUsable",
      reason: `only ${evidence.framesUsable} of ${evidence.framesProvided} liveness frames are usable (${minimums.minUsableFrames} needed)`
    }
  }
  const share = evidence.framesMatchingSelfie / evidence.framesUsable
  if (share < minimums.minShareMatchingSelfie) {
    return {
      _tag: "Suspicious",
      reason:
        `only ${evidence.framesMatchingSelfie} of ${evidence.framesUsable} usable liveness frames show the selfie's person ` +
        `(share ${minimums.minShareMatchingSelfie} needed)`
    }
  }
  const movement = Math.max(evidence.poseRange.yaw, evidence.poseRange.pitch)
  if (movement < minimums.minPoseRangeDegrees) {
    return {
      _tag: "Suspicious",
      reason: `the head barely moves across the liveness frames (${round1(movement)}°, ${minimums.minPoseRangeDegrees}° needed)`
    }
  }
  return { _tag: "Passed" }
}

const round1 = (value: number): number => Math.round(value * 10) / 10

const clampConfidence = (value: number): number => (Number.isFinite(value) ? Math.min(100, Math.max(0, Math.round(value))) : 0)

/** Why a selfie cannot be used, or `undefined` when it can. */
const selfieProblem = (selfie: ImageFindings): "no_face" | "poor_quality" | undefined => {
  if (selfie.faceCount === 0 || selfie.face === undefined || selfie.problems.includes("no_face")) return "no_face"
  if (selfie.faceCount > 1 || selfie.problems.length > 0) return "poor_quality"
  return undefined
}

const describeProblems = (selfie: ImageFindings): string =>
  selfie.faceCount > 1 && !selfie.problems.includes("multiple_faces")
    ? [`${selfie.faceCount} faces`, ...selfie.problems].join(", ")
    : selfie.problems.join(", ")

const build = (
  code: ResultCode.JobResultCode,
  actions: Actions.Actions,
  confidence: number,
  explanation: string,
  options: { readonly reviewReason?: string; readonly resultText?: string } = {}
): Decision => {
  const row = ResultCode.rowOf(code, options.resultText)
  const reviewing = (Object.values(Actions.reviewOf) as ReadonlyArray<Actions.HumanReviewAction>).filter(
    (name) => actions[name] === "Under Review"
  )
  return {
    resultCode: code,
    resultText: row.resultText,
    actions,
    confidence: clampConfidence(confidence),
    isFinal: row.isFinal,
    isMachineResult: true,
    ...(row.isFinal ? {} : { review: { reason: options.reviewReason ?? explanation, reviewing } }),
    explanation
  }
}

/**
 * Decides one job from the engine's findings. Total and pure: every input
 * yields a decision (see the module table for the paths).
 *
 * Confidence:
 * - type 2: the comparison's `confidence` as the engine calibrated it
 *   (rounded, clamped to 0..100), 0 when there is no comparison;
 * - type 4 ("confidence that the user should be registered"): the detector's
 *   score of the selfie's face × 100 when the registration is not rejected,
 *   0 when it is.
 */
export const decide = ({ jobType, findings, thresholds }: Input): Decision => {
  const { selfie, spoofSuspicion, comparison } = findings
  const registering = jobType === 4
  const rejectedOutcome: Actions.Actions = registering
    ? { Register_Selfie: "Rejected" }
    : { Selfie_To_Registered_Selfie_Compare: "Not Applicable" }

  // 1-2. The selfie itself.
  const problem = selfieProblem(selfie)
  if (problem === "no_face") {
    return build(
      registering ? "0941" : "0921",
      { Selfie_Provided: "Failed", ...rejectedOutcome },
      0,
      "no face was found in the selfie"
    )
  }
  if (problem === "poor_quality") {
    return build(
      registering ? "0942" : "0922",
      { Selfie_Provided: "Failed", ...rejectedOutcome },
      0,
      `the selfie cannot be used: ${describeProblems(selfie)}`
    )
  }
  const faceScore = selfie.face?.score ?? 0

  const liveness = assessLiveness(findings.liveness, thresholds.liveness)
  const livenessDoubt = liveness._tag === "Suspicious" || liveness._tag === "TooFewUsable"
  const selfieDoubt = spoofSuspicion !== "none"
  const doubts = [
    ...(selfieDoubt ? [`the engine suspects a presentation attack on the selfie (${spoofSuspicion})`] : []),
    ...(livenessDoubt ? [liveness.reason] : [])
  ]

  /** Machine checks for a final result: a doubt nobody will review reads as not passed. */
  const finalChecks = (): Actions.Actions => ({
    Selfie_Provided: "Passed",
    Selfie_Check: selfieDoubt ? "Failed" : "Passed",
    Liveness_Check: liveness._tag === "NoFrames" ? "Not Applicable" : livenessDoubt ? "Failed" : "Passed"
  })
  /** Machine checks for a result a reviewer will settle: doubts are under review, with their human review. */
  const reviewedChecks = (): Actions.Actions => ({
    Selfie_Provided: "Passed",
    Selfie_Check: selfieDoubt ? "Under Review" : "Passed",
    Liveness_Check: liveness._tag === "NoFrames" ? "Not Applicable" : livenessDoubt ? "Under Review" : "Passed",
    Human_Review_Selfie_Check: selfieDoubt ? "Under Review" : "Not Applicable",
    Human_Review_Liveness_Check: livenessDoubt ? "Under Review" : "Not Applicable",
    ...(registering ? {} : { Human_Review_Compare: "Not Applicable" as const })
  })

  if (registering) {
    const confidence = faceScore * 100
    // 5. A strong suspicion may reject outright.
    if (spoofSuspicion === "strong" && thresholds.rejectOnStrongSpoof) {
      return build(
        "0841",
        { ...finalChecks(), Register_Selfie: "Rejected" },
        0,
        "the engine strongly suspects a presentation attack on the selfie and strong suspicions reject"
      )
    }
    // 6-7. Anything doubtful goes to a reviewer.
    if (selfieDoubt || livenessDoubt) {
      return build(
        "0844",
        { ...reviewedChecks(), Register_Selfie: "Provisionally Approved" },
        confidence,
        `sent to a reviewer: ${doubts.join("; ")}`,
        { reviewReason: doubts.join("; ") }
      )
    }
    // 9.
    return build(
      "0840",
      { ...reviewedChecks(), Register_Selfie: "Approved" },
      confidence,
      liveness._tag === "Passed"
        ? "one usable face in the selfie, and the liveness frames show the same live person"
        : "one usable face in the selfie, no spoof suspected"
    )
  }

  // 3. Authentication needs the comparison the engine owes for a usable selfie.
  if (comparison === undefined || !Number.isFinite(comparison.distance)) {
    return build(
      "0001",
      { Selfie_Provided: "Passed" },
      0,
      comparison === undefined
        ? "the engine returned no comparison for a usable selfie"
        : `the engine returned a comparison distance that is not a number (${comparison.distance})`,
      { resultText: "System Error" }
    )
  }
  const confidence = comparison.confidence
  const distance = `distance ${round3(comparison.distance)}`
  // 4. A non-match is final.
  if (comparison.distance >= thresholds.rejectDistance) {
    return build(
      "0821",
      { ...finalChecks(), Human_Review_Compare: "Not Applicable", Selfie_To_Registered_Selfie_Compare: "Failed" },
      confidence,
      `the faces do not match: ${distance} ≥ ${thresholds.rejectDistance}`
    )
  }
  const unsure = comparison.distance >= thresholds.matchDistance
  const compare: Actions.Actions = unsure
    ? { Selfie_To_Registered_Selfie_Compare: "Under Review", Human_Review_Compare: "Under Review" }
    : { Selfie_To_Registered_Selfie_Compare: "Completed" }
  const unsureReason = `the comparison is unsure: ${distance} in [${thresholds.matchDistance}, ${thresholds.rejectDistance})`
  const reasons = [...doubts, ...(unsure ? [unsureReason] : [])]
  const reviewed = (code: ResultCode.JobResultCode) =>
    build(code, { ...reviewedChecks(), ...compare }, confidence, `sent to a reviewer: ${reasons.join("; ")}`, {
      reviewReason: reasons.join("; ")
    })

  // 5-6. Spoof suspicion of any strength, or failing liveness evidence.
  if (selfieDoubt || liveness._tag === "Suspicious") return reviewed("0824")
  // 7. Too few usable frames: pure provisional when the faces match.
  if (liveness._tag === "TooFewUsable") return reviewed(unsure ? "0825" : "0822")
  // 8.
  if (unsure) return reviewed("0825")
  // 9.
  return build(
    "0820",
    { ...reviewedChecks(), ...compare },
    confidence,
    `the faces match: ${distance} < ${thresholds.matchDistance}` +
      (liveness._tag === "Passed" ? ", and the liveness frames show the same live person" : "")
  )
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000

// ---------------------------------------------------------------------------
// Human review

/** A reviewer's verdict on a provisional job. */
export const Verdict = Schema.Literal("same_person", "different_person", "spoof", "unusable", "live")
export type Verdict = typeof Verdict.Type

/** The verdict does not settle this job's review; `detail` says which verdicts would. */
export class ReviewNotApplicable extends Schema.TaggedError<ReviewNotApplicable>()("ReviewNotApplicable", {
  resultCode: Schema.String,
  verdict: Verdict,
  detail: Schema.String
}) {
  override get message(): string {
    return `Verdict "${this.verdict}" cannot settle the review of result ${this.resultCode}: ${this.detail}`
  }
}

/** The machine check each human review settles. */
const checkOf = {
  Human_Review_Selfie_Check: "Selfie_Check",
  Human_Review_Liveness_Check: "Liveness_Check",
  Human_Review_Compare: "Selfie_To_Registered_Selfie_Compare"
} as const satisfies Record<Actions.HumanReviewAction, Actions.ActionName>

const pendingReviews = (actions: Actions.Actions): ReadonlyArray<Actions.HumanReviewAction> =>
  (Object.values(Actions.reviewOf) as ReadonlyArray<Actions.HumanReviewAction>).filter((name) => actions[name] === "Under Review")

/**
 * The verdicts that settle a provisional machine decision (empty when there is
 * nothing to review): what a review console should offer.
 */
export const verdictsFor = (jobType: JobType, machine: Decision): ReadonlyArray<Verdict> => {
  const row = ResultCode.rowOf(machine.resultCode, machine.resultText)
  const pending = pendingReviews(machine.actions)
  if (row.isFinal || !row.jobTypes.includes(jobType) || pending.length === 0) return []
  if (jobType === 4) return ["live", "spoof", "unusable"]
  const compareUnderReview = pending.includes("Human_Review_Compare")
  return compareUnderReview ? ["same_person", "different_person", "spoof", "unusable"] : ["same_person", "live", "spoof", "unusable"]
}

/** The human outcome code of a verdict. */
const outcomeOf = (jobType: JobType, verdict: Verdict): ResultCode.JobResultCode =>
  jobType === 4
    ? verdict === "live" ? "1240" : verdict === "unusable" ? "1241" : "1242"
    : verdict === "same_person" || verdict === "live" ? "1220" : verdict === "different_person" ? "1221" : "1222"

/**
 * Settles a provisional machine decision with a reviewer's verdict (see the
 * module table). Every pending `Human_Review_*` action, and the machine check
 * it reviews where that is `Under Review`, is refined: to `Passed` (the
 * compare: `Completed`) on a positive verdict, to `Failed` on a negative one.
 * `different_person` judges only the comparison: the other pending reviews
 * become `Unable To Determine` and their checks `Failed` (a final result has no
 * `Under Review`; a check not shown to pass reads `Failed`, as in 0821).
 * `Register_Selfie` becomes `Approved`/`Rejected`. The refinement goes through
 * {@link Actions.join}, so a settled machine value can never be overwritten.
 * Confidence stays the machine's: a verdict is not a measurement.
 *
 * Fails with {@link ReviewNotApplicable} when the machine decision is final,
 * belongs to the other job type, or the verdict does not answer what is under
 * review.
 */
export const decideHumanReview = ({
  jobType,
  machine,
  verdict
}: {
  readonly jobType: JobType
  readonly machine: Decision
  readonly verdict: Verdict
}): Either.Either<Decision, ReviewNotApplicable | Actions.ActionConflict> => {
  const refuse = (detail: string) => Either.left(new ReviewNotApplicable({ resultCode: machine.resultCode, verdict, detail }))
  const row = ResultCode.rowOf(machine.resultCode, machine.resultText)
  if (!row.jobTypes.includes(jobType)) return refuse(`it is not a result of job type ${jobType}`)
  if (row.isFinal) return refuse("it is final; only provisional results wait for a reviewer")
  const pending = pendingReviews(machine.actions)
  if (pending.length === 0) return refuse("none of its Human_Review_* actions is Under Review")
  const accepted = verdictsFor(jobType, machine)
  if (!accepted.includes(verdict)) return refuse(`answer one of ${accepted.join(", ")}`)

  const positive = verdict === "same_person" || verdict === "live"
  const refinement: { -readonly [Name in Actions.ActionName]?: Actions.ActionValue } = {}
  for (const review of pending) {
    const judged = positive || verdict !== "different_person" || review === "Human_Review_Compare"
    refinement[review] = positive ? "Passed" : judged ? "Failed" : "Unable To Determine"
    const check = checkOf[review]
    if (machine.actions[check] === "Under Review") {
      refinement[check] = positive ? (check === "Selfie_To_Registered_Selfie_Compare" ? "Completed" : "Passed") : "Failed"
    }
  }
  if (jobType === 4) refinement.Register_Selfie = positive ? "Approved" : "Rejected"

  return Actions.join(machine.actions, refinement as Actions.Actions).pipe(
    Either.map((actions): Decision => {
      const code = outcomeOf(jobType, verdict)
      const outcome = ResultCode.rowOf(code)
      return {
        resultCode: code,
        resultText: outcome.resultText,
        actions,
        confidence: machine.confidence,
        isFinal: true,
        isMachineResult: false,
        explanation: `a reviewer answered "${verdict}" to: ${machine.review?.reason ?? machine.explanation}`
      }
    })
  )
}

// ---------------------------------------------------------------------------
// The wire

/** `ConfidenceValue` as the result object spells it: the integer 0..100 as a string (`"99"`). */
export const formatConfidence = (confidence: number): string => String(clampConfidence(confidence))

/** `"true"` / `"false"`, the spelling of `IsFinalResult` and `IsMachineResult`. */
export const formatBoolean = (value: boolean): "true" | "false" => (value ? "true" : "false")

/** The fields of a result object that a decision determines, spelled for the wire. */
export const toWireFields = (
  decision: Decision,
  jobType: JobType
): {
  readonly Actions: Record<string, string>
  readonly ConfidenceValue: string
  readonly ResultCode: string
  readonly ResultText: string
  readonly IsFinalResult: "true" | "false"
  readonly IsMachineResult: "true" | "false"
} => ({
  Actions: Actions.toWire(decision.actions, jobType),
  ConfidenceValue: formatConfidence(decision.confidence),
  ResultCode: decision.resultCode,
  ResultText: decision.resultText,
  IsFinalResult: formatBoolean(decision.isFinal),
  IsMachineResult: formatBoolean(decision.isMachineResult)
})
