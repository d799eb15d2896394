/**
 * `register`, `authenticate` and `status` run as child processes (from their
 * TypeScript sources, as in Cli.test.ts) against a v1 API stub on `node:http`
 * written here (no msw): progress on stderr, the result as a table or JSON on
 * stdout, and a non-zero exit with a clear message on every failure (1 the
 * job or the API failed, 2 an image file cannot be used, 64 the command line).
 */
import { execFile } from "node:child_process"
import { createHmac } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const partnerId = "001"
const apiKey = "cli-test-key"

/** The stub's own signature of a timestamp (the server side of the v1 scheme). */
const sign = (timestamp: string, key = apiKey) =>
  createHmac("sha256", key).update(timestamp).update(partnerId).update("sid_request").digest("base64")

interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

const seen: Array<Seen> = []
const polls = new Map<string, number>()
const jobTypes = new Map<string, number>()
let origin = ""
const server = http.createServer((request, response) => {
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    const url = new URL(request.url ?? "/", origin)
    const body = Buffer.concat(chunks)
    seen.push({ method: request.method ?? "", path: url.pathname, headers: request.headers, body })
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" })
      response.end(JSON.stringify(value))
    }
    const signed = (fields: object, key = apiKey) => {
      const timestamp = new Date().toISOString()
      return { timestamp, signature: sign(timestamp, key), ...fields }
    }
    if (request.method === "POST" && url.pathname === "/v1/upload") {
      const payload = JSON.parse(body.toString("utf8"))
      if (payload.signature !== sign(payload.timestamp)) return json(401, { code: "2205", error: "Error - You are not authorized to do that" })
      const { job_id: jobId, job_type: jobType, user_id: userId } = payload.partner_params
      if (userId === "ghost") return json(404, { code: "2210", error: "Error - No enrolled user found" })
      jobTypes.set(jobId, jobType)
      return json(200, { upload_url: `${origin}/uploads/${jobId}.zip?X-Amz-Signature=stub`, ref_id: "ref", smile_job_id: "0000000042", camera_config: null, code: "2202" })
    }
    if (request.method === "PUT" && url.pathname.startsWith("/uploads/")) {
      response.writeHead(200)
      return response.end()
    }
    if (request.method === "POST" && url.pathname === "/v1/job_status") {
      const payload = JSON.parse(body.toString("utf8"))
      if (payload.user_id === "forged") return json(200, signed({ job_complete: true, job_success: true, code: "2302", result: "x" }, "not-the-key"))
      const poll = (polls.get(payload.job_id) ?? 0) + 1
      polls.set(payload.job_id, poll)
      if (poll < 2) return json(200, signed({ job_complete: false, job_success: false, code: "2314", result: "No zip uploaded" }))
      const jobType = jobTypes.get(payload.job_id) ?? 2
      return json(200, signed({
        job_complete: true,
        job_success: true,
        code: "2302",
        result: {
          Actions: {
            Liveness_Check: "Passed",
            Register_Selfie: jobType === 4 ? "Approved" : "Not Applicable",
            Selfie_Provided: "Passed",
            Selfie_To_Registered_Selfie_Compare: jobType === 2 ? "Completed" : "Not Applicable",
            Verify_ID_Number: "Not Applicable"
          },
          ConfidenceValue: "97",
          PartnerParams: { user_id: payload.user_id, job_id: payload.job_id, job_type: jobType },
          ResultCode: jobType === 4 ? "0840" : "0820",
          ResultText: jobType === 4 ? "Enroll User" : "Authenticate User",
          ResultType: "SAIA",
          SmileJobID: "0000000042",
          Source: "WebAPI",
          JSONVersion: "1.0.0",
          IsFinalResult: "true",
          IsMachineResult: "true"
        }
      }))
    }
    json(404, { code: "2213", error: "no such route" })
  })
})

const jpeg = (size: number, seed: number) => {
  const bytes = Buffer.alloc(size, seed)
  bytes.set([0xff, 0xd8, 0xff, 0xe0], 0)
  return bytes
}

let images = ""
const at = (name: string) => path.join(images, name)
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  images = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-cli-"))
  fs.writeFileSync(path.join(images, "selfie.jpg"), jpeg(4_000, 1))
  fs.mkdirSync(path.join(images, "frames"))
  for (let i = 1; i <= 8; i++) fs.writeFileSync(path.join(images, "frames", `f${i}.jpg`), jpeg(2_000, i + 1))
  fs.writeFileSync(path.join(images, "notes.txt"), "not an image")
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(appDir, "src", "main.ts"), ...args],
      {
        cwd: appDir,
        timeout: 60_000,
        env: {
          PATH: process.env["PATH"] ?? "",
          TSX_TSCONFIG_PATH: path.join(appDir, "tsconfig.source.json"),
          SELFIE_AUTH_PARTNER_ID: partnerId,
          SELFIE_AUTH_API_KEY: apiKey,
          SELFIE_AUTH_BASE_URL: `${origin}/v1`,
          ...env
        }
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr })
    )
  })

