/**
 * The partner side of the upload: `PUT` a job zip to the pre-signed URL a prep
 * upload answered (`upload_url`). The URL carries its own authorisation (an S3
 * pre-signed query string on the hosted API), so the request has no auth
 * header and the URL is used exactly as received.
 *
 * What the request looks like (WIRE.md, "Flow"; Node SDK PR #51): the zip
 * bytes as the body, `Content-Type: application/zip` (a pre-signed URL may
 * sign it, and S3 refuses a different one) and an explicit `Content-Length`.
 *
 * What counts as success: any 2xx. The official Node SDK accepts only 200 and
 * reports 201/204 as failures although the object was stored; a client should
 * be lenient, so this one is. 4xx means the URL or the request is wrong
 * (expired signature, wrong content type, too large) and is not retried;
 * network failures and 5xx are retried on a bounded {@link Schedule}, which is
 * safe because a PUT of the same bytes to the same key is idempotent.
 *
 * Runs on any `HttpClient` (`FetchHttpClient.layer` in browsers, Deno, Bun and
 * Node), so it needs no AWS SDK: the pre-signing happened on the server.
 *
 * @example
 * import { ZipUpload } from "@selfie-auth/adapter-s3"
 * import { FetchHttpClient } from "@effect/platform"
 * ZipUpload.put({ url: prep.uploadUrl, zip }).pipe(Effect.provide(FetchHttpClient.layer))
 */
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Schedule, Schema } from "effect"

/**
 * Why an upload failed, with what to do in `message`:
 * - `Rejected`: a 4xx; not retried (the URL expired, the content type or size
 *   was refused). Ask for a new upload URL with a new prep upload.
 * - `ServerError`: 5xx on every attempt.
 * - `Network`: no response on every attempt (DNS, connection, TLS, timeout).
 * - `InvalidUrl`: the upload URL is not an absolute http(s) URL.
 */
export class ZipUploadFailed extends Schema.TaggedError<ZipUploadFailed>()("ZipUploadFailed", {
  reason: Schema.Literal("Rejected", "ServerError", "Network", "InvalidUrl"),
  /** The upload URL without its query string (which holds the pre-signed credentials). */
  url: Schema.String,
  /** The HTTP status of the last answer, when there was one. */
  status: Schema.optional(Schema.Number),
  /** The first 300 characters of the last answer's body (S3 answers XML with a `<Code>`). */
  responseExcerpt: Schema.optional(Schema.String),
  /** How many PUTs were made. */
  attempts: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** What to send and how hard to try. */
export interface PutOptions {
  /** `upload_url` of the prep upload answer, used exactly as received. */
  readonly url: string
  readonly zip: Uint8Array
  /**
   * When to try again after a network failure or a 5xx. Default
   * {@link defaultRetrySchedule}: up to 3 retries, 500 ms then doubling.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, ZipUploadFailed>
  /** How long one attempt may take before it counts as a network failure. Default 60 s. */
  readonly attemptTimeout?: Duration.DurationInput
}

/** Up to 3 retries after the first attempt, waiting 0.5 s, 1 s, 2 s. */
export const defaultRetrySchedule: Schedule.Schedule<unknown, ZipUploadFailed> = Schedule.exponential("500 millis").pipe(
  Schedule.intersect(Schedule.recurs(3))
)

/** The URL with its query string and fragment cut off: safe to log, since the query holds the pre-signature. */
export const redactUrl = (url: string): string => url.replace(/[?#].*$/s, "")

/** Whether a failure is worth another attempt: network failures and 5xx answers. */
export const isTransient = (error: ZipUploadFailed): boolean => error.reason === "ServerError" || error.reason === "Network"

/**
 * PUTs the zip once per attempt until a 2xx, a 4xx, or the retry schedule
 * ends. Succeeds with the status of the accepted answer.
 */
export const put = Effect.fn("ZipUpload.put")(function*(options: PutOptions) {
  const client = yield* HttpClient.HttpClient
  const shownUrl = redactUrl(options.url)
  if (!/^https?:\/\/[^\s/?#]+/i.test(options.url)) {
    return yield* new ZipUploadFailed({
      reason: "InvalidUrl",
      url: shownUrl,
      attempts: 0,
      detail: `The upload URL ${JSON.stringify(shownUrl.slice(0, 80))} is not an absolute http(s) URL; use upload_url from the prep upload answer as it is.`
    })
  }
  const request = HttpClientRequest.put(options.url).pipe(
    HttpClientRequest.setBody(HttpBody.uint8Array(options.zip, "application/zip")),
    HttpClientRequest.setHeader("Content-Length", String(options.zip.byteLength))
  )
  let attempts = 0
  const attempt = Effect.gen(function*() {
    attempts += 1
    const response = yield* client.execute(request).pipe(
      Effect.timeoutFail({
        duration: options.attemptTimeout ?? Duration.seconds(60),
        onTimeout: () => "timed out" as const
      }),
      Effect.mapError((error) =>
        new ZipUploadFailed({
          reason: "Network",
          url: shownUrl,
          attempts,
          detail: `The zip could not be sent to ${shownUrl} (${error === "timed out" ? "no answer in time" : error.message}); check the network, then retry.`
        })
      )
    )
    if (response.status >= 200 && response.status < 300) return response.status
    const excerpt = yield* response.text.pipe(
      Effect.map((text) => text.slice(0, 300)),
      Effect.orElseSucceed(() => "")
    )
    const clientError = response.status < 500
    return yield* new ZipUploadFailed({
      reason: clientError ? "Rejected" : "ServerError",
      url: shownUrl,
      status: response.status,
      responseExcerpt: excerpt,
      attempts,
      detail: clientError
        ? `The upload URL refused the zip with HTTP ${response.status}${describeS3Code(excerpt)}; the URL may have expired or been used already: make a new prep upload (a new job_id) and upload again.`
        : `The upload server failed with HTTP ${response.status} on every attempt (${attempts}); retry later.`
    })
  })
  return yield* attempt.pipe(
    Effect.retry({ schedule: options.retrySchedule ?? defaultRetrySchedule, while: isTransient })
  )
})

/** ` (S3: AccessDenied: Request has expired)` from an S3 XML error body, or `""`. */
const describeS3Code = (body: string): string => {
  const code = /<Code>([^<]{1,64})<\/Code>/.exec(body)?.[1]
  const message = /<Message>([^<]{1,160})<\/Message>/.exec(body)?.[1]
  return code === undefined ? "" : ` (S3: ${code}${message === undefined ? "" : `: ${message}`})`
}
