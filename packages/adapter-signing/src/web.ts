/**
 * The entry for browsers and edge runtimes: only the WebCrypto signer, so a
 * bundle never pulls in `node:crypto`.
 *
 * @example
 * import { SignerWebCrypto } from "@selfie-auth/adapter-signing/web"
 */
export * as SignerWebCrypto from "./SignerWebCrypto.js"
