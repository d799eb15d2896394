/**
 * A real partner endpoint on `node:http` (127.0.0.1, a free port) for
 * delivery tests: it records every request it receives and answers with
 * whatever the test's `respond` function does.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

export interface ReceivedRequest {
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

export type Responder = (request: ReceivedRequest, index: number, response: Http.ServerResponse) => void

export interface PartnerEndpoint {
  readonly url: string
  readonly port: number
  readonly received: Array<ReceivedRequest>
}

const listen = (server: Http.Server, port: number) =>
  Effect.async<number>((resume) => {
    server.listen(port, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
  })

/** Starts the endpoint for the scope (on `port`, or a free one); closes it and its connections at the end. */
export const partnerEndpoint = (respond: Responder, port = 0) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const received: Array<ReceivedRequest> = []
      const server = Http.createServer((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const entry = { headers: request.headers, body: Buffer.concat(chunks).toString("utf8") }
          received.push(entry)
          respond(entry, received.length - 1, response)
        })
      })
      const boundPort = yield* listen(server, port)
      return { server, endpoint: { url: `http://127.0.0.1:${boundPort}/smile/callback`, port: boundPort, received } }
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ endpoint }) => endpoint as PartnerEndpoint))

/** A port nothing listens on (bound once, then released). */
export const freePort = Effect.async<number>((resume) => {
  const server = Http.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

export const status = (code: number, body = ""): Responder => (_request, _index, response) => {
  response.writeHead(code, { "content-type": "text/plain" }).end(body)
}
