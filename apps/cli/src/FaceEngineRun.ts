/**
 * Runs the face engine for one command: starts a small worker pool, analyses
 * the given images and stops the pool, mapping an unreadable picture to an
 * `InputError` that names the file.
 */
import * as os from "node:os"
import { Effect } from "effect"
import type { Findings } from "@selfie-auth/core"
import { FaceEngineHuman } from "@selfie-auth/adapter-face"
import { InputError, readImageFile } from "./Command.js"

/** Findings of each file, in order; one worker per image, at most the machine's cores. */
export const analyzeFiles = (files: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Findings.ImageFindings>, InputError> =>
  Effect.gen(function*() {
    const images = yield* Effect.forEach(files, readImageFile)
    return yield* Effect.scoped(Effect.gen(function*() {
      const engine = yield* FaceEngineHuman.make({ workers: Math.max(1, Math.min(files.length, os.availableParallelism())) })
      return yield* Effect.forEach(
        images,
        (image, index) =>
          engine.analyze(image).pipe(Effect.mapError((error) => {
            const file = files[index] ?? "image"
            return error.reason === "ImageUnreadable"
              ? new InputError({ file, detail: `not a picture the engine can decode (${error.detail})` })
              : new InputError({ file, detail: `the face engine failed on it: ${error.detail}` })
          })),
        { concurrency: "unbounded" }
      )
    }))
  }).pipe(
    // A pool that cannot start means a broken installation, not bad input.
    Effect.catchTag("PoolStartError", (error) => Effect.die(new Error(`the face engine could not start: ${error.detail}`)))
  )
