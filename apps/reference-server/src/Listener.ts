/**
 * The listening socket: an `https.Server` (or `http.Server` with `--http`),
 * the `HttpServer` the Effect app is served on ({@link layer}), the direct
 * routes in front of that app ({@link DirectRoutes}), and the graceful drain.
 *
 * Each request goes to the direct route registered for its method and path
 * (`POST /v1/job_status`), else to the Effect app (`HttpApiBuilder.serve`
 * through `NodeHttpServer.makeHandler`). A direct route answers the same as
 * the app would; it exists because the app's per-request machinery costs
 * several times the work of the hottest endpoint (decision 0015).
 *
 * Draining (on SIGTERM or SIGINT): stop accepting connections, close idle
 * keep-alive connections, let in-flight requests finish (each one's
 * connection is closed as soon as its response is written), and after
 * `deadlineMillis` close whatever is left. Only then do the services behind
 * the handlers (stores, pipeline) shut down.
 */
import { HttpServer, HttpServerError } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import type * as net from "node:net"
import type { TlsMaterial } from "./Tls.js"

/**
 * How long an idle keep-alive connection is kept open. Longer than the 5 s
 * after which Node's own clients (the default agent since Node 19, hence the
 * Node SDK) drop an idle socket, so that the client closes first: with equal
 * timeouts a client polling every few seconds can send its next request on a
 * connection the server is closing at that moment, and read a reset.
 */
export const keepAliveTimeoutMillis = 65_000

/** The Node server for a TLS choice. */
export const createServer = (tls: TlsMaterial | undefined): http.Server => {
  const server = tls === undefined
    ? http.createServer()
    : // An https.Server is an http.Server for every purpose NodeHttpServer has (request/upgrade events, listen, close).
      (https.createServer({ cert: tls.cert, key: tls.key }) as unknown as http.Server)
  server.keepAliveTimeout = keepAliveTimeoutMillis
  // A request's headers may take a little longer than the connection may idle (Node's advice for this pairing).
  server.headersTimeout = keepAliveTimeoutMillis + 1_000
  const responses = new Set<http.ServerResponse>()
  openResponses.set(server, responses)
  server.on("request", (_request: http.IncomingMessage, response: http.ServerResponse) => {
    responses.add(response)
    response.once("close", () => responses.delete(response))
  })
  return server
}

/**
 * The responses not yet closed, per server made by {@link createServer}:
 * what {@link drain} must let finish. Node tracks its connections but does
 * not say which of them has a response on the way.
 */
const openResponses = new WeakMap<http.Server, Set<http.ServerResponse>>()

/** A route node:http serves directly, in front of the Effect app: one method and one path (query strings aside). */
export interface DirectRoute {
  readonly method: string
  readonly path: string
  /** Answers the request; owns the response from here on (it must always end it). */
  readonly handle: (request: http.IncomingMessage, response: http.ServerResponse) => void
}

/** Where routes are put in front of the Effect app; a route is removed when the scope that added it closes. */
export class DirectRoutes extends Context.Tag("@selfie-auth/reference-server/DirectRoutes")<DirectRoutes, {
  readonly add: (route: DirectRoute) => Effect.Effect<void, never, Scope.Scope>
}>() {}

const routeKey = (method: string, path: string) => `${method} ${path}`

/** The path of a request target (`/v1/job_status?x` -> `/v1/job_status`). */
const pathOf = (url: string): string => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

/**
 * Listens with `server` (port 0 gets a free port) and provides what
 * `NodeHttpServer.layer` provides (the `HttpServer` the app is served on,
 * the platform services), plus {@link DirectRoutes}. The server is closed
 * when the layer's scope closes; drain it first ({@link drain}).
 */
export const layer = (
  server: http.Server,
  options: net.ListenOptions
): Layer.Layer<
  HttpServer.HttpServer | DirectRoutes | Layer.Layer.Success<typeof NodeHttpServer.layerContext>,
  HttpServerError.ServeError
