/**
 * From descriptor distance to the engine's confidence (0..100) that two faces
 * are the same person: a logistic curve (Platt scaling) fitted by
 * `pnpm bench:face` to every same-person and different-person pair of the
 * labelled set, with both classes weighted equally (so 50 means "as likely
 * the same person as not", whatever the share of impostors in a deployment).
 *
 * Gotcha: the calibration set is mostly celebrity press photos, probably seen
 * in the models' training; on real selfies distances run higher, so read the
 * confidence as a ranking aid, not a probability guarantee.
 */

/** Logistic parameters: confidence = 100 / (1 + exp(slope * (distance - midpoint))). */
export interface ConfidenceCalibration {
  /** Distance at which the confidence is 50. */
  readonly midpoint: number
  /** Steepness, per unit of distance. */
  readonly slope: number
}

/** Fitted by `pnpm bench:face` on 2026-11-26 over 253 same-person and 7,875 different-person pairs (docs/results/face-engine.md). */
export const defaultCalibration: ConfidenceCalibration = { midpoint: 0.615, slope: 89.1 }

/** Confidence 0..100 (one decimal) that a pair at `distance` is the same person. */
export const confidenceOf = (distance: number, calibration: ConfidenceCalibration = defaultCalibration): number => {
  const value = 100 / (1 + Math.exp(calibration.slope * (distance - calibration.midpoint)))
  return Math.round(value * 10) / 10
}
