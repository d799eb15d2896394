/**
 * The server keeps an idle keep-alive connection open longer than Node's
 * clients keep theirs (5 s), so that a client reusing its connection after a
 * pause never writes to one the server is closing.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Listener from "../src/Listener.js"

describe("keep-alive", () => {
  const server = Listener.createServer(undefined)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  let url: URL
  beforeAll(async () => {
    server.on("request", (_request: http.IncomingMessage, response: http.ServerResponse) => response.end("ok"))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
  })
  afterAll(async () => {
    agent.destroy()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const get = () =>
    new Promise<{ readonly body: string; readonly reusedSocket: boolean; readonly keepAlive: unknown }>(
      (resolve, reject) => {
        const request = http.get(url, { agent }, (response) => {
          let body = ""
          response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk))
          response.on("end", () =>
            resolve({ body, reusedSocket: request.reusedSocket, keepAlive: response.headers["keep-alive"] }))
        })
        request.on("error", reject)
      }
    )

  it("keeps an idle connection past Node's client timeout of 5 s and says how long it keeps it", async () => {
    expect(Listener.keepAliveTimeoutMillis).toBeGreaterThan(5_000)
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout)
    const first = await get()
    expect(first).toMatchObject({ body: "ok", reusedSocket: false })
    expect(first.keepAlive).toBe(`timeout=${Listener.keepAliveTimeoutMillis / 1000}`)
    await new Promise((resolve) => setTimeout(resolve, 5_500))
    // With Node's default of 5 s the server would have closed this connection by now, and the request would not reuse it.
    expect(await get()).toMatchObject({ body: "ok", reusedSocket: true })
  }, 15_000)
})
