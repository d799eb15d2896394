/**
 * `@selfie-auth/reference-server`: the v1 SmartSelfie API as an HTTPS
 * service. The command is `selfie-auth-server` (`main.ts`); these modules are
 * its parts, for tests, demos and other compositions.
 */
export * as Cli from "./Cli.js"
export * as DataDir from "./DataDir.js"
export * as Http from "./Http.js"
export * as IdGeneratorRandom from "./IdGeneratorRandom.js"
export * as ImageLinks from "./ImageLinks.js"
export * as Listener from "./Listener.js"
export * as Partners from "./Partners.js"
export * as ProductBackend from "./ProductBackend.js"
export * as Server from "./Server.js"
export * as ServerConfig from "./ServerConfig.js"
export * as Tls from "./Tls.js"
export * as UploadTargetHmac from "./UploadTargetHmac.js"
