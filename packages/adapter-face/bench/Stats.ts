/**
 * Statistics of the face benchmark: percentiles, error rates at a threshold,
 * the DET curve and the confidence calibration fit. Pure functions.
 */

/** The q-quantile (0..1) of a sample by the nearest-rank method. */
export const percentile = (values: ReadonlyArray<number>, q: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[rank - 1] ?? Number.NaN
}

/** Pair distances by class. A pair where either photo had no usable face has distance `Infinity`. */
export interface PairDistances {
  readonly genuine: ReadonlyArray<number>
  readonly impostor: ReadonlyArray<number>
}

export interface ErrorRates {
  readonly threshold: number
  /** Same-person pairs not accepted (distance >= threshold, or no face). */
  readonly falseRejectRate: number
  /** Different-person pairs accepted (distance < threshold). */
  readonly falseAcceptRate: number
}

export const errorRatesAt = (pairs: PairDistances, threshold: number): ErrorRates => ({
  threshold,
  falseRejectRate: pairs.genuine.filter((d) => !(d < threshold)).length / pairs.genuine.length,
  falseAcceptRate: pairs.impostor.filter((d) => d < threshold).length / pairs.impostor.length
})

/** Error rates over a grid of thresholds: the DET (and ROC) curve. */
export const detCurve = (pairs: PairDistances, from = 0.2, to = 1.0, step = 0.005): ReadonlyArray<ErrorRates> => {
  const points: Array<ErrorRates> = []
  for (let i = 0; from + i * step <= to + 1e-9; i++) points.push(errorRatesAt(pairs, Number((from + i * step).toFixed(4))))
  return points
}

/** Share of pairs of each class inside [low, high). */
export const bandShare = (pairs: PairDistances, low: number, high: number) => {
  const inBand = (d: number) => d >= low && d < high
  const genuine = pairs.genuine.filter(inBand).length
  const impostor = pairs.impostor.filter(inBand).length
  return {
    all: (genuine + impostor) / (pairs.genuine.length + pairs.impostor.length),
    genuine: genuine / pairs.genuine.length,
    impostor: impostor / pairs.impostor.length
  }
}

/**
 * Platt scaling: fits P(same | d) = 1 / (1 + exp(slope * (d - midpoint))) by
 * Newton's method on the class-balanced log-likelihood (each class weighs half,
 * whatever the pair counts). Pairs without a distance are left out.
 */
export const fitLogistic = (pairs: PairDistances): { readonly midpoint: number; readonly slope: number } => {
  const genuine = pairs.genuine.filter(Number.isFinite)
  const impostor = pairs.impostor.filter(Number.isFinite)
  const samples = [
    ...genuine.map((d) => ({ d, y: 1, w: 0.5 / genuine.length })),
    ...impostor.map((d) => ({ d, y: 0, w: 0.5 / impostor.length }))
  ]
  // p = sigmoid(a + b d); slope = -b, midpoint = -a / b
  let a = 0
  let b = 0
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0
    for (const { d, y, w } of samples) {
      const p = 1 / (1 + Math.exp(-(a + b * d)))
      const r = w * (y - p)
      const v = w * p * (1 - p) + 1e-12
      ga += r
      gb += r * d
      haa += v
      hab += v * d
      hbb += v * d * d
    }
    const det = haa * hbb - hab * hab
    const da = (hbb * ga - hab * gb) / det
    const db = (haa * gb - hab * ga) / det
    a += da
    b += db
    if (Math.abs(da) + Math.abs(db) < 1e-10) break
  }
  return { midpoint: -a / b, slope: -b }
}

/** The largest threshold of the DET grid whose false-accept rate is at most `maxFalseAccept`, if any. */
export const bestAtFalseAccept = (pairs: PairDistances, maxFalseAccept: number): ErrorRates | undefined =>
  [...detCurve(pairs)].reverse().find((p) => p.falseAcceptRate <= maxFalseAccept)

/** A pair of photos with the persons they show and their distance (`Infinity` without a face). */
export interface LabelledPair {
  readonly personA: string
  readonly personB: string
  readonly d: number
}

/** A seeded pseudo-random generator (mulberry32): the same splits on every run. */
const seededRandom = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Person-disjoint cross-validation of the threshold choice: the persons are
 * shuffled into two halves; on one half the threshold is chosen (the largest
 * with false accepts at most `maxFalseAccept`), on the other the error rates
 * are measured at it, then the other way round. Repeated over `splits` seeded
 * shuffles; the counts are pooled over every test half. Pairs across the two
 * halves are used by neither side. Unlike the in-sample figure, the threshold
 * here never saw the people it is judged on.
 */
export const personDisjointCrossValidation = (
  pairs: ReadonlyArray<LabelledPair>,
  maxFalseAccept: number,
  splits = 20
) => {
  const persons = [...new Set(pairs.flatMap((p) => [p.personA, p.personB]))].sort()
  let falseRejects = 0, genuine = 0, falseAccepts = 0, impostor = 0
  const thresholds: Array<number> = []
  for (let split = 1; split <= splits; split++) {
    const random = seededRandom(split)
    const shuffled = [...persons]
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string]
    }
    const halves = [new Set(shuffled.filter((_, i) => i % 2 === 0)), new Set(shuffled.filter((_, i) => i % 2 === 1))]
    const within = (half: ReadonlySet<string>): PairDistances => {
      const inside = pairs.filter((p) => half.has(p.personA) && half.has(p.personB))
      return {
        genuine: inside.filter((p) => p.personA === p.personB).map((p) => p.d),
        impostor: inside.filter((p) => p.personA !== p.personB).map((p) => p.d)
      }
    }
    for (const [train, test] of [[halves[0], halves[1]], [halves[1], halves[0]]] as const) {
      if (train === undefined || test === undefined) continue
      const chosen = bestAtFalseAccept(within(train), maxFalseAccept)
      if (chosen === undefined) continue
      const testPairs = within(test)
      const rates = errorRatesAt(testPairs, chosen.threshold)
      thresholds.push(chosen.threshold)
      falseRejects += rates.falseRejectRate * testPairs.genuine.length
      genuine += testPairs.genuine.length
      falseAccepts += rates.falseAcceptRate * testPairs.impostor.length
      impostor += testPairs.impostor.length
    }
  }
  return {
    splits,
    folds: thresholds.length,
    falseRejectRate: falseRejects / genuine,
    falseAcceptRate: falseAccepts / impostor,
    thresholdRange: { low: Math.min(...thresholds), high: Math.max(...thresholds) }
  }
}
