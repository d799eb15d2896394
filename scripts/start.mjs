#!/usr/bin/env node
// `npm start`: from a fresh clone with only Node 20 and npm, installs, builds,
// starts the reference server on its embedded defaults, runs the demo against
// it and leaves it running in the foreground until Ctrl-C. See --help.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { ensureDemoPartners, ensureDemoReviewers, portIsFree, runDemo, startServer } from "../apps/reference-server/demo/Launcher.mjs"
import { ensureToolchain, pnpm, root } from "./toolchain.mjs"

const help = `npm start [-- options]: run the selfie-auth reference server with a demo

Steps, in order:
  1. install: pnpm (pinned, through npx if needed) and the workspace dependencies from the lockfile
  2. build: tsc -b of the server and what it uses
  3. on first start, create <data>/partners.json (partner 001, a random API key, callback policy
     "local-evaluation" so callbacks may go to 127.0.0.1), <data>/reviewers.json (a review console
     admin, its random password in <data>/console-password.txt) and the server's data folder <data>/server
  4. start selfie-auth-server on its embedded defaults: HTTPS with a self-signed certificate,
     SQLite, encrypted images on disk, the real face engine, durable jobs
  5. run the demo: register user A from a selfie and liveness frames, authenticate the same person
     (expect 0820 approved), authenticate a different person as user A (expect 0821 rejected), each
     through the partner client, with signed callbacks received and verified on 127.0.0.1
  6. keep serving in the foreground, with the URL, certificate, Swagger UI and console printed, until Ctrl-C

Options:
  --port <n>        port to serve on (default 8443)
  --host <address>  address to listen on (default 127.0.0.1)
  --data <dir>      folder for the partners file and the server's data, relative to the repository
                    (default .data, git-ignored)
  --no-demo         start the server without running the demo
  --demo-only       run the demo, then stop the server; exit status 0 only if every outcome was as expected
  --skip-install    skip steps 1 and 2 (a later start on an installed and built tree)
  --help            print this help

The server alone, with every option: node apps/reference-server/dist/main.js --help
Docs: docs/run-the-reference-server.md and docs/configuration.md`

const fail = (lines, status = 1) => {
  process.stderr.write(`\n${[lines].flat().join("\n")}\n`)
  process.exit(status)
}

let options
try {
  options = parseArgs({
    options: {
      port: { type: "string", default: "8443" },
      host: { type: "string", default: "127.0.0.1" },
      data: { type: "string", default: ".data" },
      "no-demo": { type: "boolean", default: false },
      "demo-only": { type: "boolean", default: false },
      "skip-install": { type: "boolean", default: false },
      help: { type: "boolean", default: false }
    },
    strict: true,
    allowPositionals: false
  }).values
} catch (error) {
  fail([`npm start: ${error.message}`, "Run npm start -- --help for the options."], 2)
}
if (options.help) {
  process.stdout.write(`${help}\n`)
  process.exit(0)
}
const port = Number(options.port)
if (!/^\d+$/.test(options.port) || port < 1 || port > 65_535) {
  fail(`npm start: --port must be a whole number from 1 to 65535 (got ${JSON.stringify(options.port)})`, 2)
}
if (options["no-demo"] && options["demo-only"]) fail("npm start: --no-demo and --demo-only contradict each other; give one", 2)
const dataRoot = path.resolve(root, options.data)
const serverData = path.join(dataRoot, "server")
const shown = (file) => (file.startsWith(`${root}${path.sep}`) ? path.relative(root, file) : file)

// The port first: better said now than after the install and the build.
if (!(await portIsFree(port, options.host))) {
  fail([
    `npm start: port ${port} on ${options.host} is already in use, by another program or a selfie-auth server started earlier.`,
    `Stop that one (Ctrl-C in its terminal), or use another port: npm start -- --port ${port === 8443 ? 8444 : port + 1}`
  ])
}

