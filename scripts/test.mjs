#!/usr/bin/env node
// The one test command (`npm test`): installs what the tests need, checks the
// dependency direction, type-checks every project, runs every package's suite
// and ends with one line `N passed, N failed`. Needs only Node 20 and npm.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ensureChromium, ensurePostgres } from "./services.mjs"
import { ensureToolchain, pnpm, root } from "./toolchain.mjs"

const steps = []
let passed = 0
let failed = 0
let skipped = 0
// Each failed test by file and name with the first line of its error, repeated in the summary
// so that the end of the output, which is what a CI log keeps, says what failed.
const failures = []

const run = (label, command, args, options = {}) => {
  console.log(`\n=== ${label}`)
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: process.env, ...options })
  const ok = result.status === 0
  steps.push({ label, ok })
  return ok
}

ensureToolchain()
await ensurePostgres()
ensureChromium()

// Static checks count as one test each, so a broken build can never read as green.
for (const [label, args] of [
  ["dependency direction", ["run", "lint:deps"]],
  ["typecheck (tsc -b, sources and tests)", ["exec", "tsc", "-b", "tsconfig.json"]]
]) {
  if (run(label, pnpm.command, [...pnpm.args, ...args])) passed++
  else failed++
}

const workspaceDirs = ["packages", "apps"].flatMap((group) => {
  const dir = path.join(root, group)
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort().map((name) => path.join(dir, name)) : []
})

const firstLine = (message) => String(message ?? "no message").trim().split("\n")[0].slice(0, 300)

const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-tests-"))
const suites = []
for (const dir of workspaceDirs) {
  const manifestPath = path.join(dir, "package.json")
  if (!fs.existsSync(manifestPath)) continue
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"))
  if (!manifest.scripts?.test) continue
  const testDir = path.join(dir, "test")
  const hasTests = fs.existsSync(testDir) &&
    fs.readdirSync(testDir, { recursive: true }).some((name) => String(name).endsWith(".test.ts"))
  if (!hasTests) {
    console.log(`\n=== tests: ${manifest.name}: no test files yet`)
    continue
  }
  const report = path.join(reportDir, `${manifest.name.replace(/[^a-z0-9]+/gi, "_")}.json`)
  const ok = run(`tests: ${manifest.name}`, pnpm.command, [
    ...pnpm.args,
    "exec",
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`
  ], { cwd: dir })
  let counts = { passed: 0, failed: 0, skipped: 0 }
  if (fs.existsSync(report)) {
    const json = JSON.parse(fs.readFileSync(report, "utf8"))
    counts = {
      passed: json.numPassedTests ?? 0,
      // A file that fails to load has no failed test, only a failed suite: count it.
      failed: (json.numFailedTests ?? 0) + (json.testResults ?? []).filter((r) => r.status === "failed" && (r.assertionResults ?? []).length === 0).length,
      skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0)
    }
    for (const file of json.testResults ?? []) {
      const where = path.relative(root, file.name ?? "")
      const failedTests = (file.assertionResults ?? []).filter((test) => test.status === "failed")
      if (file.status === "failed" && failedTests.length === 0) {
        failures.push(`${where}: ${firstLine(file.message)}`)
      }
      for (const test of failedTests) {
        failures.push(`${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`)
      }
    }
  }
  if (!ok && counts.failed === 0) counts.failed = 1
  suites.push({ name: manifest.name, ...counts })
  passed += counts.passed
  failed += counts.failed
  skipped += counts.skipped
}

console.log("\n=== summary")
for (const step of steps.filter((s) => !s.label.startsWith("tests:"))) console.log(`${step.ok ? "ok  " : "FAIL"} ${step.label}`)
for (const suite of suites) {
  console.log(`${suite.failed === 0 ? "ok  " : "FAIL"} ${suite.name}: ${suite.passed} passed, ${suite.failed} failed, ${suite.skipped} skipped`)
}
for (const failure of failures) console.log(`  failed: ${failure}`)
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed === 0 ? 0 : 1)
