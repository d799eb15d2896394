/**
 * `UploadTarget` for the reference server's own upload endpoint: stateless,
 * HMAC-signed upload URLs.
 *
 * The hosted API answers a pre-signed S3 URL; this server answers its own, of
 * the same shape:
 *
 * ```
 * <base>/uploads/<partner id>/<smile job id>/attachments.zip?expires=<unix seconds>&signature=<base64url>
 * ```
 *
 * `signature` is HMAC-SHA256 under the server's upload secret (32 random
 * bytes kept in the data folder, see `DataDir.ts`) over
 * `"PUT\n" + partner id + "\n" + smile job id + "\n" + expires`. A URL is
 * therefore good for one job of one partner until it expires; nobody without
 * the secret can make one or change any part of one; and URLs survive a
 * restart without a table of issued tokens. The URL carries no partner
 * credential: the official SDKs send none with the PUT.
 *
 * Checked in the port's order: the parts are present and well formed
 * (`Malformed`), the signature matches in constant time (`Tampered`; a URL
 * moved to another job fails here too, since the job is signed), then the
 * expiry from `Clock` (`Expired`).
 */
import { Ids, Signer, UploadRejected, UploadTarget } from "@selfie-auth/core"
import type { UploadGrant } from "@selfie-auth/core"
import { Clock, Duration, Effect, Either, Layer, Redacted, Schema } from "effect"

/** The path prefix of upload URLs (the server's PUT route). */
export const uploadPathPrefix = "/uploads"

const encoder = new TextEncoder()

const signedMessage = (partnerId: string, smileJobId: string, expires: number): Uint8Array =>
  encoder.encode(`PUT\n${partnerId}\n${smileJobId}\n${expires}`)

const toBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url")

/** A base64url HMAC-SHA256 is 43 characters; anything else is not one of ours. */
const fromBase64Url = (text: string): Uint8Array | undefined =>
  /^[A-Za-z0-9_-]{43}$/.test(text) ? new Uint8Array(Buffer.from(text, "base64url")) : undefined

const decodePartnerId = Schema.decodeUnknownEither(Ids.PartnerId)
const decodeSmileJobId = Schema.decodeUnknownEither(Ids.SmileJobId)

const pathPattern = /^\/uploads\/([^/]+)\/([^/]+)\/attachments\.zip$/

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/**
 * The layer. `baseUrl` is the origin (and optional path) clients reach this
 * server at, without a trailing slash; `secret` the data folder's upload secret.
 */
export const layer = (options: {
  readonly baseUrl: string
  readonly secret: Redacted.Redacted<Uint8Array>
}): Layer.Layer<UploadTarget, never, Signer> =>
  Layer.effect(
    UploadTarget,
    Effect.gen(function*() {
      const signer = yield* Signer
      const mac = (partnerId: string, smileJobId: string, expires: number) =>
        signer.hmacSha256(Redacted.value(options.secret), signedMessage(partnerId, smileJobId, expires))

      return {
        issue: Effect.fn("UploadTarget.issue")(function*(input) {
          const now = yield* Clock.currentTimeMillis
          const expires = Math.ceil((now + Duration.toMillis(input.expiresIn)) / 1000)
          const signature = toBase64Url(yield* mac(input.partnerId, input.smileJobId, expires))
          const url = `${options.baseUrl}${uploadPathPrefix}/${encodeURIComponent(input.partnerId)}/${input.smileJobId}` +
            `/attachments.zip?expires=${expires}&signature=${signature}`
          return { url, expiresAt: expires * 1000 }
        }),
        check: Effect.fn("UploadTarget.check")(function*(url: string) {
          const malformed = (what: string) =>
            new UploadRejected({
              reason: "Malformed",
              detail: `${what}; PUT the zip to the upload_url that POST /v1/upload answered, unchanged and with its query string`
            })
          const parsed = URL.canParse(url, "http://upload.invalid") ? new URL(url, "http://upload.invalid") : undefined
          const match = parsed === undefined ? null : pathPattern.exec(parsed.pathname)
          if (parsed === undefined || match === null) return yield* malformed("this is not an upload URL of this server")
          const partnerId = decodePartnerId(decodeSegment(match[1] ?? ""))
          const smileJobId = decodeSmileJobId(match[2] ?? "")
          if (Either.isLeft(partnerId) || Either.isLeft(smileJobId)) return yield* malformed("the upload URL names no valid job")
          const expiresText = parsed.searchParams.get("expires") ?? ""
          if (!/^\d{1,12}$/.test(expiresText)) return yield* malformed("the upload URL has no valid expires parameter")
          const received = fromBase64Url(parsed.searchParams.get("signature") ?? "")
          if (received === undefined) return yield* malformed("the upload URL has no valid signature parameter")

          const expires = Number(expiresText)
          if (!signer.equal(yield* mac(partnerId.right, smileJobId.right, expires), received)) {
            return yield* new UploadRejected({
              reason: "Tampered",
              detail: "the upload URL's signature does not match its job and expiry (was the URL changed?); " +
                "PUT to the upload_url exactly as POST /v1/upload answered it"
            })
          }
          const now = yield* Clock.currentTimeMillis
          if (now >= expires * 1000) {
            return yield* new UploadRejected({
              reason: "Expired",
              detail: `the upload URL expired ${Math.ceil((now - expires * 1000) / 1000)} s ago; ` +
                "prepare a new job (POST /v1/upload with a new job_id) to get a fresh URL"
            })
          }
          return { partnerId: partnerId.right, smileJobId: smileJobId.right, expiresAt: expires * 1000 } satisfies UploadGrant
        })
      }
    })
  )