// 1 and 2. Install and build.
if (!options["skip-install"]) {
  // ensureToolchain prints the installer's output and exits on failure; say what to do before the process ends.
  const installAdvice = (status) => {
    if (status === 0) return
    process.stderr.write(
      [
        "",
        "npm start could not install the dependencies. What to try:",
        "  - network: the npm registry (https://registry.npmjs.org) must be reachable, directly or through",
        "    npm's proxy settings (npm config get proxy);",
        "  - Node: 20.15 or newer (node --version);",
        "  - a native build error (better-sqlite3, node-gyp): install a compiler and Python",
        "    (Debian/Ubuntu: sudo apt-get install -y python3 make g++), then run npm start again;",
        "  - a lockfile error (package.json and pnpm-lock.yaml disagree): undo local edits to package.json",
        "    files (git status, git diff), or git pull for a consistent pair.",
        ""
      ].join("\n")
    )
  }
  process.once("exit", installAdvice)
  ensureToolchain()
  process.removeListener("exit", installAdvice)

  console.log("\n=== build (tsc -b)")
  const build = spawnSync(
    pnpm.command,
    [...pnpm.args, "exec", "tsc", "-b", "apps/reference-server/tsconfig.json", "packages/test-fixtures/tsconfig.json"],
    { cwd: root, stdio: "inherit", env: process.env }
  )
  if (build.status !== 0) {
    fail([
      "npm start: the build failed (the TypeScript errors are above).",
      "On an unchanged clone this is a bug: please report it with the output. If you edited files, fix the errors and run npm start again."
    ])
  }
}
if (!fs.existsSync(path.join(root, "apps/reference-server/dist/main.js"))) {
  fail("npm start: the server is not built (apps/reference-server/dist/main.js is missing); run npm start without --skip-install")
}

// 3. The demo partner and the data folder.
const partners = ensureDemoPartners(dataRoot)
console.log(
  `\n=== partners: ${shown(partners.file)}${partners.created ? " (created now: partner 001 with a random API key, callback policy local-evaluation)" : ""}`
)
const reviewers = ensureDemoReviewers(dataRoot)
console.log(
  `=== review console users: ${shown(reviewers.file)}${reviewers.created ? ` (created now: ${reviewers.username}, password in ${shown(reviewers.passwordFile)})` : ""}`
)
/** The partner the demo uses, for the closing lines (the server itself reports a broken file). */
const demoPartner = (() => {
  try {
    return JSON.parse(fs.readFileSync(partners.file, "utf8")).find((partner) => partner.callbackPolicy === "local-evaluation")?.partnerId
  } catch {
    return undefined
  }
})()

// 4. The server.
console.log(`\n=== start selfie-auth-server (data ${shown(serverData)}; the face engine loads its models first)`)
let server
try {
  server = await startServer({
    dataDir: serverData,
    partnersFile: partners.file,
    port,
    host: options.host,
    extraArgs: ["--reviewers", reviewers.file]
  })
} catch (error) {
  fail([
    `npm start: ${error.message}`,
    error.exitCode === 2
      ? `The server refused its configuration (above). If ${shown(partners.file)} or ${shown(reviewers.file)} was edited, fix it, or delete it to get a fresh one.`
      : "See the message above; the server's own options: node apps/reference-server/dist/main.js --help"
  ])
}
console.log(server.startupLines.join("\n"))

let stopping = false
const stopServer = async (signal) => {
  if (stopping) return
  stopping = true
  const { code } = await server.stop(signal)
  process.exit(code ?? 0)
}
// Ctrl-C reaches the server too (same process group); SIGTERM is how it is asked to drain either way.
process.on("SIGINT", () => void stopServer("SIGTERM"))
process.on("SIGTERM", () => void stopServer("SIGTERM"))
server.exited.then(({ code, signal }) => {
  if (stopping) return
  fail(`npm start: the server stopped unexpectedly (${signal ?? `exit status ${code}`}); its messages are above.`)
})

// 5. The demo.
let demoStatus = 0
if (!options["no-demo"]) {
  console.log("\n=== demo (partner client -> server -> face engine -> signed callbacks)")
  const demo = await runDemo({ url: server.url, certificateFile: server.certificateFile, partnersFile: partners.file })
  demoStatus = demo.status
  if (demoStatus !== 0 && !stopping) {
    console.log(`\nThe demo ended with status ${demoStatus}: its outcome differs from the expectation, as printed above.`)
  }
}
if (options["demo-only"]) {
  stopping = true
  await server.stop("SIGTERM")
  process.exit(demoStatus)
}

// 6. Serve in the foreground.
const certificate = server.certificateFile
console.log(
  [
    "",
    "=== selfie-auth reference server is running",
    `  URL          ${server.url}   (v1 API: ${server.url}/v1)`,
    ...(certificate === undefined ? [] : [`  certificate  NODE_EXTRA_CA_CERTS=${certificate}`]),
    `  Swagger UI   ${server.url}/docs   (OpenAPI document: ${server.url}/openapi.json)`,
    `  console      ${server.url}/console   (human review; ${
      reviewers.passwordFile === undefined
        ? `users in ${shown(reviewers.file)}`
        : `sign in as ${reviewers.username}, password in ${shown(reviewers.passwordFile)}`
    })`,
    ...(demoPartner === undefined ? [] : [`  partner      ${demoPartner}, API key in ${shown(partners.file)}`]),
    `  data         ${shown(serverData)}`,
    "Press Ctrl-C to stop."
  ].join("\n")
)
