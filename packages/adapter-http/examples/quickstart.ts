/**
 * Quickstart: register a user's selfie, then authenticate the same user.
 *
 *   SELFIE_AUTH_PARTNER_ID=001 SELFIE_AUTH_API_KEY=... SELFIE_AUTH_BASE_URL=sandbox \
 *     npx tsx examples/quickstart.ts selfie.jpg liveness-dir/ second-selfie.jpg
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { createClient } from "@selfie-auth/adapter-http/node"

const [selfie, livenessDir, secondSelfie] = process.argv.slice(2)
if (selfie === undefined || livenessDir === undefined || secondSelfie === undefined) {
  console.error("usage: quickstart.ts <selfie.jpg> <liveness-dir> <second-selfie.jpg>")
  process.exit(2)
}
const livenessFrames = fs
  .readdirSync(livenessDir)
  .filter((name) => /\.(jpe?g|png)$/i.test(name))
  .sort()
  .map((name) => ({ path: path.join(livenessDir, name) }))

const client = createClient({
  partnerId: process.env["SELFIE_AUTH_PARTNER_ID"] ?? "",
  apiKey: process.env["SELFIE_AUTH_API_KEY"] ?? "",
  baseUrl: process.env["SELFIE_AUTH_BASE_URL"] ?? "sandbox"
})

try {
  const userId = `user-${Date.now()}`
  // 1. Register: job type 4. Without a callbackUrl the client polls job_status until the result is in.
  const registration = await client.register({ userId, jobId: `${userId}-register`, selfie: { path: selfie }, livenessFrames })
  const registered = registration.status?.result
  console.log("registration:", typeof registered === "string" ? registered : `${registered?.ResultCode} ${registered?.ResultText}`)

  // 2. Authenticate the same user later: job type 2, compared against the selfie on file.
  const authentication = await client.authenticate({ userId, jobId: `${userId}-authenticate`, selfie: { path: secondSelfie }, livenessFrames })
  const result = authentication.status?.result
  if (typeof result === "object") {
    console.log("authentication:", result.ResultCode, result.ResultText, "confidence", result.ConfidenceValue)
    console.log("actions:", result.Actions)
  }
} catch (error) {
  // Every failure is a typed error whose message says what to fix: ApiRejected (with the v1 code),
  // PollTimeout, UnreadableImage, InvalidJobRequest, ZipUploadFailed...
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error)
  process.exitCode = 1
} finally {
  await client.dispose()
}
