// Brings a fresh machine (Node 20 and npm only) to a working toolchain:
// pnpm at the pinned version (through npx when it is not installed), the
// workspace dependencies from the lockfile, and the environment native builds need.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"))
const pnpmVersion = manifest.packageManager.replace(/^pnpm@/, "")

const installedPnpm = () => {
  const probe = spawnSync("pnpm", ["--version"], { encoding: "utf8" })
  return probe.status === 0 ? probe.stdout.trim() : undefined
}

/** How to call pnpm: the installed one when it is the pinned version, else through npx. */
export const pnpm =
  installedPnpm() === pnpmVersion
    ? { command: "pnpm", args: [] }
    : { command: "npx", args: ["--yes", `pnpm@${pnpmVersion}`] }

export const ensureToolchain = () => {
  process.env.TURBO_TELEMETRY_DISABLED ??= "1"
  process.env.COREPACK_ENABLE_STRICT ??= "0"
  // better-sqlite3 compiles here; node-gyp must use the machine's own Node headers.
  if (process.env.npm_config_nodedir === undefined && fs.existsSync("/usr/include/node/node.h")) {
    process.env.npm_config_nodedir = "/usr"
  }
  const [major, minor] = process.versions.node.split(".").map(Number)
  if (major < 20 || (major === 20 && minor < 15)) {
    console.error(`selfie-auth needs Node 20.15 or newer (found ${process.versions.node}).`)
    process.exit(1)
  }
  console.log(`=== install (pnpm ${pnpmVersion}${pnpm.command === "npx" ? " via npx" : ""})`)
  const install = spawnSync(pnpm.command, [...pnpm.args, "install", "--frozen-lockfile"], {
    cwd: root,
    stdio: "inherit",
    env: process.env
  })
  if (install.status !== 0) {
    console.error("pnpm install failed: see the output above.")
    process.exit(1)
  }
}
