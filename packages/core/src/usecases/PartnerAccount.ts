/**
 * What a use case needs to know about the partner behind a request: its key,
 * how fresh its timestamps must be, which products it may run, and whether it
 * may run jobs on this deployment.
 *
 * "Production" on a self-hosted server: a deployment is either a `sandbox`
 * (for evaluation and integration; every partner may run jobs) or
 * `production` (real users' biometrics; only partners the operator marked
 * `productionEnabled` may run jobs, others get 2220). This mirrors the hosted
 * API, where production access follows a partner's KYC with Smile ID.
 */
import { Effect, type Redacted } from "effect"
import * as GeneralError from "../GeneralError.js"
import type * as Ids from "../Ids.js"
import * as JobType from "../JobType.js"
import { authenticateRequest } from "../ports/Signer.js"
import type * as Timestamp from "../Timestamp.js"

/** Whether the deployment stands in for the sandbox or the production API. */
export type Environment = "sandbox" | "production"

/** A partner as the use cases see it. */
export interface PartnerAccount {
  readonly partnerId: Ids.PartnerId
  readonly apiKey: Redacted.Redacted<string>
  /** How far a request's timestamp may be from the server's clock. */
  readonly signatureWindow: Timestamp.FreshnessWindow
  readonly products: { readonly authentication: boolean; readonly registration: boolean }
  readonly productionEnabled: boolean
  readonly environment: Environment
  readonly callbackPolicy: CallbackPolicy
}

/**
 * Where a partner's callbacks may go.
 * - `public-only`: `https` URLs to hosts that are not written as loopback,
 *   private, link-local or unspecified addresses (nor `localhost`);
 * - `local-evaluation`: any `http` or `https` URL, loopback included, for a
 *   partner evaluating the server on one machine.
 *
 * This is the check a prep upload can make on the URL's text. A public name
 * that resolves to a private address is the callback sender's to refuse at
 * delivery time, when it resolves the name.
 */
export type CallbackPolicy = "public-only" | "local-evaluation"

/** The signed fields of any v1 request. */
export interface SignedFields {
  readonly partnerId: string
  readonly signature: string
  readonly timestamp: string
}

/**
 * 2205 for a partner id this deployment does not know. The detail names the
 * id so an operator can spot a typo, and says where partners are configured.
 */
export const unknownPartner = (partnerId: string): GeneralError.NotAuthorized =>
  new GeneralError.NotAuthorized({
    detail: `no partner ${JSON.stringify(partnerId)} is configured on this server; ` +
      "check smile_client_id / partner_id, or ask the operator to add the partner"
  })

/**
 * Authenticates a signed request as coming from `account` (2205 otherwise):
 * the partner ids must agree, then `Signer.authenticateRequest` checks the
 * timestamp's form and freshness (the account's window) and the signature.
 * Untraced (no span): it runs on every v1 request.
 */
export const authenticate = Effect.fnUntraced(function*(account: PartnerAccount, signed: SignedFields) {
  if (signed.partnerId !== account.partnerId) return yield* unknownPartner(signed.partnerId)
  yield* authenticateRequest({
    partnerId: signed.partnerId,
    apiKey: account.apiKey,
    signature: signed.signature,
    timestamp: signed.timestamp,
    window: account.signatureWindow
  })
})

/**
 * Whether the account may run a job of this type here: 2214 when the
 * product is off for the partner, 2220 when the deployment is production and
 * the partner is not enabled for it. Pure.
 */
export const checkJobAllowed = (
  account: PartnerAccount,
  jobType: JobType.JobType
): GeneralError.ProductNotActivated | GeneralError.ProductionNotEnabled | undefined => {
  const enabled = jobType === JobType.Registration ? account.products.registration : account.products.authentication
  if (!enabled) {
    return new GeneralError.ProductNotActivated({
      detail: `${JobType.describe(jobType)} is not enabled for partner ${JSON.stringify(account.partnerId)}; ` +
        "ask the operator to enable it in the partner's products"
    })
  }
  if (account.environment === "production" && !account.productionEnabled) {
    return new GeneralError.ProductionNotEnabled({
      detail: `this server runs in production mode and partner ${JSON.stringify(account.partnerId)} is not enabled for production; ` +
        "use a sandbox server, or ask the operator to set productionEnabled for the partner"
    })
  }
  return undefined
}

/**
 * Job types of Smile ID's other v1 products. A request naming one of them is
 * a valid job for the wrong product, which the product text answers with 2217
 * ("Invalid Product"); any other value is no job type at all (2212).
 */
export const otherProductJobTypes: ReadonlyMap<number, string> = new Map([
  [1, "Biometric KYC"],
  [5, "Enhanced KYC"],
  [6, "Document Verification"],
  [7, "Business Verification"],
  [11, "Enhanced Document Verification"]
])

/**
 * Refines a request's 2212 into 2217 when its `partner_params.job_type` names
 * another Smile ID product (a number or a numeric string). Any other error
 * is returned unchanged. Pure.
 */
export const refineJobTypeError = <E extends GeneralError.GeneralError>(
  error: E,
  rawJobType: unknown
): E | GeneralError.InvalidProduct => {
  if (error._tag !== "InvalidJobType") return error
  const number = typeof rawJobType === "number"
    ? rawJobType
    : typeof rawJobType === "string" && /^\s*\d+\s*$/.test(rawJobType)
      ? Number(rawJobType)
      : undefined
  const product = number === undefined ? undefined : otherProductJobTypes.get(number)
  if (product === undefined) return error
  return new GeneralError.InvalidProduct({
    detail: `job_type ${number} is ${product}, which this SmartSelfie server does not run; ` +
      "send job_type 4 to register a selfie or 2 to authenticate a registered user"
  })
}

const privateIpv4 = /^(?:0|10|127)\.|^169\.254\.|^172\.(?:1[6-9]|2\d|3[01])\.|^192\.168\.|^100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./

/** Whether a URL host (as `URL.hostname` gives it) names this machine or a private network. */
const isLocalHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "")
  if (host === "localhost" || host.endsWith(".localhost")) return true
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return privateIpv4.test(host)
  if (host.includes(":")) {
    return host === "::" || host === "::1" || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith("::ffff:")
  }
  return false
}

/**
 * Why `url` is not an acceptable callback URL under `policy` (a phrase to
 * follow "callback_url"), or `undefined` when it is. Pure.
 */
export const callbackUrlProblem = (url: string, policy: CallbackPolicy): string | undefined => {
  const parsed = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?#\s]*@)?(\[[0-9A-Fa-f:.]+\]|[^:/?#\s[\]]+)(?::(\d{1,5}))?(?:[/?#]\S*)?$/.exec(url)
  if (parsed === null) {
    return `${JSON.stringify(url.slice(0, 80))} is not an absolute URL; send an absolute https URL, or null for no callback`
  }
  const scheme = (parsed[1] ?? "").toLowerCase()
  const hostname = parsed[2] ?? ""
  if (scheme !== "https" && scheme !== "http") {
    return `must be an http(s) URL (got ${scheme}:); send an absolute https URL, or null for no callback`
  }
  if (policy === "local-evaluation") return undefined
  if (scheme !== "https") {
    return "must use https for this partner (callback policy public-only); ask the operator for local-evaluation to use http"
  }
  if (isLocalHost(hostname)) {
    return `points to a local or private address (${hostname}), which this partner's callback policy (public-only) ` +
      "refuses; use a public host, or ask the operator for the local-evaluation policy"
  }
  return undefined
}
