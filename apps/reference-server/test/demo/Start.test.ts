/**
 * `npm start` (scripts/start.mjs) before it starts anything: its help, a
 * mistaken option, and a port already in use, each saying what to do. The
 * whole run (install, build, server, demo) is Demo.test.ts's.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { appDir } from "../../demo/Launcher.mjs"

const startScript = path.resolve(appDir, "../../scripts/start.mjs")

const start = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [startScript, ...args], { encoding: "utf8", timeout: 60_000 })

describe("npm start", () => {
  it("--help says what it does, in order, and every option", () => {
    const run = start(["--help"])
    assert.strictEqual(run.status, 0)
    for (const text of ["install", "build", "partners.json", "local-evaluation", "reviewers.json", "0820", "0821", "console", "Ctrl-C"]) {
      assert.include(run.stdout, text)
    }
    for (const option of ["--port", "--host", "--data", "--no-demo", "--demo-only", "--skip-install", "--help"]) {
      assert.include(run.stdout, option)
    }
  })

  it("refuses an unknown option and contradicting options with status 2", () => {
    const unknown = start(["--prot", "8443"])
    assert.strictEqual(unknown.status, 2)
    assert.include(unknown.stderr, "--help")
    const both = start(["--no-demo", "--demo-only"])
    assert.strictEqual(both.status, 2)
    assert.include(both.stderr, "contradict")
    const port = start(["--port", "http"])
    assert.strictEqual(port.status, 2)
    assert.include(port.stderr, "--port must be a whole number")
  })

  it("a port in use says so and names another port, before starting the server", async () => {
    const holder = net.createServer()
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve))
    const port = (holder.address() as net.AddressInfo).port
    const data = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-start-"))
    try {
      const run = start(["--skip-install", "--port", String(port), "--data", data])
      assert.strictEqual(run.status, 1, run.stderr)
      assert.include(run.stderr, `port ${port} on 127.0.0.1 is already in use`)
      assert.include(run.stderr, `npm start -- --port ${port + 1}`)
      assert.notInclude(run.stdout, "start selfie-auth-server")
    } finally {
      holder.close()
      fs.rmSync(data, { recursive: true, force: true })
    }
  })
})