> => {
  const routes = new Map<string, DirectRoute>()
  let app: ((request: http.IncomingMessage, response: http.ServerResponse) => void) | undefined
  const dispatch = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const route = routes.size === 0 ? undefined : routes.get(routeKey(request.method ?? "", pathOf(request.url ?? "")))
    if (route !== undefined) return route.handle(request, response)
    if (app !== undefined) return app(request, response)
    response.writeHead(503, { "content-type": "text/plain" }).end("starting")
  }
  const listening = Effect.gen(function*() {
    yield* Effect.acquireRelease(
      Effect.async<void, HttpServerError.ServeError>((resume) => {
        const onError = (cause: unknown) => resume(Effect.fail(new HttpServerError.ServeError({ cause })))
        server.on("error", onError)
        server.listen(options, () => {
          server.off("error", onError)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          if (!server.listening) return resume(Effect.void)
          server.close(() => resume(Effect.void))
        })
    )
    server.on("request", dispatch)
    yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", dispatch)))
    const address = server.address()
    const httpServer = HttpServer.make({
      address: typeof address === "string" || address === null
        ? { _tag: "UnixAddress", path: String(address) }
        : { _tag: "TcpAddress", hostname: address.address === "::" ? "0.0.0.0" : address.address, port: address.port },
      serve: (httpApp, middleware) =>
        Effect.gen(function*() {
          const handler = yield* (middleware === undefined
            ? NodeHttpServer.makeHandler(httpApp)
            : NodeHttpServer.makeHandler(httpApp, middleware))
          app = handler
          yield* Effect.addFinalizer(() => Effect.sync(() => (app = app === handler ? undefined : app)))
        })
    })
    const directRoutes = DirectRoutes.of({
      add: (route) =>
        Effect.acquireRelease(
          Effect.sync(() => routes.set(routeKey(route.method, route.path), route)),
          () => Effect.sync(() => routes.delete(routeKey(route.method, route.path)))
        ).pipe(Effect.asVoid)
    })
    return Context.make(HttpServer.HttpServer, httpServer).pipe(Context.add(DirectRoutes, directRoutes))
  })
  return Layer.merge(Layer.scopedContext(listening), NodeHttpServer.layerContext)
}

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
 *
 * Each connection is closed once its response is flushed, never before:
 * Node's `closeIdleConnections` destroys a connection whose response was
 * ended but not yet written out (a large answer to a slow reader would lose
 * its tail), so it runs only once, inside `close`, after such responses
 * have flushed. A response still being prepared goes out with
 * `Connection: close` where its head is not yet written, and every
 * connection with a response on the way is ended when that response
 * finishes.
 */
export const drain = (server: http.Server, deadlineMillis: number): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const closeAfterResponse = (response: http.ServerResponse) => {
      // Flushed already: its connection is idle, and `close` closes it.
      if (response.writableFinished) return
      // Makes the answer say `Connection: close`, unless its head is already written or stored (`writeHead`).
      if (!response.headersSent) response.shouldKeepAlive = false
      // Taken now: Node detaches a kept-alive socket from its response when the response finishes.
      const socket = response.socket
      response.once("finish", () => endWhenFlushed(socket))
    }
    const onRequest = (_request: http.IncomingMessage, response: http.ServerResponse) => closeAfterResponse(response)
    server.prependListener("request", onRequest)
    const open = [...(openResponses.get(server) ?? [])]
    for (const response of open) closeAfterResponse(response)
    const deadline = setTimeout(() => server.closeAllConnections(), deadlineMillis)
    const done = () => {
      clearTimeout(deadline)
      server.off("request", onRequest)
      resume(Effect.void)
    }
    if (!server.listening) return done()
    const close = () => {
      server.close(() => done())
    }
    const unflushed = open.filter((response) => response.writableEnded && !response.writableFinished)
    let waiting = unflushed.length
    if (waiting === 0) return close()
    for (const response of unflushed) {
      response.once("close", () => {
        if (--waiting === 0) close()
      })
    }
  }).pipe(Effect.withSpan("Listener.drain"))

/**
 * Ends a connection once what was written to it is out (Node's own way for
 * `Connection: close`, which has already begun it when the answer said so).
 */
const endWhenFlushed = (socket: net.Socket | null) => {
  if (socket === null || socket.destroyed || socket.writableEnded) return
  socket.end(() => socket.destroy())
}
