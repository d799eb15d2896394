/**
 * `selfie-auth analyze IMAGE [--descriptor]`: prints what the face engine finds
 * in one photo as JSON (faces, face box and pose, brightness, sharpness,
 * quality problems). The 128-number descriptor is left out unless asked for.
 */
import { parseArgs } from "node:util"
import { Effect } from "effect"
import type { Findings } from "@selfie-auth/core"
import type { Command } from "../Command.js"
import { printLine, UsageError } from "../Command.js"
import { analyzeFiles } from "../FaceEngineRun.js"

const usage = "selfie-auth analyze IMAGE [--descriptor]"

/** The findings as printed: the descriptor replaced by its length unless `withDescriptor`. */
export const printable = (findings: Findings.ImageFindings, withDescriptor: boolean): unknown => {
  if (findings.face === undefined || withDescriptor) return findings
  const { descriptor, ...face } = findings.face
  return { ...findings, face: { ...face, descriptor: `${descriptor.length} numbers, shown with --descriptor` } }
}

export const analyze: Command = {
  name: "analyze",
  summary: "print the face engine's findings for one photo as JSON",
  usage,
  run: (args) =>
    Effect.gen(function*() {
      const parsed = yield* Effect.try({
        try: () =>
          parseArgs({ args: [...args], options: { descriptor: { type: "boolean", default: false } }, allowPositionals: true }),
        catch: (cause) => new UsageError({ detail: `${(cause as Error).message}\nusage: ${usage}` })
      })
      const [file, ...extra] = parsed.positionals
      if (file === undefined || extra.length > 0) {
        return yield* new UsageError({ detail: `analyze takes exactly one image\nusage: ${usage}` })
      }
      const [findings] = yield* analyzeFiles([file])
      yield* printLine(JSON.stringify(findings === undefined ? null : printable(findings, parsed.values.descriptor), null, 2))
      return 0
    })
}
