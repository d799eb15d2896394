/**
 * The routes beside the v1 API: the zip `PUT` at a signed upload URL, the
 * expiring image links of job_status, and `/health`. Mounted on the same
 * router as `V1Api` (`HttpApiBuilder.Router`).
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { BlobStore, JobStore, Signer, UploadTarget, UseCases, ZipCodec } from "@selfie-auth/core"
import { Effect, Either, Stream } from "effect"
import { HttpSettings } from "./HttpSettings.js"
import { imagePathPrefix, selfieOf } from "./ImageLinks.js"
import { KeyedLock } from "./KeyedLock.js"
import { JobPipeline } from "./pipeline/JobPipeline.js"
import { problem, v1Error } from "./Responses.js"
import { uploadPathPrefix } from "./UploadTargetHmac.js"

/** The body has more bytes than allowed. */
class BodyTooLarge {
  readonly _tag = "BodyTooLarge"
}

/**
 * Reads a request body into memory up to `maxBytes`. A longer body is
 * refused, but read on (and thrown away) up to twice the limit, so that a
 * client still sending gets to read the 413 instead of a reset connection;
 * past that the connection is cut.
 */
const readBodyCapped = (request: HttpServerRequest.HttpServerRequest, maxBytes: number) =>
  Stream.runFoldEffect(
    request.stream,
    { chunks: [] as Array<Uint8Array>, size: 0 },
    (acc, chunk) => {
      const size = acc.size + chunk.length
      if (size > 2 * maxBytes) return Effect.fail(new BodyTooLarge())
      if (size <= maxBytes) acc.chunks.push(chunk)
      return Effect.succeed({ chunks: acc.chunks, size })
    }
  ).pipe(Effect.flatMap(({ chunks, size }) => {
    if (size > maxBytes) return Effect.fail(new BodyTooLarge())
    const body = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      body.set(chunk, offset)
      offset += chunk.length
    }
    return Effect.succeed(body)
  }))

/**
 * `PUT <upload_url>`: answers exactly 200 with an empty body once the zip is
 * stored and processing has started. Refusals say what to do:
 * 403 tampered or expired URL, 404 not an upload URL / no such job,
 * 409 the job already has its zip, 413 too large, 400 an unusable zip
 * (`{"code": "0001", "error": "Data Invalid - Unable to extract zip file: ..."}`)
 * or an info.json that does not describe the job (the v1 body of 2203, 2212
 * or 2213). A refused upload leaves the job waiting for a good zip.
 */
export const layer = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const uploads = yield* KeyedLock.make
    // Route handlers may only need the request's services: give them the server's own here.
    const services = yield* Effect.context<
      HttpSettings | UploadTarget | JobStore | BlobStore | ZipCodec | Signer | JobPipeline
    >()
    yield* router.put(
      `${uploadPathPrefix}/*`,
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const settings = yield* HttpSettings
        const declared = Number(request.headers["content-length"] ?? "NaN")
        const tooLarge = problem(
          413,
          "TooLarge",
          `the zip is larger than this server accepts (${settings.maxUploadBytes} bytes); send fewer or smaller images`
        ).pipe(HttpServerResponse.setHeader("connection", "close"))
        if (declared > settings.maxUploadBytes) return tooLarge
        const zip = yield* Effect.either(readBodyCapped(request, settings.maxUploadBytes))
        if (Either.isLeft(zip)) {
          return zip.left instanceof BodyTooLarge ? tooLarge : problem(400, "BodyUnreadable", "the request body could not be read; send the zip again")
        }
        const accepted = yield* uploads.withLock(
          request.url.split("?")[0] ?? request.url,
          Effect.either(UseCases.AcceptUpload.acceptUpload({ url: request.url, zip: zip.right }))
        )
        if (Either.isLeft(accepted)) {
          const error = accepted.left
          switch (error._tag) {
            case "UploadRejected":
              return problem(error.reason === "Malformed" ? 404 : 403, `Upload${error.reason}`, error.detail)
            case "JobNotFound":
              return problem(404, "JobNotFound", `${error.message}; prepare the job with POST /v1/upload first`)
            case "IllegalJobTransition":
              return problem(409, "AlreadyUploaded", error.detail)
            case "ZipError": {
              const outcome = ZipCodec.wireOutcome(error)
              return outcome._tag === "GeneralError"
                ? v1Error(outcome.error)
                : HttpServerResponse.unsafeJson({ code: outcome.resultCode, error: `${outcome.resultText}: ${outcome.detail}` }, { status: 400 })
            }
            default:
              // info.json does not describe this job: 2203 / 2212 / 2213.
              return v1Error(error)
          }
        }
        const job = accepted.right
        const pipeline = yield* JobPipeline
        yield* pipeline.start({ partnerId: job.partnerId, smileJobId: job.smileJobId })
        return HttpServerResponse.empty({ status: 200 })
      }).pipe(Effect.provide(services))
    )
    yield* router.get(
      `${imagePathPrefix}/*`,
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const settings = yield* HttpSettings
        const image = yield* Effect.either(selfieOf(settings.linkSecret, request.url))
        if (Either.isLeft(image)) return problem(image.left.status, "ImageUnavailable", image.left.detail)
        return HttpServerResponse.uint8Array(image.right.bytes, {
          contentType: image.right.contentType,
          headers: { "cache-control": "private, no-store" }
        })
      }).pipe(Effect.provide(services))
    )
    yield* router.get("/health", Effect.succeed(HttpServerResponse.text("ok")))
  })
)
