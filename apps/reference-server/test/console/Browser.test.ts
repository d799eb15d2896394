/**
 * The console in a real browser: Playwright (`playwright-core`) drives
 * Debian's Chromium (`/usr/bin/chromium`, never a downloaded browser) with a
 * fresh profile. It signs in, opens the provisional job from the queue,
 * checks the images loaded, decides "same person" with a note, and the test
 * then checks the follow-up callback a local node:http receiver got and the
 * job's status. It screenshots the sign-in page, the queue, the job and the
 * audit trail: into `docs/images/` when `UPDATE_SCREENSHOTS=1` (to refresh the
 * docs), otherwise into a temporary folder, so a test run leaves the work
 * tree clean.
 *
 * Without `/usr/bin/chromium` this test fails and says how to install it.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import type { BrowserContext } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { person } from "./Avatars.js"
import { eventually, jobStatusBody, postJson, sign } from "./Client.js"
import type { CallbackReceiver, ConsoleServer } from "./ConsoleServer.js"
import { passwordOf, startCallbackReceiver, startConsoleServer } from "./ConsoleServer.js"
import { jobWhen, submit } from "./Scenario.js"

const executablePath = "/usr/bin/chromium"
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]
const imagesDir = process.env["UPDATE_SCREENSHOTS"] === "1"
  ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../docs/images")
  : fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-screenshots-"))

let server: ConsoleServer
let receiver: CallbackReceiver
let context: BrowserContext
let profile: string

beforeAll(async () => {
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Debian Chromium is not installed at ${executablePath}: install it with \`apt-get update && apt-get install -y chromium\` ` +
        "(the project's test command does this); the browser test never downloads a browser"
    )
  }
  server = await startConsoleServer()
  receiver = await startCallbackReceiver()
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-chromium-"))
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: chromiumArgs,
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 860 },
    locale: "en-GB",
    timezoneId: "UTC"
  })
}, 90_000)

afterAll(async () => {
  await context?.close()
  await server?.close()
  await receiver?.close()
  if (profile !== undefined) fs.rmSync(profile, { recursive: true, force: true })
})

describe("the review console in Chromium", () => {
  it("signs in, reviews the provisional job as the same person, and the partner gets 1220", async () => {
    // A registration (approved), then an authentication the engine is unsure of (0825).
    const userId = "customer-4711"
    const registration = await submit(server, { userId, jobId: "reg-4711", jobType: 4, selfie: person.registered(), callbackUrl: receiver.url })
    await jobWhen(server, registration, (state) => state === "Completed")
    const smileJobId = await submit(server, {
      userId,
      jobId: "login-4711",
      jobType: 2,
      selfie: person.selfie(),
      liveness: person.frames(),
      callbackUrl: receiver.url
    })
    await jobWhen(server, smileJobId, (state) => state === "UnderReview")
    await eventually(() => receiver.received.find((entry) => entry.body.SmileJobID === smileJobId && entry.body.ResultCode === "0825"))

    const page = await context.newPage()
    await page.goto(`${server.url}/console`)
    expect(new URL(page.url()).pathname).toBe("/console/sign-in")
    fs.mkdirSync(imagesDir, { recursive: true })
    await page.screenshot({ path: path.join(imagesDir, "console-sign-in.png") })

    await page.getByLabel("Username").fill("alice")
    await page.getByLabel("Password").fill(passwordOf("alice"))
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.waitForURL("**/console/queue")
    const row = page.getByRole("row", { name: new RegExp(smileJobId) })
    await expect(row.textContent()).resolves.toContain("the comparison is unsure")
    await page.screenshot({ path: path.join(imagesDir, "console-queue.png") })

    await page.getByRole("link", { name: smileJobId }).click()
    await page.waitForURL(`**/console/jobs/001/${smileJobId}`)
    // Every image was served to the signed-in browser and decoded.
    const images = page.locator("figure img")
    expect(await images.count()).toBe(6)
    await page.waitForFunction(() => Array.from(document.querySelectorAll("figure img")).every((img) => (img as HTMLImageElement).complete))
    const widths = await images.evaluateAll((all) => all.map((img) => (img as HTMLImageElement).naturalWidth))
    expect(widths).toEqual([320, 320, 320, 320, 320, 320])
    const buttons = await page.locator("button[name=verdict]").evaluateAll((all) => all.map((button) => (button as HTMLButtonElement).value))
    expect(buttons).toEqual(["same_person", "different_person", "spoof", "unusable"])
    await page.getByLabel("Note (optional, kept in the audit trail)").fill("Same face shape and hairline; lighting differs.")
    await page.screenshot({ path: path.join(imagesDir, "console-job-review.png"), fullPage: true })

    await page.getByRole("button", { name: /Same person/ }).click()
    await page.waitForURL("**/console/queue?ok=*")
    await expect(page.getByRole("status").textContent()).resolves.toContain(`Job ${smileJobId}: Same person recorded; the partner receives 1220.`)

    // The workflow's wait ended: the follow-up callback and job_status carry the reviewer's 1220.
    const followUp = await eventually(() => receiver.received.find((entry) => entry.body.SmileJobID === smileJobId && entry.body.ResultCode === "1220"))
    expect(followUp.body).toMatchObject({
      ResultText: "Authenticate User",
      IsFinalResult: "true",
      IsMachineResult: "false",
      PartnerParams: { user_id: userId, job_id: "login-4711", job_type: 2 },
      Actions: { Human_Review_Compare: "Passed", Selfie_To_Registered_Selfie_Compare: "Completed" }
    })
    expect(followUp.body.signature).toBe(sign("001", "test-api-key", followUp.body.timestamp))
    const status = (await postJson(server, "/v1/job_status", jobStatusBody({ userId, jobId: "login-4711" }))).json()
    expect(status).toMatchObject({ job_complete: true, job_success: true, result: { ResultCode: "1220", IsMachineResult: "false" } })

    await page.getByRole("link", { name: "Audit trail" }).click()
    await expect(page.getByRole("row", { name: new RegExp(smileJobId) }).textContent()).resolves.toContain("Same face shape and hairline")
    await page.screenshot({ path: path.join(imagesDir, "console-audit.png") })
    await page.close()
  }, 90_000)
})