describe.concurrent("selfie-auth register / authenticate / status", () => {
  it("register: progress on stderr, the result table on stdout, exit 0", async () => {
    const run = await cli(["register", "--user", "user-1", "--job", "job-r1", "--selfie", at("selfie.jpg"), "--liveness", at("frames")])
    assert.strictEqual(run.code, 0, run.stderr)
    assert.include(run.stderr, "read 9 images")
    assert.include(run.stderr, "upload prepared: Smile job 0000000042")
    assert.include(run.stderr, "uploaded the zip (HTTP 200)")
    assert.include(run.stderr, "job_status #1: not complete yet (2314)")
    assert.match(run.stdout, /result code\s+0840/)
    assert.match(run.stdout, /result text\s+Enroll User/)
    assert.match(run.stdout, /outcome\s+approved, machine judgement/)
    assert.match(run.stdout, /confidence\s+97/)
    assert.match(run.stdout, /Register_Selfie\s+Approved/)
    assert.notInclude(run.stdout, "Verify_ID_Number")
    const put = seen.find((request) => request.method === "PUT" && request.path === "/uploads/job-r1.zip")
    assert.strictEqual(put?.headers["content-type"], "application/zip")
    assert.strictEqual(put?.headers["content-length"], String(put?.body.length))
  }, 60_000)

  it("authenticate --json prints one JSON object with the result", async () => {
    const run = await cli(["authenticate", "--user", "user-1", "--job", "job-a1", "--selfie", at("selfie.jpg"), "--json", "--quiet"])
    assert.strictEqual(run.code, 0, run.stderr)
    assert.strictEqual(run.stderr, "")
    const output = JSON.parse(run.stdout)
    assert.strictEqual(output.job_id, "job-a1")
    assert.strictEqual(output.job_complete, true)
    assert.strictEqual(output.result.ResultCode, "0820")
    assert.strictEqual(output.result.Actions.Selfie_To_Registered_Selfie_Compare, "Completed")
    assert.deepStrictEqual(output.result.PartnerParams, { user_id: "user-1", job_id: "job-a1", job_type: 2 })
    assert.strictEqual(output.smile_job_id, "0000000042")
  }, 60_000)

  it("status once, and --watch until complete", async () => {
    const once = await cli(["status", "--user", "user-9", "--job", "job-s1"])
    assert.strictEqual(once.code, 0, once.stderr)
    assert.match(once.stdout, /complete\s+no/)
    assert.match(once.stdout, /result\s+No zip uploaded/)
    const watched = await cli(["status", "--user", "user-9", "--job", "job-s2", "--watch"])
    assert.strictEqual(watched.code, 0, watched.stderr)
    assert.include(watched.stderr, "job_status #2: complete (2302)")
    assert.match(watched.stdout, /result code\s+0820/)
  }, 60_000)

  it("an API error exits 1 with the code, the product's text and what to do", async () => {
    const run = await cli(["authenticate", "--user", "ghost", "--selfie", at("selfie.jpg")])
    assert.strictEqual(run.code, 1)
    assert.include(run.stderr, "selfie-auth: prep upload (POST /v1/upload) was refused with 2210 Error - No enrolled user found", run.stderr)
    assert.include(run.stderr, "Register the user first")
    assert.strictEqual(run.stdout, "", run.stderr)
  }, 60_000)

  it("a wrong API key exits 1 with 2205 and how to sign", async () => {
    const run = await cli(["register", "--user", "u", "--selfie", at("selfie.jpg")], { SELFIE_AUTH_API_KEY: "wrong" })
    assert.strictEqual(run.code, 1)
    assert.include(run.stderr, "2205")
  }, 60_000)

  it("a forged job_status answer exits 1, not an endless retry", async () => {
    const run = await cli(["status", "--user", "forged", "--job", "j", "--watch"])
    assert.strictEqual(run.code, 1)
    assert.include(run.stderr, "Unable to confirm validity of the job_status response")
  }, 60_000)

  it("an image that is not a JPEG or PNG exits 2 before any request", async () => {
    const run = await cli(["register", "--user", "user-with-notes", "--selfie", at("notes.txt")])
    assert.strictEqual(run.code, 2)
    assert.include(run.stderr, `cannot use ${at("notes.txt")}: is not a JPEG or PNG image`)
    assert.isFalse(seen.some((request) => request.body.includes("user-with-notes")))
  }, 60_000)

  it("command-line mistakes exit 64 (a missing frames directory 2) and say what to write", async () => {
    const noUser = await cli(["register", "--selfie", at("selfie.jpg")])
    assert.strictEqual(noUser.code, 64)
    assert.include(noUser.stderr, "--user is required")
    assert.include(noUser.stderr, "usage: selfie-auth register")
    const noKey = await cli(["status", "--user", "u", "--job", "j"], { SELFIE_AUTH_API_KEY: "" })
    assert.strictEqual(noKey.code, 64)
    assert.include(noKey.stderr, "no API key: set SELFIE_AUTH_API_KEY")
    const badUrl = await cli(["status", "--user", "u", "--job", "j", "--base-url", "https://https://x/v1"])
    assert.strictEqual(badUrl.code, 64)
    assert.include(badUrl.stderr, "repeats its scheme")
    const badFrames = await cli(["register", "--user", "u", "--selfie", at("selfie.jpg"), "--liveness", at("missing-dir")])
    assert.strictEqual(badFrames.code, 2)
    assert.include(badFrames.stderr, `cannot use ${at("missing-dir")}: no such file or directory`)
  }, 60_000)
})
