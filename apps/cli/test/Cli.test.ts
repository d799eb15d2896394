/**
 * The `selfie-auth` command line, run as a child process from its TypeScript
 * sources (tsx, with tsconfig.source.json resolving workspace packages to
 * their src/) on the project's fixture photos.
 */
import { execFile } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { facesDir } from "@selfie-auth/test-fixtures"

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const face = (name: string) => path.join(facesDir, name)

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const selfieAuth = (...args: ReadonlyArray<string>) =>
  Effect.async<Run>((resume) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(appDir, "src", "main.ts"), ...args],
      { cwd: appDir, env: { ...process.env, TSX_TSCONFIG_PATH: path.join(appDir, "tsconfig.source.json") }, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
        resume(Effect.succeed({ code, stdout, stderr }))
      }
    )
  })

describe.concurrent("selfie-auth", () => {
  it.live("analyze prints the findings as JSON, the descriptor only with --descriptor", () =>
    Effect.gen(function*() {
      const run = yield* selfieAuth("analyze", face("obama1.jpg"))
      assert.strictEqual(run.code, 0, run.stderr)
      const findings = JSON.parse(run.stdout)
      assert.strictEqual(findings.faceCount, 1)
      assert.deepStrictEqual(findings.problems, [])
      assert.strictEqual(findings.face.descriptor, "128 numbers, shown with --descriptor")
      assert.hasAllKeys(findings.face.pose, ["yaw", "pitch", "roll"])

      const full = yield* selfieAuth("analyze", face("lexi.jpg"), "--descriptor")
      assert.strictEqual(full.code, 0, full.stderr)
      const descriptor = JSON.parse(full.stdout).face.descriptor
      assert.strictEqual(descriptor.length, 128)
      assert.isTrue(descriptor.every((n: unknown) => typeof n === "number"))
    }), 300_000)

  it.live("analyze reports no_face for a landscape", () =>
    Effect.gen(function*() {
      const run = yield* selfieAuth("analyze", face("background.jpg"))
      assert.strictEqual(run.code, 0, run.stderr)
      const findings = JSON.parse(run.stdout)
      assert.strictEqual(findings.faceCount, 0)
      assert.include(findings.problems, "no_face")
    }), 300_000)

  it.live("compare --json matches the same person and the policy authenticates", () =>
    Effect.gen(function*() {
      const run = yield* selfieAuth("compare", "--json", face("obama1.jpg"), face("obama2.jpg"))
      assert.strictEqual(run.code, 0, run.stderr)
      const result = JSON.parse(run.stdout)
      assert.isBelow(result.distance, 0.55)
      assert.isAbove(result.confidence, 50)
      assert.isAtMost(result.confidence, 100)
      assert.strictEqual(result.match, true)
      assert.strictEqual(result.decision.resultCode, "0820")
    }), 300_000)

  it.live("compare rejects different people, in text and with a lowered threshold an unsure band", () =>
    Effect.gen(function*() {
      const text = yield* selfieAuth("compare", face("obama1.jpg"), face("biden.jpg"))
      assert.strictEqual(text.code, 0, text.stderr)
      assert.match(text.stdout, /^distance {4}0\.\d{4}$/m)
      assert.match(text.stdout, /^match {7}false /m)
      assert.match(text.stdout, /^decision {4}0821 Failed Authentication$/m)

      const json = yield* selfieAuth("compare", "--json", "--match-distance", "0.3", "--reject-distance", "2", face("obama1.jpg"), face("biden.jpg"))
      assert.strictEqual(json.code, 0, json.stderr)
      const result = JSON.parse(json.stdout)
      assert.strictEqual(result.match, "unsure")
      assert.strictEqual(result.decision.resultCode, "0825")
      assert.isBelow(result.confidence, 20)
    }), 300_000)

  it.live("exits 2 with a clear message on an unreadable image or a missing file", () =>
    Effect.gen(function*() {
      const notAnImage = yield* selfieAuth("analyze", path.join(appDir, "package.json"))
      assert.strictEqual(notAnImage.code, 2)
      assert.match(notAnImage.stderr, /^selfie-auth: cannot use .*package\.json: not a picture the engine can decode/)
      assert.strictEqual(notAnImage.stdout, "")

      const missing = yield* selfieAuth("compare", face("obama1.jpg"), face("no-such-photo.jpg"))
      assert.strictEqual(missing.code, 2)
      assert.match(missing.stderr, /cannot use .*no-such-photo\.jpg: no such file/)
    }), 300_000)

  it.live("exits 64 with the usage on a wrong command line", () =>
    Effect.gen(function*() {
      const unknown = yield* selfieAuth("frobnicate")
      assert.strictEqual(unknown.code, 64)
      assert.match(unknown.stderr, /unknown command "frobnicate"/)
      const tooFew = yield* selfieAuth("compare", face("obama1.jpg"))
      assert.strictEqual(tooFew.code, 64)
      assert.match(tooFew.stderr, /usage: selfie-auth compare REGISTERED SELFIE/)
      const badNumber = yield* selfieAuth("compare", "--match-distance", "close", face("obama1.jpg"), face("obama2.jpg"))
      assert.strictEqual(badNumber.code, 64)
      assert.match(badNumber.stderr, /--match-distance takes a number, got "close"/)
    }), 300_000)
})
