/**
 * What the HTTP routes need to know about this deployment, provided once by
 * `Server.start`.
 */
import type { UseCases } from "@selfie-auth/core"
import { Context } from "effect"
import type { Duration, Redacted } from "effect"

/** The deployment's HTTP settings; `linkSecret` is the data folder's upload secret. */
export class HttpSettings extends Context.Tag("@selfie-auth/reference-server/HttpSettings")<HttpSettings, {
  /** The base URL clients reach the server at (links are built on it), no trailing slash. */
  readonly baseUrl: string
  readonly environment: UseCases.PartnerAccount.Environment
  readonly uploadUrlTtl: Duration.DurationInput
  readonly maxUploadBytes: number
  /** The largest JSON or form body a route reads (v1, admin API, console), in bytes (`--max-json-bytes`); longer is 413. */
  readonly maxJsonBytes: number
  /** Signs image links (the same secret as upload URLs, under a different message). */
  readonly linkSecret: Redacted.Redacted<Uint8Array>
}>() {}
