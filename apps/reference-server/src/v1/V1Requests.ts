/**
 * What every v1 endpoint does around its use case, whichever entry served
 * the request (the `HttpApi` handlers of `Http.ts` or the direct route of
 * `JobStatusRoute.ts`):
 *
 * - {@link contentTypeError}, {@link parseJsonBody}: a body not sent as JSON
 *   (another Content-Type, text that does not parse) answers 2204 in the v1
 *   shape, saying so (the `HttpApi` decoder would answer its own error body,
 *   which no SDK reads);
 * - {@link readBody}, {@link bodyTooLargeError}: a body longer than
 *   `--max-json-bytes` answers 413 with 2204 in the v1 shape, naming the
 *   limit; it is never held in memory past the limit;
 * - {@link findAccount}: the partner of a request, or 2205;
 * - {@link refuseUndecodable}: a body that does not decode is authenticated
 *   first, and only then answered with what is wrong with it
 *   (2204/2212/2213/2217); otherwise 2205;
 * - {@link orSystemError}: a defect answers 2201, its cause logged, never sent.
 *
 * None of these makes a span: they run on every request of the hottest
 * endpoints.
 */
import { GeneralError, UseCases } from "@selfie-auth/core"
import { Cause, Effect, Either, Option } from "effect"
import type * as http from "node:http"
import { HttpSettings } from "../HttpSettings.js"
import type { Partner } from "../Partners.js"
import { Partners } from "../Partners.js"

const isJsonContentType = (contentType: string): boolean => /^application\/json\s*(;|$)/i.test(contentType)

/** 2204 for a v1 body sent with another Content-Type than JSON, or `undefined`. `path` is the request path without query. */
export const contentTypeError = (path: string, contentType: string | undefined): GeneralError.WrongDataType | undefined => {
  const value = contentType ?? ""
  if (isJsonContentType(value)) return undefined
  return new GeneralError.WrongDataType({
    detail: `the ${path} body must be sent as JSON with Content-Type: application/json ` +
      `(got ${value === "" ? "no Content-Type" : `Content-Type: ${value}`})`
  })
}

/** 2204 for a v1 body that is not JSON text. */
export const invalidJsonError = (path: string): GeneralError.WrongDataType =>
  new GeneralError.WrongDataType({
    detail: `the ${path} body is not valid JSON; send a JSON object with Content-Type: application/json`
  })

/**
 * The JSON value of a body's text: the empty body reads as `null` (as
 * `@effect/platform` reads it), text that does not parse is 2204.
 */
export const parseJsonBody = (path: string, text: string): Either.Either<unknown, GeneralError.WrongDataType> => {
  if (text === "") return Either.right(null)
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch {
    return Either.left(invalidJsonError(path))
  }
}

/** The HTTP status of {@link bodyTooLargeError}: 413 Content Too Large. */
export const bodyTooLargeStatus = 413

/** 2204 for a v1 body longer than the server accepts: the limit, and the flag that raises it. */
export const bodyTooLargeError = (path: string, maxBytes: number): GeneralError.WrongDataType =>
  new GeneralError.WrongDataType({
    detail: `the ${path} body is larger than this server accepts (${maxBytes} bytes); send a smaller JSON body, ` +
      `or raise the limit with the server's --max-json-bytes option (SELFIE_AUTH_MAX_JSON_BYTES)`
  })

/**
 * What reading a v1 body came to: its bytes, no more than the limit; too
 * large (the refusal, {@link bodyTooLargeError}); or unreadable (the client
 * went away, the connection failed).
 */
export type BodyRead =
  | { readonly _tag: "Read"; readonly bytes: Buffer }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Unreadable" }

const tooLarge: BodyRead = { _tag: "TooLarge" }
const unreadable: BodyRead = { _tag: "Unreadable" }

