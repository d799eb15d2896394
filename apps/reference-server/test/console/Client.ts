/** A small HTTPS client for the console tests: trusts only the server's CA, keeps no cookies unless told. */
import type * as http from "node:http"
import * as https from "node:https"
import { createHmac } from "node:crypto"

export interface Reply {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly text: string
  readonly body: Uint8Array
  readonly json: () => any
}

/** Reads a response whole into a {@link Reply}. */
const replyOf = (response: http.IncomingMessage, resolve: (reply: Reply) => void, reject: (error: Error) => void) => {
  const chunks: Array<Buffer> = []
  response.on("data", (chunk: Buffer) => chunks.push(chunk))
  response.on("end", () => {
    const bytes = Buffer.concat(chunks)
    const text = bytes.toString("utf8")
    resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body: new Uint8Array(bytes), json: () => JSON.parse(text) })
  })
  response.on("error", reject)
}

export const request = (
  ca: string,
  method: string,
  url: string,
  options: { readonly body?: string | Uint8Array; readonly headers?: Record<string, string> } = {}
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const body = options.body
    const outgoing = https.request(
      url,
      { method, ca, headers: { ...options.headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) } },
      (response) => replyOf(response, resolve, reject)
    )
    outgoing.on("error", reject)
    if (body !== undefined) outgoing.write(body)
    outgoing.end()
  })

/**
 * A POST whose body is sent as `parts`, one write each, without a
 * Content-Length (so chunked). A server that answers before the last part
 * may close the connection first: the client then sees the error.
 */
export const postChunked = (
  server: { readonly ca: string; readonly url: string },
  route: string,
  parts: ReadonlyArray<string>,
  headers: Record<string, string>
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const outgoing = https.request(`${server.url}${route}`, { method: "POST", ca: server.ca, headers }, (response) =>
      replyOf(response, resolve, reject))
    outgoing.on("error", reject)
    for (const part of parts) outgoing.write(part)
    outgoing.end()
  })

export const postJson = (server: { readonly ca: string; readonly url: string }, route: string, body: unknown) =>
  request(server.ca, "POST", `${server.url}${route}`, { body: JSON.stringify(body), headers: { "content-type": "application/json" } })

export const postForm = (
  server: { readonly ca: string; readonly url: string },
  route: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {}
) =>
  request(server.ca, "POST", `${server.url}${route}`, {
    body: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers }
  })

/** The partner's v1 signature, computed independently of the server's Signer (WIRE.md's formula). */
export const sign = (partnerId: string, apiKey: string, timestamp: string): string =>
  createHmac("sha256", apiKey).update(`${timestamp}${partnerId}sid_request`).digest("base64")

let lastUniqueMillis = 0

/**
 * Now, or a millisecond after the last moment this answered: each call a
 * timestamp of its own, so requests signed one after another never share a
 * signature (the admin API refuses a signature it has seen).
 */
export const uniqueTimestamp = (): string => {
  lastUniqueMillis = Math.max(Date.now(), lastUniqueMillis + 1)
  return new Date(lastUniqueMillis).toISOString()
}

export const signed = (partnerId: string, apiKey: string, at: Date = new Date()) => {
  const timestamp = at.toISOString()
  return { signature: sign(partnerId, apiKey, timestamp), timestamp }
}

export const prepUploadBody = (options: {
  readonly partnerId?: string
  readonly apiKey?: string
  readonly userId: string
  readonly jobId: string
  readonly jobType: 2 | 4
  readonly callbackUrl?: string | null
}) => ({
  callback_url: options.callbackUrl ?? null,
  file_name: "selfie.zip",
  model_parameters: {},
  partner_params: { user_id: options.userId, job_id: options.jobId, job_type: options.jobType },
  smile_client_id: options.partnerId ?? "001",
  use_enrolled_image: false,
  ...signed(options.partnerId ?? "001", options.apiKey ?? "test-api-key"),
  source_sdk: "rest_api",
  source_sdk_version: "1.0.0"
})

export const jobStatusBody = (options: { readonly userId: string; readonly jobId: string; readonly history?: boolean }) => ({
  user_id: options.userId,
  job_id: options.jobId,
  partner_id: "001",
  history: options.history ?? false,
  image_links: false,
  ...signed("001", "test-api-key")
})

/** The session cookie (`name=value`) of a sign-in answer. */
export const sessionCookieOf = (reply: Reply): string => {
  const header = reply.headers["set-cookie"]
  const line = (Array.isArray(header) ? header[0] : header) ?? ""
  return line.split(";")[0] ?? ""
}

/** The CSRF token in a console page. */
export const csrfOf = (page: string): string => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? ""

/** Polls until `check` answers a value, or fails after `timeoutMillis`. */
export const eventually = async <A>(check: () => Promise<A | undefined> | A | undefined, timeoutMillis = 10_000): Promise<A> => {
  const deadline = Date.now() + timeoutMillis
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMillis} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
