/**
 * The demo partner's callback endpoint: a `node:http` server on 127.0.0.1
 * that checks every POST with `VerifyCallback.verifyCallback` (v1 signature,
 * body-binding `webhook-signature` required, timestamps within 5 minutes)
 * and keeps every arrival, verified or not, so the demo can show both.
 *
 * It answers as a partner should: 200 only once a callback verified, 401
 * when authenticity failed, 400 when the request is malformed (the server
 * then retries). A delivery id seen before is answered 200 and recorded as a
 * duplicate.
 */
import { CallbackHandler, VerifyCallback } from "@selfie-auth/adapter-callback"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { Effect, Either, Redacted } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** One POST that reached the endpoint. */
export type Arrival =
  | {
    readonly _tag: "Verified"
    readonly receivedAt: number
    readonly callback: VerifyCallback.VerifiedCallback
    /** Whether this delivery id had been received (and verified) before. */
    readonly duplicate: boolean
  }
  | {
    readonly _tag: "Refused"
    readonly receivedAt: number
    /** The `VerifyCallback` error tag, e.g. `WrongKey`. */
    readonly reason: string
    readonly message: string
    readonly status: number
  }

export interface CallbackReceiver {
  /** `http://127.0.0.1:<port>/callbacks`: the URL to give at prep upload. */
  readonly url: string
  /** Every arrival so far, in order. */
  readonly arrivals: () => ReadonlyArray<Arrival>
  /** Resolves with the first verified callback of `jobId` (already arrived or yet to come); rejects after `timeoutMillis`. */
  readonly waitForJob: (jobId: string, timeoutMillis: number) => Promise<VerifyCallback.VerifiedCallback>
  readonly close: () => Promise<void>
}

/** Callbacks are at most 1.5 MB (WIRE.md). */
const maxBodyBytes = CallbackHandler.defaultMaxBodyBytes

/** Starts the receiver for one partner's credentials. */
export const start = async (credentials: { readonly partnerId: string; readonly apiKey: string }): Promise<CallbackReceiver> => {
  const arrivals: Array<Arrival> = []
  const seen = new Set<string>()
  const waiters = new Set<{ readonly jobId: string; readonly resolve: (callback: VerifyCallback.VerifiedCallback) => void }>()
  const options: VerifyCallback.VerifyOptions = {
    partnerId: credentials.partnerId,
    apiKey: Redacted.make(credentials.apiKey),
    // This project's server always binds the body; a callback without it is not ours.
    requireBodySignature: true
  }

  const verify = (body: Uint8Array, headers: http.IncomingHttpHeaders) =>
    Effect.runPromise(
      VerifyCallback.verifyCallback({ body, headers }, options).pipe(Effect.either, Effect.provide(SignerNode.layer))
    )

  const record = (arrival: Arrival) => {
    arrivals.push(arrival)
    if (arrival._tag !== "Verified") return
    for (const waiter of waiters) {
      if (waiter.jobId === arrival.callback.partnerParams.jobId) {
        waiters.delete(waiter)
        waiter.resolve(arrival.callback)
      }
    }
  }

  const reply = (response: http.ServerResponse, status: number, body: Readonly<Record<string, string>>) => {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
  }

  const server = http.createServer((request, response) => {
    if (request.method !== "POST") {
      request.resume()
      return reply(response, 405, { error: "MethodNotAllowed", message: "send callbacks with POST" })
    }
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBodyBytes) chunks.push(chunk)
    })
    request.on("end", () => {
      const receivedAt = Date.now()
      if (size > maxBodyBytes) {
        record({ _tag: "Refused", receivedAt, reason: "TooLarge", message: `body of ${size} bytes`, status: 413 })
        return reply(response, 413, { error: "TooLarge", message: `callbacks are at most ${maxBodyBytes} bytes` })
      }
      verify(new Uint8Array(Buffer.concat(chunks)), request.headers).then(
        (verified) => {
          if (Either.isLeft(verified)) {
            const status = CallbackHandler.statusOf(verified.left)
            record({ _tag: "Refused", receivedAt, reason: verified.left._tag, message: verified.left.message, status })
            return reply(response, status, { error: verified.left._tag, message: verified.left.message })
          }
          const duplicate = seen.has(verified.right.deliveryId)
          seen.add(verified.right.deliveryId)
          record({ _tag: "Verified", receivedAt, callback: verified.right, duplicate })
          reply(response, 200, { status: duplicate ? "duplicate" : "accepted" })
        },
        (defect: unknown) => {
          const message = defect instanceof Error ? defect.message : String(defect)
          record({ _tag: "Refused", receivedAt, reason: "ReceiverDefect", message, status: 500 })
          reply(response, 500, { error: "ReceiverDefect", message })
        }
      )
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/callbacks`,
    arrivals: () => [...arrivals],
    waitForJob: (jobId, timeoutMillis) => {
      const arrived = arrivals.find((arrival) => arrival._tag === "Verified" && arrival.callback.partnerParams.jobId === jobId)
      if (arrived?._tag === "Verified") return Promise.resolve(arrived.callback)
      return new Promise((resolve, reject) => {
        const waiter = { jobId, resolve: (callback: VerifyCallback.VerifiedCallback) => (clearTimeout(timer), resolve(callback)) }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`no verified callback for job ${jobId} within ${timeoutMillis / 1000} s`))
        }, timeoutMillis)
        waiters.add(waiter)
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
