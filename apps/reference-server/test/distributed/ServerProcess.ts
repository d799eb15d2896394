/**
 * The `selfie-auth-server` command as a child process on the product's
 * backend (`SELFIE_AUTH_TEST_PRODUCT=1`: the real face engine, SQL stores,
 * sealed blobs, the durable pipeline), exactly as `main.ts` wires it.
 */
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const support = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "support", "child")

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` from the `listening on` line. */
  readonly url: string
  /** Everything the server wrote to stderr so far. */
  readonly stderr: () => string
  /** SIGTERM, then the exit status. */
  readonly stop: () => Promise<number | null>
}

/** Starts the server with these arguments and environment; resolves once it listens, rejects if it exits first. */
export const start = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    // Node itself with tsx's loader (not the tsx CLI, which relays signals through a parent process).
    const child = spawn(process.execPath, ["--import", "tsx", path.join(support, "ServerChild.ts"), ...args], {
      cwd: path.resolve(support, "..", "..", ".."),
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(support, "tsconfig.json"), SELFIE_AUTH_TEST_PRODUCT: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      const listening = /^listening on (\S+)$/m.exec(stdout)
      if (listening?.[1] !== undefined) {
        resolve({
          url: listening[1],
          stderr: () => stderr,
          stop: () => {
            child.kill("SIGTERM")
            return exited
          }
        })
      }
    })
    void exited.then((code) => reject(new Error(`the server exited with ${code} before listening:\n${stderr}`)))
  })
