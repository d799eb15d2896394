/**
 * The quickstart's example runs as written: a child process against a
 * node:http v1 API, and the docs page shows it verbatim.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { startStubApi, type StubApi } from "./stubApi.js"
import { jpeg } from "./support.js"

const packageDir = path.join(import.meta.dirname, "..")
const example = path.join(packageDir, "examples", "quickstart.ts")
let api: StubApi
beforeAll(async () => {
  api = await startStubApi("001", "test-api-key")
})
afterAll(() => api.close())

describe("docs/quickstart-for-partners.md", () => {
  it("shows examples/quickstart.ts verbatim", () => {
    const doc = fs.readFileSync(path.join(packageDir, "..", "..", "docs", "quickstart-for-partners.md"), "utf8")
    assert.include(doc, fs.readFileSync(example, "utf8").trim())
  })

  it("its example registers and authenticates a user", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-quickstart-"))
    fs.mkdirSync(path.join(dir, "liveness"))
    fs.writeFileSync(path.join(dir, "selfie.jpg"), jpeg(5_000, 1))
    fs.writeFileSync(path.join(dir, "later.jpg"), jpeg(5_000, 2))
    for (let i = 1; i <= 8; i++) fs.writeFileSync(path.join(dir, "liveness", `frame-${i}.jpg`), jpeg(3_000, 10 + i))
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", example, path.join(dir, "selfie.jpg"), path.join(dir, "liveness"), path.join(dir, "later.jpg")],
      {
        cwd: packageDir,
        env: {
          ...process.env,
          TSX_TSCONFIG_PATH: path.join(packageDir, "test", "tsconfig.sources.json"),
          SELFIE_AUTH_PARTNER_ID: "001",
          SELFIE_AUTH_API_KEY: "test-api-key",
          SELFIE_AUTH_BASE_URL: api.baseUrl
        },
        timeout: 60_000
      }
    )
    assert.include(stdout, "registration: 0840 Enroll User")
    assert.include(stdout, "authentication: 0820 Authenticate User confidence 99")
    assert.strictEqual(api.uploads.size, 2)
  }, 60_000)
})
