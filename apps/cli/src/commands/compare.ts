/**
 * `selfie-auth compare REGISTERED SELFIE [--json] [--match-distance N] [--reject-distance N]`:
 * compares the face of a new selfie with a registered one, as an
 * authentication (job type 2) would, and prints the distance, the calibrated
 * confidence and the decision the policy (`Decision.decide` of
 * `@selfie-auth/core`) takes on these two photos alone (no liveness frames).
 */
import { parseArgs } from "node:util"
import { Effect, Either } from "effect"
import { Decision } from "@selfie-auth/core"
import type { Findings } from "@selfie-auth/core"
import { JobEvidence } from "@selfie-auth/adapter-face"
import type { Command } from "../Command.js"
import { printLine, UsageError } from "../Command.js"
import { analyzeFiles } from "../FaceEngineRun.js"

const usage = "selfie-auth compare REGISTERED SELFIE [--json] [--match-distance N] [--reject-distance N]"

/** Same person (`true`), different (`false`) or the unsure band a reviewer settles (`"unsure"`). */
export type Match = boolean | "unsure"

export const matchOf = (comparison: Findings.Comparison | undefined, thresholds: Decision.Thresholds): Match =>
  comparison === undefined
    ? false
    : comparison.distance < thresholds.matchDistance
    ? true
    : comparison.distance < thresholds.rejectDistance
    ? "unsure"
    : false

const numberOption = (name: string, value: string | undefined) =>
  value === undefined
    ? Effect.succeed(undefined)
    : Number.isFinite(Number(value)) && value.trim() !== ""
    ? Effect.succeed(Number(value))
    : Effect.fail(new UsageError({ detail: `--${name} takes a number, got "${value}"\nusage: ${usage}` }))

const round = (value: number, digits: number) => Number(value.toFixed(digits))

export const compare: Command = {
  name: "compare",
  summary: "compare two faces: distance, confidence and the decision an authentication would get",
  usage,
  run: (args) =>
    Effect.gen(function*() {
      const parsed = yield* Effect.try({
        try: () =>
          parseArgs({
            args: [...args],
            options: {
              json: { type: "boolean", default: false },
              "match-distance": { type: "string" },
              "reject-distance": { type: "string" }
            },
            allowPositionals: true
          }),
        catch: (cause) => new UsageError({ detail: `${(cause as Error).message}\nusage: ${usage}` })
      })
      const [registeredFile, selfieFile, ...extra] = parsed.positionals
      if (registeredFile === undefined || selfieFile === undefined || extra.length > 0) {
        return yield* new UsageError({ detail: `compare takes exactly two images\nusage: ${usage}` })
      }
      const matchDistance = yield* numberOption("match-distance", parsed.values["match-distance"])
      const rejectDistance = yield* numberOption("reject-distance", parsed.values["reject-distance"])
      const thresholds = yield* Either.match(
        Decision.makeThresholds({
          ...(matchDistance === undefined ? {} : { matchDistance }),
          ...(rejectDistance === undefined ? {} : { rejectDistance })
        }),
        {
          onLeft: (error) => Effect.fail(new UsageError({ detail: `${error.message}\nusage: ${usage}` })),
          onRight: Effect.succeed
        }
      )

      const [registered, selfie] = yield* analyzeFiles([registeredFile, selfieFile])
      if (registered === undefined || selfie === undefined) return 1
      const comparison = JobEvidence.comparison(selfie, registered)
      const decision = Decision.decide({
        jobType: 2,
        findings: { selfie, spoofSuspicion: "none", ...(comparison === undefined ? {} : { comparison }) },
        thresholds
      })
      const match = matchOf(comparison, thresholds)
      const images = [
        { file: registeredFile, role: "registered", faceCount: registered.faceCount, problems: registered.problems },
        { file: selfieFile, role: "selfie", faceCount: selfie.faceCount, problems: selfie.problems }
      ]
      if (parsed.values.json) {
        yield* printLine(JSON.stringify({
          distance: comparison === undefined ? null : round(comparison.distance, 4),
          confidence: comparison === undefined ? 0 : comparison.confidence,
          match,
          decision: { resultCode: decision.resultCode, resultText: decision.resultText, explanation: decision.explanation },
          thresholds: { matchDistance: thresholds.matchDistance, rejectDistance: thresholds.rejectDistance },
          images
        }))
        return 0
      }
      const lines = [
        `distance    ${comparison === undefined ? "none (no face to compare)" : comparison.distance.toFixed(4)}`,
        `confidence  ${comparison === undefined ? 0 : comparison.confidence} / 100`,
        `match       ${String(match)} (match below ${thresholds.matchDistance}, unsure below ${thresholds.rejectDistance})`,
        `decision    ${decision.resultCode} ${decision.resultText}`,
        `            ${decision.explanation}`,
        ...images.map((image) =>
          `${image.role.padEnd(11)} ${image.file}: ${image.faceCount} face(s)${
            image.problems.length === 0 ? "" : `, ${image.problems.join(", ")}`
          }`
        )
      ]
      for (const line of lines) yield* printLine(line)
      return 0
    })
}
