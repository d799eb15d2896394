/**
 * Partners: who may call this server, with which key, for which products.
 *
 * The operator lists partners in a JSON file (`--partners`); each entry is
 * decoded with {@link PartnerConfig}. API keys become `Redacted` the moment
 * they are decoded, so they never reach a log line or an error message.
 *
 * ```json
 * [
 *   {
 *     "partnerId": "001",
 *     "apiKey": "a-long-random-secret",
 *     "products": { "authentication": true, "registration": true },
 *     "productionEnabled": false,
 *     "callbackPolicy": "public-only"
 *   }
 * ]
 * ```
 *
 * One partner's users and jobs are invisible to another: every store lookup
 * is keyed by the partner id that signed the request.
 */
import { Context, Duration, Either, Layer, Option, ParseResult, Schema } from "effect"
import type { Redacted } from "effect"
import { Ids, Timestamp } from "@selfie-auth/core"

/**
 * Where a partner's callbacks may go.
 * - `public-only`: only `https` URLs whose host is not a loopback, private or
 *   link-local address (the safe default for a shared server);
 * - `local-evaluation`: also `http` and loopback/private hosts, for a partner
 *   evaluating the server on one machine.
 */
export const CallbackPolicy = Schema.Literal("public-only", "local-evaluation")
export type CallbackPolicy = typeof CallbackPolicy.Type

/** The products a partner may run (2214 when the job's product is off). */
export const Products = Schema.Struct({
  /** Job type 2. */
  authentication: Schema.Boolean,
  /** Job type 4. */
  registration: Schema.Boolean
})
export type Products = typeof Products.Type

/**
 * How far a request's `timestamp` may be from the server's clock, in seconds.
 * Defaults to `Timestamp.defaultWindow` (24 h past, 5 min future).
 */
export const SignatureWindow = Schema.Struct({
  pastSeconds: Schema.NonNegativeInt,
  futureSeconds: Schema.NonNegativeInt
})

/** One entry of the partners file, as the operator writes it. */
export const PartnerConfig = Schema.Struct({
  partnerId: Ids.PartnerId,
  /** The shared secret the partner signs with. */
  apiKey: Schema.Redacted(Schema.NonEmptyTrimmedString),
  products: Schema.optionalWith(Products, { default: () => ({ authentication: true, registration: true }) }),
  /**
   * Whether the partner may run jobs when the server runs in production mode
   * (`--mode production`). A server in sandbox mode (the default) accepts every
   * partner; one in production mode answers 2220 to partners without this flag.
   */
  productionEnabled: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  callbackPolicy: CallbackPolicy,
  signatureWindow: Schema.optional(SignatureWindow)
}).annotations({ identifier: "PartnerConfig" })

/** A configured partner, as the server uses it. */
export interface Partner {
  readonly partnerId: Ids.PartnerId
  readonly apiKey: Redacted.Redacted<string>
  readonly products: Products
  readonly productionEnabled: boolean
  readonly callbackPolicy: CallbackPolicy
  readonly signatureWindow: Timestamp.FreshnessWindow
}

/** The whole partners file: a non-empty array with each partner id once. */
export const PartnersFile = Schema.NonEmptyArray(PartnerConfig).pipe(
  Schema.filter((partners) => {
    const seen = new Set<string>()
    const issues: Array<Schema.FilterIssue> = []
    partners.forEach((partner, index) => {
      if (seen.has(partner.partnerId)) {
        issues.push({ path: [index, "partnerId"], message: `partner id ${JSON.stringify(partner.partnerId)} is listed twice; list each partner once` })
      }
      seen.add(partner.partnerId)
    })
    return issues
  })
).annotations({ identifier: "PartnersFile" })

const toPartner = (config: typeof PartnerConfig.Type): Partner => ({
  partnerId: config.partnerId,
  apiKey: config.apiKey,
  products: config.products,
  productionEnabled: config.productionEnabled,
  callbackPolicy: config.callbackPolicy,
  signatureWindow: config.signatureWindow === undefined
    ? Timestamp.defaultWindow
    : { past: Duration.seconds(config.signatureWindow.pastSeconds), future: Duration.seconds(config.signatureWindow.futureSeconds) }
})

/** Why a partners file cannot be used; `message` names the file, the entry and the fix. */
export class InvalidPartnersFile extends Schema.TaggedError<InvalidPartnersFile>()("InvalidPartnersFile", {
  source: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `partners file ${this.source}: ${this.detail}`
  }
}

/**
 * Decodes the text of a partners file. `source` names it in messages (a path).
 * Every problem is listed with its JSON path, e.g. `[0].callbackPolicy`.
 */
export const parsePartnersFile = (text: string, source: string): Either.Either<ReadonlyArray<Partner>, InvalidPartnersFile> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return Either.left(
      new InvalidPartnersFile({ source, detail: `is not valid JSON (${String(error)}); write a JSON array of partner objects` })
    )
  }
  const decoded = Schema.decodeUnknownEither(PartnersFile, { errors: "all", onExcessProperty: "error" })(json)
  if (Either.isRight(decoded)) return Either.right(decoded.right.map(toPartner))
  const problems = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((issue) => {
    const path = issue.path.map((segment) => (typeof segment === "number" ? `[${segment}]` : `.${String(segment)}`)).join("")
    return `${path === "" ? "the file" : path} ${issue.message === "is missing" ? "is required" : issue.message}`
  })
  return Either.left(
    new InvalidPartnersFile({
      source,
      detail: `${problems.join("; ")}. Each entry needs partnerId, apiKey and callbackPolicy ("public-only" or "local-evaluation"); ` +
        "products, productionEnabled and signatureWindow are optional"
    })
  )
}

/** The configured partners, looked up by the partner id of a signed request. */
export class Partners extends Context.Tag("@selfie-auth/reference-server/Partners")<
  Partners,
  { readonly find: (partnerId: string) => Option.Option<Partner> }
>() {
  /** A fixed set of partners. */
  static layer(partners: ReadonlyArray<Partner>): Layer.Layer<Partners> {
    const byId = new Map(partners.map((partner) => [partner.partnerId as string, partner]))
    return Layer.succeed(Partners, { find: (partnerId) => Option.fromNullable(byId.get(partnerId)) })
  }
}
