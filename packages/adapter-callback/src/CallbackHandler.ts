/**
 * Receiving callbacks over HTTP: verify, de-duplicate, run the partner's
 * handler, answer. Three forms over one core ({@link handle}):
 * - {@link toNodeHandler}: `(req, res)` for `node:http` (and Express, whose
 *   handlers have the same shape: mount it before any body parser);
 * - {@link toFetchHandler}: `(Request) => Promise<Response>` for Fetch-API
 *   runtimes and frameworks (Next.js route handlers, Hono, Bun, Deno,
 *   Cloudflare Workers);
 * - {@link toHttpApp}: an Effect `HttpApp` for `@effect/platform` servers.
 *
 * What the sender is told:
 * | answer | when | the sender |
 * |---|---|---|
 * | 200 `{"status":"accepted"}` | the handler succeeded (and only then) | stops |
 * | 200 `{"status":"duplicate"}` | this delivery id was handled before; the handler is not run again | stops |
 * | 400 | not JSON, a missing or malformed field or header, not a result object | retries, in vain: fix the sender |
 * | 401 | wrong key, body altered, timestamp outside the tolerance; the handler never runs | retries |
 * | 405 / 413 | not a POST / a body above the limit | retries |
 * | 409 | the same delivery is being handled right now | retries later |
 * | 500 | the handler failed (its claim is released, so the retry runs it again) | retries later |
 *
 * Bodies of answers are JSON: `{"status": ...}` or `{"error": <tag>, "message": <what is wrong>}`.
 * A handler failure is logged with its cause; its message is not sent back.
 */
import type * as NodeHttp from "node:http"
import { HttpIncomingMessage, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { SignerNode, SignerWebCrypto } from "@selfie-auth/adapter-signing"
import type { Signer } from "@selfie-auth/core"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Option } from "effect"
import { SeenDeliveries } from "./SeenDeliveries.js"
import {
  type CallbackRejected,
  type ReceivedCallback,
  type VerifiedCallback,
  verifyCallback,
  type VerifyOptions
} from "./VerifyCallback.js"

/** An answer to the sender: status and JSON body. */
export interface CallbackAnswer {
  readonly status: number
  readonly body: string
}

/** Callbacks are up to 1.5 MB (WIRE.md); bodies above this are refused with 413. */
export const defaultMaxBodyBytes = 2 * 1024 * 1024

const answer = (status: number, body: Readonly<Record<string, string>>): CallbackAnswer => ({
  status,
  body: JSON.stringify(body)
})

/** The status for a refused callback: 401 when authenticity failed, 400 when the request is malformed. */
export const statusOf = (error: CallbackRejected): number => {
  switch (error._tag) {
    case "WrongKey":
    case "BodyAltered":
    case "ClockSkew":
      return 401
    default:
      return 400
  }
}

/**
 * Verifies a received callback, claims its delivery id, runs `onResult` and
 * answers (see the module comment for the table). Never fails: every
 * outcome is an answer. The claim is completed only after `onResult`
 * succeeds and released when it fails or is interrupted.
 */
export const handle = <E, R>(
  request: ReceivedCallback,
  options: VerifyOptions,
  onResult: (callback: VerifiedCallback) => Effect.Effect<void, E, R>
): Effect.Effect<CallbackAnswer, never, R | Signer | SeenDeliveries> =>
  Effect.gen(function*() {
    const verified = yield* Effect.either(verifyCallback(request, options))
    if (verified._tag === "Left") {
      const error = verified.left
      yield* Effect.logWarning(`callback refused: ${error.message}`)
      return answer(statusOf(error), { error: error._tag, message: error.message })
    }
    const callback = verified.right
    const seen = yield* SeenDeliveries
    const claim = yield* seen.claim(callback.deliveryId)
    if (claim === "Done") return answer(200, { status: "duplicate", deliveryId: callback.deliveryId })
    if (claim === "InProgress") {
      return answer(409, {
        error: "InProgress",
        message: `delivery ${callback.deliveryId} is being handled by another request; retry later`
      })
    }
    // An interruption (the sender hung up, the server shuts down) must not leave the claim behind.
    const exit = yield* Effect.exit(onResult(callback)).pipe(Effect.onInterrupt(() => seen.release(callback.deliveryId)))
    if (Exit.isSuccess(exit)) {
      yield* seen.complete(callback.deliveryId)
      return answer(200, { status: "accepted", deliveryId: callback.deliveryId })
    }
    yield* seen.release(callback.deliveryId)
    yield* Effect.logError(`callback handler failed for delivery ${callback.deliveryId}`, exit.cause)
    return answer(500, {
      error: "HandlerFailed",
      message: `the handler failed for delivery ${callback.deliveryId}; retry later`
    })
  }).pipe(Effect.withSpan("CallbackHandler.handle"))

