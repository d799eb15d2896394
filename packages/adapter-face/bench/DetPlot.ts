/**
 * Draws the DET curve (false rejects against false accepts, both on log axes)
 * as a small standalone SVG, with the operating points and the target box.
 */
import type { ErrorRates } from "./Stats.js"

const width = 640
const height = 440
const margin = { left: 70, right: 20, top: 30, bottom: 60 }
const plotWidth = width - margin.left - margin.right
const plotHeight = height - margin.top - margin.bottom
/** Axis range in percent, log scale. */
const minPercent = 0.01
const maxPercent = 100

const scale = (percent: number, length: number) =>
  (Math.log10(Math.max(minPercent, Math.min(maxPercent, percent))) - Math.log10(minPercent)) /
  (Math.log10(maxPercent) - Math.log10(minPercent)) * length

const x = (falseAcceptPercent: number) => margin.left + scale(falseAcceptPercent, plotWidth)
const y = (falseRejectPercent: number) => margin.top + plotHeight - scale(falseRejectPercent, plotHeight)
const fmt = (n: number) => n.toFixed(1)

export interface Marker {
  readonly label: string
  readonly rates: ErrorRates
}

export const detSvg = (options: {
  readonly title: string
  /** The first curve is drawn solid, the others dashed; each is named in the legend. */
  readonly curves: ReadonlyArray<{ readonly label: string; readonly points: ReadonlyArray<ErrorRates> }>
  readonly markers: ReadonlyArray<Marker>
  /** Target: at most this false-reject percentage at no more than this false-accept percentage. */
  readonly target: { readonly falseRejectPercent: number; readonly falseAcceptPercent: number }
  readonly note: string
}): string => {
  const ticks = [0.01, 0.1, 1, 10, 100]
  const paths = options.curves.flatMap((curve, index) => {
    const d = curve.points
      .map((p, i) => `${i === 0 ? "M" : "L"}${fmt(x(p.falseAcceptRate * 100))},${fmt(y(p.falseRejectRate * 100))}`)
      .join(" ")
    const dash = index === 0 ? "" : ` stroke-dasharray="6 4"`
    const legendY = margin.top + 16 + index * 16
    const legendX = margin.left + plotWidth - 190
    return [
      `<path d="${d}" fill="none" stroke="#264653" stroke-width="2"${dash}/>`,
      `<line x1="${legendX}" y1="${legendY - 4}" x2="${legendX + 24}" y2="${legendY - 4}" stroke="#264653" stroke-width="2"${dash}/>`,
      `<text x="${legendX + 30}" y="${legendY}">${curve.label}</text>`
    ]
  })
  const grid = ticks.flatMap((t) => [
    `<line x1="${fmt(x(t))}" y1="${margin.top}" x2="${fmt(x(t))}" y2="${margin.top + plotHeight}" stroke="#ddd"/>`,
    `<line x1="${margin.left}" y1="${fmt(y(t))}" x2="${margin.left + plotWidth}" y2="${fmt(y(t))}" stroke="#ddd"/>`,
    `<text x="${fmt(x(t))}" y="${margin.top + plotHeight + 18}" text-anchor="middle">${t}%</text>`,
    `<text x="${margin.left - 8}" y="${fmt(y(t) + 4)}" text-anchor="end">${t}%</text>`
  ])
  const target = options.target
  const targetBox = `<rect x="${margin.left}" y="${fmt(y(target.falseRejectPercent))}" width="${
    fmt(x(target.falseAcceptPercent) - margin.left)
  }" height="${fmt(margin.top + plotHeight - y(target.falseRejectPercent))}" fill="#2a9d8f" fill-opacity="0.15" stroke="#2a9d8f" stroke-dasharray="4 3"/>`
  const markers = options.markers.flatMap((m) => {
    const cx = x(m.rates.falseAcceptRate * 100)
    const cy = y(m.rates.falseRejectRate * 100)
    return [
      `<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="4" fill="#e76f51"/>`,
      `<text x="${fmt(cx + 7)}" y="${fmt(cy - 7)}" fill="#e76f51">${m.label}</text>`
    ]
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${options.title}</text>`,
    ...grid,
    targetBox,
    `<text x="${margin.left + 4}" y="${fmt(y(target.falseRejectPercent) - 4)}" fill="#2a9d8f">target</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
    ...paths,
    ...markers,
    `<text x="${margin.left + plotWidth / 2}" y="${height - 28}" text-anchor="middle">false accepts (different-person pairs accepted), log scale</text>`,
    `<text x="16" y="${margin.top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${margin.top + plotHeight / 2})">false rejects (same-person pairs not accepted)</text>`,
    `<text x="${margin.left}" y="${height - 8}" fill="#555">${options.note}</text>`,
    `</svg>`,
    ""
  ].join("\n")
}
