/**
 * What every v1 endpoint does around its use case, whichever entry served
 * the request (the `HttpApi` handlers of `Http.ts` or the direct route of
 * `JobStatusRoute.ts`):
 *
 * - {@link contentTypeError}, {@link parseJsonBody}: a body not sent as JSON
 *   (another Content-Type, text that does not parse) answers 2204 in the v1
 *   shape, saying so (the `HttpApi` decoder would answer its own error body,
 *   which no SDK reads);
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
