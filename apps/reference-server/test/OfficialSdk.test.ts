/**
 * The official `smile-identity-core@3.2.1` Node SDK, unchanged, against the
 * real server over HTTPS: it trusts the server's self-signed certificate
 * through NODE_EXTRA_CA_CERTS, in a child process (Node reads that variable
 * only at start-up). `submit_job` for types 4 and 2 with
 * `return_job_status`, `Utilities.get_job_status`, and the SDK's own
 * `Signature.confirm_signature` on every response.
 */
import { execFile } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { placeholderJpeg, placeholderJpegFile } from "./support/Images.js"
import { startTestServer, type TestServer } from "./support/TestServer.js"

const here = path.dirname(fileURLToPath(import.meta.url))
let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const runSdk = (steps: ReadonlyArray<unknown>): Promise<Array<{ ok: boolean; value?: any; error?: string; confirmed: boolean }>> =>
  new Promise((resolve, reject) => {
    const input = JSON.stringify({ url: `${server.url}/v1`, partnerId: "001", apiKey: "test-api-key", steps })
    execFile(
      process.execPath,
      [path.join(here, "support", "officialSdkClient.cjs"), input],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: server.certificateFile }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`${error.message}\n${stderr}`))
        resolve(JSON.parse(stdout))
      }
    )
  })

describe("the official Node SDK 3.2.1", () => {
  it("registers (type 4), authenticates (type 2) and polls, trusting every response's signature", async () => {
    const selfie = placeholderJpegFile("sdk-registration")
    const base64Selfie = Buffer.from(placeholderJpeg("sdk-authentication")).toString("base64")
    const results = await runSdk([
      {
        kind: "submit_job",
        callbackUrl: "https://partner.example/callback",
        partnerParams: { user_id: "sdk-user-1", job_id: "sdk-job-reg", job_type: 4, branch: "lagos" },
        images: [{ image_type_id: 0, image: selfie }]
      },
      {
        kind: "submit_job",
        partnerParams: { user_id: "sdk-user-1", job_id: "sdk-job-auth", job_type: 2 },
        images: [{ image_type_id: 2, image: base64Selfie }]
      },
      { kind: "get_job_status", userId: "sdk-user-1", jobId: "sdk-job-auth" }
    ])
    expect(results.map((result) => result.error)).toEqual([undefined, undefined, undefined])
    const [registration, authentication, status] = results
    expect(results.every((result) => result.confirmed)).toBe(true)
    expect(registration?.value).toMatchObject({
      job_complete: true,
      job_success: true,
      code: "2302",
      result: { ResultCode: "0840", PartnerParams: { user_id: "sdk-user-1", job_id: "sdk-job-reg", job_type: 4, branch: "lagos" } }
    })
    expect(registration?.value.image_links.selfie_image).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/images\/001\/\d{10}\/selfie_image\?/)
    expect(authentication?.value).toMatchObject({ job_complete: true, job_success: true, result: { ResultCode: "0820" } })
    expect(status?.value.result).toEqual(authentication?.value.result)
    expect(status?.value.history).toHaveLength(1)
  })

  it("gets the server's general error for a reused job_id", async () => {
    const selfie = placeholderJpegFile("sdk-duplicate")
    const step = {
      kind: "submit_job",
      partnerParams: { user_id: "sdk-user-2", job_id: "sdk-job-dup", job_type: 4 },
      images: [{ image_type_id: 0, image: selfie }]
    }
    const [first, second] = await runSdk([step, step])
    expect(first?.error).toBeUndefined()
    expect(second?.ok).toBe(false)
    expect(second?.error).toBe("Request failed with status code 400")
  })
})
