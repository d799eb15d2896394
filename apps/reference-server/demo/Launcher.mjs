// Starting the built reference server and the demo as child processes, the
// way `npm start` does; shared by scripts/start.mjs and the demo's test so
// both run the very same steps. Plain JavaScript: it runs before anything is
// compiled. Types: Launcher.d.mts.
import { spawn } from "node:child_process"
import { randomBytes, scryptSync } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** `apps/reference-server`. */
export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
/** The built `selfie-auth-server` command. */
export const serverBin = path.join(appDir, "dist", "main.js")
/** The demo program, run with tsx. */
export const demoMain = path.join(appDir, "demo", "main.ts")

/** The demo partner's id: Smile ID's documentation uses `001` in its examples. */
export const demoPartnerId = "001"

/**
 * The demo partners file in `dataRoot` (`partners.json`), created on first
 * use with a random API key and the `local-evaluation` callback policy (so
 * callbacks may go to 127.0.0.1). An existing file is kept as it is.
 */
export const ensureDemoPartners = (dataRoot) => {
  const file = path.join(dataRoot, "partners.json")
  if (fs.existsSync(file)) return { file, created: false }
  fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 })
  const partners = [
    {
      partnerId: demoPartnerId,
      apiKey: randomBytes(24).toString("base64url"),
      callbackPolicy: "local-evaluation",
      products: { authentication: true, registration: true }
    }
  ]
  fs.writeFileSync(file, `${JSON.stringify(partners, null, 2)}\n`, { mode: 0o600, flag: "wx" })
  return { file, created: true }
}

/**
 * The demo's review console user in `dataRoot`: `reviewers.json` with one
 * admin (`admin`) of the demo partner, its password random and kept in
 * `console-password.txt` (owner-only), created on first use; existing files
 * are kept. The hash is the scrypt PHC form of docs/human-review.md.
 */
export const ensureDemoReviewers = (dataRoot) => {
  const file = path.join(dataRoot, "reviewers.json")
  const passwordFile = path.join(dataRoot, "console-password.txt")
  if (fs.existsSync(file)) return { file, passwordFile: fs.existsSync(passwordFile) ? passwordFile : undefined, username: "admin", created: false }
  fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 })
  const password = randomBytes(12).toString("base64url")
  const salt = randomBytes(16)
  const hash = scryptSync(password.normalize("NFC"), salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 })
  const base64 = (bytes) => bytes.toString("base64").replace(/=+$/, "")
  const reviewers = [
    { username: "admin", passwordHash: `$scrypt$ln=15,r=8,p=1$${base64(salt)}$${base64(hash)}`, role: "admin", partners: [demoPartnerId] }
  ]
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600, flag: "wx" })
  fs.writeFileSync(file, `${JSON.stringify(reviewers, null, 2)}\n`, { mode: 0o600, flag: "wx" })
  return { file, passwordFile, username: "admin", created: true }
}

/** Whether `host:port` can be listened on now (false when another program holds it). */
export const portIsFree = (port, host) =>
  new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once("error", (error) => (error.code === "EADDRINUSE" || error.code === "EACCES" ? resolve(false) : reject(error)))
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)))
  })

/** Splits a stream into lines and calls `onLine` for each, then `afterChunk` once the chunk's lines are done. */
const eachLine = (stream, onLine, afterChunk = () => {}) => {
  let pending = ""
  stream.setEncoding("utf8")
  stream.on("data", (chunk) => {
    pending += chunk
    const lines = pending.split("\n")
    pending = lines.pop() ?? ""
    for (const line of lines) onLine(line)
    afterChunk()
  })
  stream.on("end", () => {
    if (pending !== "") onLine(pending)
  })
}

/**
 * Starts `selfie-auth-server` and resolves once it listens (and, over
 * HTTPS, has printed its certificate). Rejects with the server's own
 * message when it exits first, or after `startTimeoutMillis` (the face
 * engine loads its models before the server listens).
 *
 * The server's start-up lines (listening, certificate, how to trust it) are
 * returned as `startupLines`; what it wrote on stderr while starting, and
 * every line it prints later, go to `onOutput`. `nodeArgs` are Node's own
 * options for the server process (say, `--cpu-prof`).
 */
export const startServer = ({
  dataDir,
  partnersFile,
  port = 0,
  host = "127.0.0.1",
  extraArgs = [],
  nodeArgs = [],
  env = process.env,
  startTimeoutMillis = 180_000,
  onOutput = (line, stream) => (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`)
}) =>
  new Promise((resolve, reject) => {
    const args = [...nodeArgs, serverBin, "--port", String(port), "--host", host, "--data", dataDir, "--partners", partnersFile, ...extraArgs]
    const child = spawn(process.execPath, args, { cwd: appDir, env, stdio: ["ignore", "pipe", "pipe"] })
    const exited = new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal })))
    const secure = !extraArgs.includes("--http")
    const stderrLines = []
    const startupLines = []
    let url
    let certificateFile
    let started = false

    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the server did not print "listening on" within ${startTimeoutMillis / 1000} s; it was stopped`))
    }, startTimeoutMillis)

    const stop = (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
    const maybeStarted = () => {
      if (started || url === undefined || (secure && certificateFile === undefined)) return
      started = true
      clearTimeout(timer)
      // Warnings the server wrote while starting are shown, not swallowed.
      for (const line of stderrLines) onOutput(line, "stderr")
      resolve({ url, certificateFile, startupLines, pid: child.pid, exited, stop })
    }

    // The server writes its start-up lines at once: the start is complete at the end of that chunk.
    eachLine(child.stdout, (line) => {
      if (started) return onOutput(line, "stdout")
      startupLines.push(line)
      const listening = /^listening on (\S+)/.exec(line)
      const certificate = /^certificate (\S+)/.exec(line)
      if (listening !== null) url = listening[1]
      if (certificate !== null) certificateFile = certificate[1]
    }, maybeStarted)
    eachLine(child.stderr, (line) => {
      if (started) return onOutput(line, "stderr")
      stderrLines.push(line)
    })
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(new Error(`cannot run ${serverBin}: ${error.message}`))
    })
    exited.then(({ code, signal }) => {
      if (started) return
      clearTimeout(timer)
      const said = stderrLines.join("\n").trim()
      const error = new Error(
        `the server stopped before listening (${signal ?? `exit status ${code}`})${said === "" ? "" : `:\n${said}`}`
      )
      error.exitCode = code
      reject(error)
    })
  })

/**
 * Runs the demo against a started server and resolves with its exit status
 * (0 as expected, 1 not, 2 usage) and, when `stdio` is "pipe", its output.
 * `NODE_EXTRA_CA_CERTS` is set to the server's certificate; `reportFile`,
 * when given, receives the JSON report.
 */
export const runDemo = ({ url, certificateFile, partnersFile, reportFile, stdio = "inherit", env = process.env }) =>
  new Promise((resolve, reject) => {
    const args = ["--import", "tsx", demoMain, "--url", url, "--partners", partnersFile, ...(reportFile === undefined ? [] : ["--report", reportFile])]
    const child = spawn(process.execPath, args, {
      cwd: appDir,
      stdio,
      env: certificateFile === undefined ? env : { ...env, NODE_EXTRA_CA_CERTS: certificateFile }
    })
    let output = ""
    for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += chunk))
    child.once("error", reject)
    child.once("exit", (code, signal) => resolve({ status: code ?? (signal === null ? 1 : 128), output }))
  })
