/**
 * Test-side handles on the crash-test child (`child/PipelineChild.ts`) and on
 * a real local callback receiver.
 */
import { spawn } from "node:child_process"
import type { ChildProcessWithoutNullStreams } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const workspaceRoot = path.resolve(here, "../../../..")
const tsx = path.join(workspaceRoot, "node_modules/.bin/tsx")
const childEntry = path.join(here, "child/PipelineChild.ts")
const childTsconfig = path.join(here, "child/tsconfig.json")

export type ChildEvent = { readonly event: string } & Record<string, unknown>

/** The state letter of a process in /proc (`R`, `S`, `T` stopped, `Z` zombie, ...), or `undefined` once it is gone. */
const processState = (pid: number): string | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
  } catch {
    return undefined
  }
}

const until = async (holds: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/**
 * A running child: send it commands, wait for its events, kill it.
 *
 * `tsx` runs the child's code in a process of its own, under the launcher
 * this class spawned; the child reports that process's id when ready, and
 * `kill`, `pause` and `resume` signal it directly (a signal to the launcher
 * would not reach it).
 */
export class PipelineChild {
  private readonly events: Array<ChildEvent> = []
  private serverPid: number | undefined
  private readonly waiters = new Set<() => void>()
  private stderr = ""
  readonly exited: Promise<number | null>

  private constructor(readonly process: ChildProcessWithoutNullStreams) {
    let buffered = ""
    process.stdout.setEncoding("utf8")
    process.stdout.on("data", (chunk: string) => {
      buffered += chunk
      let newline: number
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        if (line.startsWith("{")) this.events.push(JSON.parse(line) as ChildEvent)
        for (const wake of this.waiters) wake()
      }
    })
    process.stderr.setEncoding("utf8")
    process.stderr.on("data", (chunk: string) => (this.stderr += chunk))
    this.exited = new Promise((resolve) => process.on("exit", (code) => {
      for (const wake of this.waiters) wake()
      resolve(code)
    }))
  }

  /** Starts the child with the given `PIPELINE_*` environment and waits until it is ready. */
  static async start(environment: Record<string, string>): Promise<PipelineChild> {
    const child = new PipelineChild(
      spawn(tsx, ["--tsconfig", childTsconfig, childEntry], {
        env: { ...process.env, ...environment },
        stdio: ["pipe", "pipe", "pipe"]
      })
    )
    const ready = await child.waitFor((event) => event.event === "ready", 60_000)
    child.serverPid = ready.pid as number
    return child
  }

  /** Sends one command line. */
  send(command: Record<string, unknown>): void {
    this.process.stdin.write(`${JSON.stringify(command)}\n`)
  }

  /** The first event (seen or to come) that matches, or a rejection with the child's stderr after `timeoutMs`. */
  waitFor(matches: (event: ChildEvent) => boolean, timeoutMs = 30_000): Promise<ChildEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(matches)
        if (found !== undefined) {
          done()
          resolve(found)
        } else if (this.process.exitCode !== null || this.process.signalCode !== null) {
          done()
          reject(new Error(`the child exited before the event came; stderr:\n${this.stderr}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no matching event within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}; stderr:\n${this.stderr}`))
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
      check()
    })
  }

  /** Asks for a job's status until `accept` holds, and returns that status. */
  async pollStatus(
    job: Record<string, string>,
    accept: (status: { readonly _tag: string } & Record<string, unknown>) => boolean,
    timeoutMs = 30_000
  ): Promise<{ readonly _tag: string } & Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs
    for (let round = 0; Date.now() < deadline; round++) {
      const marker = this.events.length
      this.send({ cmd: "status", job })
      const event = await this.waitFor(
        (candidate) => candidate.event === "status" && this.events.indexOf(candidate) >= marker,
        Math.max(1, deadline - Date.now())
      )
      const status = event.status as { readonly _tag: string } & Record<string, unknown>
      if (accept(status)) return status
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`status never matched within ${timeoutMs} ms; stderr:\n${this.stderr}`)
  }

  /**
   * SIGKILL to the child's process, then to its launcher: no finalizer runs,
   * nothing is flushed (what was written stays in the operating system's
   * cache, as a killed server's writes do). Returns once the child is dead.
   */
  async kill(): Promise<void> {
    const pid = this.serverPid
    this.serverPid = undefined
    // Once the launcher has exited, so has the child (it waits for it), and its id may be another process's.
    const launcherRunning = this.process.exitCode === null && this.process.signalCode === null
    if (pid !== undefined && launcherRunning) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // already gone
      }
      await until(() => {
        const state = processState(pid)
        return state === undefined || state === "Z" || state === "X"
      }, `process ${pid} died`)
    }
    this.process.kill("SIGKILL")
    await this.exited
  }

  /** SIGSTOP to the child's process; returns once it is stopped (its files then hold still). */
  async pause(): Promise<void> {
    const pid = this.serverPid!
    process.kill(pid, "SIGSTOP")
    await until(() => processState(pid) === "T", `process ${pid} stopped`)
  }

  /** SIGCONT: the paused child goes on. */
  resume(): void {
    process.kill(this.serverPid!, "SIGCONT")
  }

  /** Closes stdin, on which the child exits normally. */
  async stop(): Promise<void> {
    this.process.stdin.end()
    await this.exited
  }
}

export interface Delivery {
  readonly deliveryId: string
  readonly status: number
  readonly body: unknown
  readonly at: number
}

/**
 * A partner's callback endpoint on a real local port. `respond` picks the
 * status for the n-th request (0-based); every request is recorded.
 */
export class CallbackReceiver {
  readonly deliveries: Array<Delivery> = []
  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(respond: (index: number) => number = () => 200): Promise<CallbackReceiver> {
    let receiver: CallbackReceiver | undefined
    const server = http.createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const status = respond(receiver!.deliveries.length)
        receiver!.deliveries.push({
          deliveryId: String(request.headers["webhook-id"]),
          status,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
          at: Date.now()
        })
        response.writeHead(status).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as AddressInfo
    receiver = new CallbackReceiver(server, `http://127.0.0.1:${port}/callback`)
    return receiver
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
