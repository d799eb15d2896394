/**
 * `@selfie-auth/adapter-http`: the v1 API contract (`V1Api`), once, for the
 * server (`HttpApiBuilder`), the partner client and OpenAPI.
 */
export * as V1Api from "./V1Api.js"