// ---------------------------------------------------------------------------
// Effect HttpApp

/**
 * The handler as an Effect `HttpApp`: mount it on a route of an
 * `@effect/platform` server. Needs `Signer` and `SeenDeliveries` from context.
 *
 * @example
 * const app = CallbackHandler.toHttpApp({ apiKey, partnerId: "001" }, (callback) =>
 *   Effect.log(`job ${callback.smileJobId}: ${callback.category}`))
 * HttpRouter.empty.pipe(HttpRouter.post("/smile/callback", app))
 */
export const toHttpApp = <E, R>(
  options: VerifyOptions & { readonly maxBodyBytes?: number },
  onResult: (callback: VerifiedCallback) => Effect.Effect<void, E, R>
): HttpApp.Default<never, R | Signer | SeenDeliveries> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const maxBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
    const result = yield* (request.method !== "POST"
      ? Effect.succeed(answer(405, { error: "MethodNotAllowed", message: "send the callback with POST" }))
      : request.arrayBuffer.pipe(
        HttpIncomingMessage.withMaxBodySize(Option.some(maxBytes)),
        Effect.flatMap((buffer) =>
          buffer.byteLength > maxBytes
            ? Effect.succeed(tooLarge(maxBytes))
            : handle({ body: new Uint8Array(buffer), headers: request.headers }, options, onResult)
        ),
        Effect.catchTag("RequestError", () => Effect.succeed(tooLarge(maxBytes)))
      ))
    return HttpServerResponse.text(result.body, { status: result.status, contentType: "application/json" })
  })

const tooLarge = (maxBytes: number) =>
  answer(413, { error: "PayloadTooLarge", message: `the body could not be read within ${maxBytes} bytes` })

// ---------------------------------------------------------------------------
// Promise-based forms

/** Options of the node:http and fetch-style handlers. */
export interface HandlerOptions extends VerifyOptions {
  /**
   * Where handled delivery ids are kept: `SeenDeliveries.layerMemory()` (one
   * process) by default; `SeenDeliveriesSql.layer()` with a SQL client for
   * several processes. Built once, for the handler's life.
   */
  readonly seenDeliveries?: Layer.Layer<SeenDeliveries, unknown>
  /** Bodies above this are refused with 413; 2 MiB by default. */
  readonly maxBodyBytes?: number
}

/** A handler with a way to release what it holds (the store's connections). */
export interface Disposable {
  readonly dispose: () => Promise<void>
}

const runtimeFor = (options: HandlerOptions, signer: Layer.Layer<Signer>) =>
  ManagedRuntime.make(Layer.mergeAll(signer, options.seenDeliveries ?? SeenDeliveries.layerMemory()))

const promiseHandler = (onResult: (callback: VerifiedCallback) => Promise<void> | void) => (callback: VerifiedCallback) =>
  Effect.tryPromise({ try: async () => onResult(callback), catch: (error) => error })

/**
 * The handler for `node:http` (`http.createServer(handler)`, or as an
 * Express route handler mounted before any body parser: the signature needs
 * the raw bytes). Verifies with `node:crypto`.
 *
 * @example
 * const handler = CallbackHandler.toNodeHandler(
 *   { apiKey: Redacted.make(process.env.SMILE_API_KEY!), partnerId: "001" },
 *   async (callback) => { await markJob(callback.partnerParams.jobId, callback.category) }
 * )
 * http.createServer(handler).listen(8080)
 */
