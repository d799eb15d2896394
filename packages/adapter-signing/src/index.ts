/** `Signer` adapters: node:crypto for Node, WebCrypto for every other runtime. */
export * as SignerNode from "./SignerNode.js"
export * as SignerWebCrypto from "./SignerWebCrypto.js"
