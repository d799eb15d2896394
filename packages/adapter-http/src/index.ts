/**
 * `@selfie-auth/adapter-http`: the v1 API contract and the partner client.
 *
 * - `V1Api`: the v1 SmartSelfie API as one `HttpApi` (server, client, OpenAPI).
 * - `SmartSelfie`: the partner client as an Effect service (`layer`, `layerFetch`).
 * - `createClient`: the same client behind Promises.
 * - `BaseUrl`, `JobRequest`, `JobPackage`, `ClientError`, `ImageFiles`: its parts.
 *
 * Loadable in any runtime with `fetch`: Node-only code (reading image files)
 * lives in the `@selfie-auth/adapter-http/node` entry.
 */
export * as BaseUrl from "./BaseUrl.js"
export * from "./ClientError.js"
export { createClient, type PromiseClient, type PromiseClientConfig } from "./PromiseClient.js"
export * from "./ImageFiles.js"
export * as JobPackage from "./JobPackage.js"
export * as JobRequest from "./JobRequest.js"
export * as SmartSelfie from "./SmartSelfie.js"
export * as V1Api from "./V1Api.js"