/**
 * Reads a request body of at most `maxBytes` bytes, then calls `done` once.
 *
 * A declared Content-Length over the limit is too large before a byte is
 * read. A body without one (chunked) is counted as it streams in: once past
 * the limit nothing more is kept, but the rest is read on (and thrown away)
 * up to twice the limit, so that a client still sending gets to read the
 * refusal rather than a reset connection; past that, `done` is called at
 * once. A refusal should close the connection (`connection: close`): the rest
 * of the body is never read.
 */
export const readBody = (request: http.IncomingMessage, maxBytes: number, done: (read: BodyRead) => void): void => {
  const declared = request.headers["content-length"]
  if (declared !== undefined && Number(declared) > maxBytes) return done(tooLarge)
  let settled = false
  const settle = (read: BodyRead) => {
    if (settled) return
    settled = true
    done(read)
  }
  let chunks: Array<Buffer> = []
  let size = 0
  request.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size <= maxBytes) {
      chunks.push(chunk)
    } else {
      chunks = []
      if (size > 2 * maxBytes) settle(tooLarge)
    }
  })
  request.once("end", () => {
    if (size > maxBytes) return settle(tooLarge)
    const only = chunks.length === 1 ? chunks[0] : undefined
    settle({ _tag: "Read", bytes: only ?? Buffer.concat(chunks, size) })
  })
  request.once("error", () => settle(unreadable))
  request.once("close", () => settle(unreadable))
}

const accountOf = (partner: Partner, environment: UseCases.PartnerAccount.Environment): UseCases.PartnerAccount.PartnerAccount => ({
  partnerId: partner.partnerId,
  apiKey: partner.apiKey,
  signatureWindow: partner.signatureWindow,
  products: partner.products,
  productionEnabled: partner.productionEnabled,
  environment,
  callbackPolicy: partner.callbackPolicy
})

/** The account of a configured partner, or 2205. */
export const findAccount = (partnerId: string) =>
  Effect.flatMap(Partners, (partners) => {
    const partner = partners.find(partnerId)
    if (Option.isNone(partner)) return Effect.fail(UseCases.PartnerAccount.unknownPartner(partnerId))
    return Effect.map(HttpSettings, (settings) => accountOf(partner.value, settings.environment))
  })

const stringAt = (record: unknown, key: string): string | undefined => {
  if (typeof record !== "object" || record === null) return undefined
  const value = (record as Record<string, unknown>)[key]
  return typeof value === "string" && value.length > 0 ? value : undefined
}

/**
 * A body that failed to decode: authenticate what it carries, then answer
 * its decode error (2217 for another product's job type). Without a partner
 * id, signature and timestamp, the decode error itself names them as missing.
 * `partnerKeys` are the body's spellings of the partner id, in order of preference.
 */
export const refuseUndecodable = (
  error: GeneralError.GeneralError,
  body: unknown,
  partnerKeys: ReadonlyArray<string>
) =>
  Effect.gen(function*() {
    const partnerId = partnerKeys.map((key) => stringAt(body, key)).find((id) => id !== undefined)
    const signature = stringAt(body, "signature")
    const timestamp = stringAt(body, "timestamp")
    if (partnerId === undefined || signature === undefined || timestamp === undefined) return yield* Effect.fail(error)
    const account = yield* findAccount(partnerId)
    yield* UseCases.PartnerAccount.authenticate(account, { partnerId, signature, timestamp })
    const partnerParams = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["partner_params"] : undefined
    const rawJobType = typeof partnerParams === "object" && partnerParams !== null
      ? (partnerParams as Record<string, unknown>)["job_type"]
      : undefined
    return yield* Effect.fail(UseCases.PartnerAccount.refineJobTypeError(error, rawJobType))
  })

/**
 * A defect (a bug, a store that is down) behind a v1 endpoint answers 2201 in
 * the v1 shape; the cause is logged, never sent.
 */
export const orSystemError = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchAllDefect(effect, (defect) =>
    Effect.zipRight(
      Effect.logError("v1 request failed with a defect", Cause.die(defect)),
      Effect.fail(new GeneralError.SystemError({ detail: "the server failed while handling the request; retry later" }))
    ))
