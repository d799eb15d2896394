/**
 * The listening socket: an `https.Server` (or `http.Server` with `--http`)
 * that `NodeHttpServer.layer` serves on, and its graceful drain.
 *
 * Draining (on SIGTERM or SIGINT): stop accepting connections, close idle
 * keep-alive connections, let in-flight requests finish (each one's
 * connection is closed as soon as its response is written), and after
 * `deadlineMillis` close whatever is left. Only then do the services behind
 * the handlers (stores, pipeline) shut down.
 */
import { Effect } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import type { TlsMaterial } from "./Tls.js"

/** The Node server for a TLS choice. */
export const createServer = (tls: TlsMaterial | undefined): http.Server =>
  tls === undefined
    ? http.createServer()
    : // An https.Server is an http.Server for every purpose NodeHttpServer has (request/upgrade events, listen, close).
      (https.createServer({ cert: tls.cert, key: tls.key }) as unknown as http.Server)

/** The URL a listening server is reached at (IPv6 hosts bracketed; the wildcard shown as a loopback name). */
export const listeningUrl = (server: http.Server, secure: boolean): string => {
  const address = server.address()
  if (address === null || typeof address === "string") return String(address)
  const host = address.address === "0.0.0.0" || address.address === "::"
    ? "localhost"
    : address.family === "IPv6"
      ? `[${address.address}]`
      : address.address
  return `${secure ? "https" : "http"}://${host}:${address.port}`
}

/**
 * Stops accepting, lets in-flight requests finish and closes every
 * connection; completes when the server is closed. Connections still busy at
 * the deadline are cut.
 */
export const drain = (server: http.Server, deadlineMillis: number): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    // A response written while draining closes its connection instead of keeping it alive.
    const closeAfterResponse = (_request: http.IncomingMessage, response: http.ServerResponse) => {
      response.shouldKeepAlive = false
    }
    server.prependListener("request", closeAfterResponse)
    const sweep = setInterval(() => server.closeIdleConnections(), 50)
    const deadline = setTimeout(() => server.closeAllConnections(), deadlineMillis)
    const done = () => {
      clearInterval(sweep)
      clearTimeout(deadline)
      resume(Effect.void)
    }
    if (!server.listening) return done()
    server.close(() => done())
    server.closeIdleConnections()
  }).pipe(Effect.withSpan("Listener.drain"))
