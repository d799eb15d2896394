/**
 * The server's blob store on a real data folder, for tests of blob keys: the
 * keyring built from the configuration exactly as the server builds it
 * (`ProductBackend.blobKeyring`), sealing over the filesystem store in
 * `<data>/blobs` with real AES-256-GCM.
 */
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { BlobKey, BlobStore } from "@selfie-auth/core"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { blobKeyring } from "../../src/ProductBackend.js"
import type { ServerConfig } from "../../src/ServerConfig.js"

/** The key options of a server start. */
export type KeyConfig = Pick<ServerConfig, "blobKey" | "blobPreviousKeys">

/** An empty data folder, removed when the scope closes. */
export const temporaryDataDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-blob-keys-"))),
  (folder) => Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))
)

/** One start of the server's blob store with `keys`, as `ProductBackend.layer` composes it. */
export const serverBlobStore = (dataDir: string, keys: KeyConfig) =>
  Effect.gen(function*() {
    const keyring = yield* blobKeyring({ config: keys, dataDir })
    const layer = BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(BlobStoreFs.layer({ directory: path.join(dataDir, "blobs") })))
    return yield* Effect.provide(BlobStore, layer)
  })

export const utf8 = (text: string) => new TextEncoder().encode(text)

/** The blob key of a user's registered selfie (partner 001, job 0000000001). */
export const selfieKey = (user: string) => BlobKey.make(`partners/001/users/${user}/selfies/0000000001.jpg`)
