/**
 * Where the v1 API is: `"sandbox"`, `"production"`, or any URL, used as given.
 *
 * A base URL names the place `/v1` is mounted, as in every official SDK:
 * requests go to `{base}/upload` and `{base}/job_status`. Unlike the official
 * Node SDK, a given URL is not rewritten: its scheme is kept (so
 * `http://localhost:8080/v1` reaches a local server without TLS) and no
 * `https://` is ever prepended (the cause of `https://https://` in Node PRs
 * #509 and #542). Only trailing slashes are dropped. A URL that is not an
 * absolute http(s) URL is refused with what to write instead.
 *
 * @example
 * BaseUrl.resolve("sandbox")                    // Right("https://testapi.smileidentity.com/v1")
 * BaseUrl.resolve("http://127.0.0.1:8080/v1/")  // Right("http://127.0.0.1:8080/v1")
 * BaseUrl.resolve("testapi.smileidentity.com")  // Left(InvalidBaseUrl: "... add the scheme ...")
 */
import { Either, Schema } from "effect"

/** The hosted sandbox (WIRE.md, "Hosts"). */
export const sandbox = "https://testapi.smileidentity.com/v1"
/** The hosted production API (WIRE.md, "Hosts"). */
export const production = "https://api.smileidentity.com/v1"

/** A base URL that cannot be used, with what to write instead. */
export class InvalidBaseUrl extends Schema.TaggedError<InvalidBaseUrl>()("InvalidBaseUrl", {
  baseUrl: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** `"sandbox"`, `"production"` or an absolute http(s) URL. */
export type BaseUrlInput = "sandbox" | "production" | (string & {})

/** Resolves a base URL input to the URL requests are built on (no trailing slash). */
export const resolve = (input: BaseUrlInput): Either.Either<string, InvalidBaseUrl> => {
  const text = input.trim()
  if (text === "sandbox") return Either.right(sandbox)
  if (text === "production") return Either.right(production)
  const reject = (detail: string) => Either.left(new InvalidBaseUrl({ baseUrl: input, detail }))
  if (text === "") {
    return reject(`The base URL is empty; use "sandbox", "production" or your server's URL, e.g. "http://localhost:8080/v1"`)
  }
  if (/^https?:\/\/https?:\/\//i.test(text) || /^https?:\/\/https?(?::|\/|$)/i.test(text)) {
    return reject(`The base URL ${JSON.stringify(text)} repeats its scheme; write it once, e.g. "https://api.example.com/v1"`)
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return reject(
      `The base URL ${JSON.stringify(text)} has no scheme; add it, e.g. "https://${text.replace(/^\/+/, "")}" (the URL is used exactly as given)`
    )
  }
  if (!/^https?:\/\//i.test(text)) {
    return reject(`The base URL ${JSON.stringify(text)} is not http or https; the v1 API is served over HTTP(S)`)
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return reject(`The base URL ${JSON.stringify(text)} is not a valid URL; write e.g. "https://api.example.com/v1"`)
  }
  if (url.search !== "" || url.hash !== "") {
    return reject(`The base URL ${JSON.stringify(text)} has a query or fragment; give only the scheme, host and path, e.g. "https://api.example.com/v1"`)
  }
  return Either.right(text.replace(/\/+$/, ""))
}

/** `{base}{path}` for a path of the contract (`/v1/upload` -> `{base}/upload`): the base replaces the `/v1` mount. */
export const endpointUrl = (base: string, contractPath: string, mount: string): string =>
  `${base}${contractPath.startsWith(`${mount}/`) ? contractPath.slice(mount.length) : contractPath}`
