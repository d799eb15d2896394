/**
 * Draining (`Listener.drain`, what SIGTERM runs): every response in flight
 * when it starts goes out whole, every connection is closed once its
 * response is out, and only a connection still busy at the deadline is cut.
 */
import { Duration, Effect } from "effect"
import * as http from "node:http"
import type * as net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import * as Listener from "../src/Listener.js"

/** Larger than what loopback socket buffers hold, so a reader that waits leaves most of it unwritten. */
const bigBytes = 48 * 1024 * 1024

interface Answer {
  readonly status: number
  readonly bytes: number
  readonly connection: string | undefined
  /** Whether the response arrived whole (not cut with the connection). */
  readonly complete: boolean
  /** The client's socket, kept alive by the agent after the answer. */
  readonly socket: net.Socket
}

const servers: Array<http.Server> = []
const agents: Array<http.Agent> = []

afterEach(() => {
  for (const server of servers.splice(0)) server.closeAllConnections()
  for (const agent of agents.splice(0)) agent.destroy()
})

/** A server from `Listener.createServer` with the given handler, listening on a loopback port. */
const listen = async (handler: (request: http.IncomingMessage, response: http.ServerResponse) => void) => {
  const server = Listener.createServer(undefined)
  server.on("request", handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  servers.push(server)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  agents.push(agent)
  return { server, agent, url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }
}

/** GETs `path`; `beforeReading` runs once the headers are in and holds the body back until it settles. */
const get = (
  target: { readonly url: string; readonly agent: http.Agent },
  path: string,
  beforeReading: () => Promise<unknown> = () => Promise.resolve()
) =>
  new Promise<Answer>((resolve, reject) => {
    const request = http.get(`${target.url}${path}`, { agent: target.agent }, (response) => {
      response.pause()
      const socket = response.socket
      let bytes = 0
      response.on("data", (chunk: Buffer) => (bytes += chunk.length))
      const finish = () =>
        resolve({
          status: response.statusCode ?? 0,
          bytes,
          connection: response.headers.connection,
          complete: response.complete,
          socket
        })
      response.on("end", finish)
      response.on("aborted", finish)
      response.on("error", finish)
      void beforeReading().then(() => response.resume())
    })
    request.on("error", reject)
  })

const drain = (server: http.Server, deadlineMillis: number) =>
  Effect.runPromise(Listener.drain(server, deadlineMillis).pipe(Effect.timed)).then(([elapsed]) => ({
    millis: Duration.toMillis(elapsed)
  }))

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/**
 * Sends a GET that `answer` handles, and starts draining once the request is
 * in the handler: the answer the client read, the drain's duration, the server.
 */
const drainDuring = async (answer: (response: http.ServerResponse) => void, deadlineMillis = 10_000) => {
  let started: () => void = () => {}
  const arrived = new Promise<void>((resolve) => (started = resolve))
  const target = await listen((_request, response) => {
    answer(response)
    started()
  })
  const answered = get(target, "/in-flight")
  await arrived
  return { answer: answered, drained: drain(target.server, deadlineMillis), server: target.server }
}

describe("Listener.drain", () => {
  it("lets a large response that was already ended reach a slow reader whole before closing", async () => {
    const target = await listen((_request, response) => response.end(Buffer.alloc(bigBytes, 1)))
    let drained: Promise<{ millis: number }> | undefined
    const answer = await get(target, "/big", async () => {
      // The response is ended but most of it is still unwritten: drain now, read a little later.
      drained = drain(target.server, 10_000)
      await sleep(200)
    })
    expect(answer).toMatchObject({ status: 200, bytes: bigBytes, complete: true })
    expect((await drained!).millis).toBeLessThan(10_000)
    expect(target.server.listening).toBe(false)
  }, 30_000)

  it("closes an idle keep-alive connection at once instead of waiting for the deadline", async () => {
    const target = await listen((_request, response) => response.end("ok"))
    const first = await get(target, "/")
    expect(first).toMatchObject({ status: 200, complete: true })
    expect(first.connection).toBe("keep-alive")
    const closed = new Promise<void>((resolve) =>
      first.socket.destroyed ? resolve() : first.socket.once("close", () => resolve())
    )
    const { millis } = await drain(target.server, 10_000)
    await closed
    expect(millis).toBeLessThan(5_000)
  })

  it("answers a request still being prepared with Connection: close, then closes", async () => {
    const { answer, drained } = await drainDuring((response) => setTimeout(() => response.end("late"), 300))
    expect(await answer).toMatchObject({ status: 200, bytes: 4, complete: true, connection: "close" })
    expect((await drained).millis).toBeLessThan(5_000)
  })

  it("ends the connection of a response whose headers were out when draining began, once it finishes", async () => {
    const { answer, drained, server } = await drainDuring((response) => {
      response.writeHead(200, { "content-type": "text/plain" })
      response.write("first ")
      setTimeout(() => response.end("last"), 300)
    })
    // Sent with keep-alive before the drain; the drain closes the connection after the last chunk.
    expect(await answer).toMatchObject({ status: 200, bytes: 10, complete: true, connection: "keep-alive" })
    expect((await drained).millis).toBeLessThan(5_000)
    expect(server.listening).toBe(false)
  })

  it("ends the connection of a response whose head was stored (writeHead) before draining, once it finishes", async () => {
    const { answer, drained, server } = await drainDuring((response) => {
      response.writeHead(200, { "content-type": "text/plain" })
      setTimeout(() => response.end("done"), 300)
    })
    expect(await answer).toMatchObject({ status: 200, bytes: 4, complete: true })
    // Not held open until the deadline.
    expect((await drained).millis).toBeLessThan(5_000)
    expect(server.listening).toBe(false)
  })

  it("cuts a request still unanswered at the deadline, and completes", async () => {
    const { answer, drained, server } = await drainDuring(() => {}, 500)
    const failure = answer.catch((error: NodeJS.ErrnoException) => error.code)
    const { millis } = await drained
    expect(millis).toBeGreaterThanOrEqual(450)
    expect(await failure).toBe("ECONNRESET")
    expect(server.listening).toBe(false)
  })
})
