// Makes sure the services the test suites talk to are running on this machine:
// PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`). Starts a stopped
// cluster, and installs PostgreSQL from Debian's packages where it is missing.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"

const reachable = (port, host = "127.0.0.1", timeoutMs = 1000) =>
  new Promise((resolve) => {
    const socket = net.connect({ port, host })
    const done = (ok) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

const sh = (command) => spawnSync("bash", ["-c", command], { stdio: "inherit" }).status === 0

const waitFor = async (port, seconds) => {
  for (let i = 0; i < seconds * 4; i++) {
    if (await reachable(port)) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

export const ensurePostgres = async () => {
  if (await reachable(5432)) return true
  console.log("PostgreSQL is not answering on 127.0.0.1:5432: starting it")
  if (!fs.existsSync("/etc/postgresql")) {
    sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql")
  }
  const versions = fs.existsSync("/etc/postgresql") ? fs.readdirSync("/etc/postgresql") : []
  for (const version of versions) {
    sh(`pg_ctlcluster --skip-systemctl-redirect ${version} main start`)
  }
  const up = await waitFor(5432, 30)
  if (up) {
    // Trust auth for local tests and a `test` database, as on the project's machines.
    sh(`su postgres -c "psql -tAc \\"SELECT 1 FROM pg_database WHERE datname='test'\\" | grep -q 1 || createdb test" 2>/dev/null`)
  } else {
    console.error("PostgreSQL could not be started: the Postgres suites will fail.")
  }
  return up
}

/**
 * Debian's Chromium for the browser tests (Playwright drives it; no browser is
 * ever downloaded by a test tool). Installs it from Debian's packages when missing.
 */
export const ensureChromium = () => {
  if (fs.existsSync("/usr/bin/chromium")) return true
  console.log("Installing Debian's chromium for the browser tests")
  sh("(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium")
  const ok = fs.existsSync("/usr/bin/chromium")
  if (!ok) console.error("chromium could not be installed: the browser tests will fail.")
  return ok
}
