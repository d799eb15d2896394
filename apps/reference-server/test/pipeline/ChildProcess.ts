/**
 * Test-side handles on the crash-test child (`child/PipelineChild.ts`) and on
 * a real local callback receiver.
 */
import { spawn } from "node:child_process"
import type { ChildProcessWithoutNullStreams } from "node:child_process"
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

/** A running child: send it commands, wait for its events, kill it. */
export class PipelineChild {
  private readonly events: Array<ChildEvent> = []
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
    await child.waitFor((event) => event.event === "ready", 60_000)
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

  /** SIGKILL: no finalizer runs, nothing is flushed, as in a power cut. */
  async kill(): Promise<void> {
    this.process.kill("SIGKILL")
    await this.exited
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
