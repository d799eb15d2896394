/**
 * The shell examples of `docs/human-review.md` work as written: the
 * password-hash one-liner makes a hash the console accepts, and the signed
 * curl call disables a user (then 2207 at /v1/upload). Needs bash, node,
 * openssl and curl, as the docs do.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Password from "../../src/console/Password.js"
import { postJson, prepUploadBody } from "../console/Client.js"
import type { ConsoleServer } from "../console/ConsoleServer.js"
import { startConsoleServer } from "../console/ConsoleServer.js"
import { registered } from "../console/Scenario.js"

const docs = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../docs/human-review.md"), "utf8")

/** The first ```sh block after `marker`. */
const shellBlockAfter = (marker: string): string => {
  const start = docs.indexOf(marker)
  if (start < 0) throw new Error(`docs/human-review.md has no ${JSON.stringify(marker)}`)
  const block = /```sh\n([\s\S]*?)```/.exec(docs.slice(start))
  if (block === null) throw new Error(`no sh block after ${JSON.stringify(marker)}`)
  return block[1] ?? ""
}

/** Runs a bash script without blocking the event loop (the server under test answers in this process). */
const bash = (script: string, input?: string) =>
  new Promise<string>((resolve, reject) => {
    const child = execFile("bash", ["-c", script], { encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`)))
    child.stdin?.end(input ?? "")
  })

let server: ConsoleServer
beforeAll(async () => {
  server = await startConsoleServer()
}, 60_000)
afterAll(() => server?.close())

describe("docs/human-review.md", () => {
  it("the hash one-liner makes a PHC scrypt hash of the typed password", async () => {
    const script = shellBlockAfter("Make a hash without the password")
    const output = await bash(script, "correct horse battery\n")
    const line = output.split("\n").find((candidate) => candidate.startsWith("$scrypt$")) ?? ""
    expect(line).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    const parsed = Either.getOrThrow(Password.parseHash(line))
    expect(await Effect.runPromise(Password.verifyPassword("correct horse battery", parsed))).toBe(true)
  })

  it("the signed curl call disables the user; authentication then answers 2207", async () => {
    await registered(server, "user-1")
    const caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-docs-")), "certificate.pem")
    fs.writeFileSync(caFile, server.ca)
    const script = shellBlockAfter("<!-- admin-curl")
      .replace("API_KEY='the partner api key'", "API_KEY='test-api-key'")
      .replace("SERVER=https://127.0.0.1:8443", `SERVER=${server.url}`)
      .replace("--cacert data/tls/certificate.pem", `--cacert ${caFile}`)
    const output = await bash(script)
    expect(JSON.parse(output)).toEqual({ partner_id: "001", user_id: "user-1", state: "disabled", images_erased: 0 })
    const reply = await postJson(server, "/v1/upload", prepUploadBody({ userId: "user-1", jobId: "docs-auth", jobType: 2 }))
    expect(reply.json().code).toBe("2207")
  }, 60_000)
})
