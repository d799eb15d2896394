/**
 * The `npm start` demo, end to end, started the way `scripts/start.mjs`
 * starts it (the shared `demo/Launcher.mjs`): the built `selfie-auth-server`
 * on its embedded defaults (HTTPS, SQLite, encrypted blobs, the real face
 * engine, the durable pipeline) with a fresh demo partners file, then the
 * demo program as its own process trusting the printed certificate.
 *
 * Asserts the three outcomes (0840 registered, 0820 same person, 0821
 * different person), one verified, body-bound callback per job, and that
 * the review console admin made for the demo can sign in.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as https from "node:https"
import * as os from "node:os"
import * as path from "node:path"
import type { DemoReport } from "../../demo/Demo.js"
import { appDir, ensureDemoPartners, ensureDemoReviewers, runDemo, startServer } from "../../demo/Launcher.mjs"

const workspaceRoot = path.resolve(appDir, "../..")

/** `tsc -b` of what the demo runs, as `npm start` does: the test exercises the current sources. */
const build = () => {
  const tsc = path.join(workspaceRoot, "node_modules/.bin/tsc")
  const result = spawnSync(tsc, ["-b", "apps/reference-server/tsconfig.json", "packages/test-fixtures/tsconfig.json"], {
    cwd: workspaceRoot,
    encoding: "utf8"
  })
  if (result.status !== 0) throw new Error(`the build failed:\n${result.stdout}${result.stderr}`)
}

/** POSTs the console's sign-in form over HTTPS trusting only the server's certificate; resolves with the status. */
const consoleSignIn = (url: string, ca: string, username: string, password: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const body = new URLSearchParams({ username, password }).toString()
    const request = https.request(`${url}/console/sign-in`, {
      method: "POST",
      ca: fs.readFileSync(ca),
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) }
    }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on("error", reject)
    request.end(body)
  })

describe("npm start demo", () => {
  it("registers user A (0840), authenticates the same person (0820) and rejects a different person (0821), with a verified callback for each", async () => {
    build()
    const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-demo-"))
    const partners = ensureDemoPartners(dataRoot)
    assert.isTrue(partners.created)
    const written = JSON.parse(fs.readFileSync(partners.file, "utf8")) as ReadonlyArray<Record<string, unknown>>
    assert.strictEqual(written[0]?.["callbackPolicy"], "local-evaluation")
    assert.isAtLeast(String(written[0]?.["apiKey"]).length, 32)
    assert.isFalse(ensureDemoPartners(dataRoot).created, "a second start keeps the partners file")
    const reviewers = ensureDemoReviewers(dataRoot)
    assert.isTrue(reviewers.created)
    assert.isDefined(reviewers.passwordFile)

    const serverOutput: Array<string> = []
    const server = await startServer({
      dataDir: path.join(dataRoot, "server"),
      partnersFile: partners.file,
      extraArgs: ["--reviewers", reviewers.file],
      onOutput: (line) => serverOutput.push(line)
    })
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/)
      assert.isDefined(server.certificateFile)
      const reportFile = path.join(dataRoot, "report.json")
      const demo = await runDemo({
        url: server.url,
        certificateFile: server.certificateFile,
        partnersFile: partners.file,
        reportFile,
        stdio: "pipe"
      })
      assert.strictEqual(demo.status, 0, `the demo did not end as expected:\n${demo.output}\nserver:\n${serverOutput.join("\n")}`)
      const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as DemoReport

      assert.deepStrictEqual(
        report.steps.map((step) => [step.step.jobType, step.result?.code, step.result?.category]),
        [[4, "0840", "approved"], [2, "0820", "approved"], [2, "0821", "rejected"]]
      )
      const [registration, samePerson, otherPerson] = report.steps
      assert.strictEqual(registration?.result?.actions["Register_Selfie"], "Approved")
      assert.strictEqual(samePerson?.result?.actions["Selfie_To_Registered_Selfie_Compare"], "Completed")
      assert.strictEqual(otherPerson?.result?.actions["Selfie_To_Registered_Selfie_Compare"], "Failed")
      assert.isTrue(report.allAsExpected)

      assert.deepStrictEqual(report.missingCallbacks, [])
      assert.deepStrictEqual(
        report.callbacks.map((callback) => [callback.jobId, callback.code, callback.verified, callback.bodyBound]),
        report.steps.map((step) => [step.jobId, step.result?.code, true, true])
      )
      const deliveryIds = report.callbacks.map((callback) => callback.deliveryId)
      assert.strictEqual(new Set(deliveryIds).size, 3, "each job has its own delivery id")

      // The console admin made for the demo can sign in with the password kept beside it.
      const signIn = (password: string) => consoleSignIn(server.url, server.certificateFile!, reviewers.username, password)
      assert.strictEqual(await signIn(fs.readFileSync(reviewers.passwordFile!, "utf8").trim()), 303)
      assert.strictEqual(await signIn("not-the-password"), 401)

      // What the person at the terminal reads.
      assert.include(demo.output, "Every job ended as expected and every callback verified.")
      assert.include(demo.output, "Selfie_To_Registered_Selfie_Compare  Failed")
    } finally {
      const { code } = await server.stop()
      assert.strictEqual(code, 0, `the server did not stop cleanly:\n${serverOutput.join("\n")}`)
      fs.rmSync(dataRoot, { recursive: true, force: true })
    }
  }, 300_000)
})
