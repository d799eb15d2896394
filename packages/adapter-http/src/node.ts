/**
 * `@selfie-auth/adapter-http/node`: the partner client on Node, where images
 * may also be given as file paths (`{ path: "selfie.jpg" }`) and signing uses
 * `node:crypto`. Everything else is the main entry's.
 *
 * @example
 * import { createClient } from "@selfie-auth/adapter-http/node"
 * const client = createClient({ partnerId: "001", apiKey: "...", baseUrl: "sandbox" })
 * await client.register({ userId: "user-1", jobId: "job-1", selfie: { path: "selfie.jpg" } })
 */
import { FetchHttpClient } from "@effect/platform"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { Layer } from "effect"
import * as ImageFilesNode from "./ImageFilesNode.js"
import { fromLayer, type PromiseClient, type PromiseClientConfig } from "./PromiseClient.js"
import * as SmartSelfie from "./SmartSelfie.js"

export * as ImageFilesNode from "./ImageFilesNode.js"

/** The client's layer on Node: fetch, node:crypto, the fflate codec with native CRC-32, files from paths. */
export const layerNode = (config: SmartSelfie.ClientConfig) =>
  SmartSelfie.layer(config).pipe(
    Layer.provide(Layer.mergeAll(FetchHttpClient.layer, SignerNode.layer, ZipCodecFflate.layer(), ImageFilesNode.layer))
  )

/** A Promise client on Node; images may be file paths. */
export const createClient = (config: PromiseClientConfig): PromiseClient => fromLayer(layerNode(config))