export const toNodeHandler = (
  options: HandlerOptions,
  onResult: (callback: VerifiedCallback) => Promise<void> | void
): ((request: NodeHttp.IncomingMessage, response: NodeHttp.ServerResponse) => void) & Disposable => {
  const runtime = runtimeFor(options, SignerNode.layer)
  const maxBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
  const send = (response: NodeHttp.ServerResponse, result: CallbackAnswer) => {
    response.writeHead(result.status, { "content-type": "application/json" }).end(result.body)
  }
  const handler = (request: NodeHttp.IncomingMessage, response: NodeHttp.ServerResponse): void => {
    if (request.method !== "POST") {
      send(response, answer(405, { error: "MethodNotAllowed", message: "send the callback with POST" }))
      request.resume()
      return
    }
    const chunks: Array<Buffer> = []
    let size = 0
    let refused = false
    request.on("data", (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > maxBytes) {
        refused = true
        response.setHeader("connection", "close")
        send(response, tooLarge(maxBytes))
        return
      }
      chunks.push(chunk)
    })
    request.on("end", () => {
      if (refused) return
      const received = { body: new Uint8Array(Buffer.concat(chunks)), headers: request.headers }
      runtime.runPromise(handle(received, options, promiseHandler(onResult))).then(
        (result) => send(response, result),
        (defect: unknown) => {
          // Only a broken store or signer gets here; ask for a retry.
          console.error("callback handler defect", Cause.isCause(defect) ? Cause.pretty(defect) : defect)
          send(response, answer(500, { error: "InternalError", message: "the receiver failed; retry later" }))
        }
      )
    })
  }
  return Object.assign(handler, { dispose: () => runtime.dispose() })
}

/** Reads a Fetch body stream, stopping past `maxBytes`; `undefined` when it is larger. */
const readCapped = async (request: Request, maxBytes: number): Promise<Uint8Array | undefined> => {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN)
  if (declared > maxBytes) return undefined
  if (request.body === null) return new Uint8Array()
  const reader = request.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > maxBytes) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.length
  }
  return body
}

/**
 * The fetch-style handler, `(Request) => Promise<Response>`: a Next.js route
 * handler (`export const POST = handler`), Hono (`app.post(path, (c) =>
 * handler(c.req.raw))`), Bun/Deno `serve`, Cloudflare Workers. Verifies with
 * WebCrypto, so it needs no `node:crypto`.
 *
 * @example
 * const handler = CallbackHandler.toFetchHandler({ apiKey, partnerId: "001" }, async (callback) => {
 *   await db.results.insert({ job: callback.partnerParams.jobId, code: callback.resultCode })
 * })
 */
export const toFetchHandler = (
  options: HandlerOptions,
  onResult: (callback: VerifiedCallback) => Promise<void> | void
): ((request: Request) => Promise<Response>) & Disposable => {
  const runtime = runtimeFor(options, SignerWebCrypto.layer)
  const maxBytes = options.maxBodyBytes ?? defaultMaxBodyBytes
  const respond = (result: CallbackAnswer) =>
    new Response(result.body, { status: result.status, headers: { "content-type": "application/json" } })
  const handler = async (request: Request): Promise<Response> => {
    if (request.method !== "POST") {
      return respond(answer(405, { error: "MethodNotAllowed", message: "send the callback with POST" }))
    }
    const body = await readCapped(request, maxBytes)
    if (body === undefined) return respond(tooLarge(maxBytes))
    try {
      return respond(await runtime.runPromise(handle({ body, headers: request.headers }, options, promiseHandler(onResult))))
    } catch (defect) {
      console.error("callback handler defect", defect)
      return respond(answer(500, { error: "InternalError", message: "the receiver failed; retry later" }))
    }
  }
  return Object.assign(handler, { dispose: () => runtime.dispose() })
}
