/**
 * The product's wiring of the backend the HTTP side runs on: stores, blob
 * store, ids, zip codec and the durable job pipeline with the real face
 * engine behind it.
 *
 * The server never runs on a fake: until every real piece below exists, the
 * product refuses to start and says which pieces are missing, rather than
 * answering jobs with decisions nobody made. Tests wire memory layers
 * through `Server.start` instead.
 */
import { Layer, Schema } from "effect"
import type { BackendServices } from "./Server.js"
import type { ServerConfig } from "./ServerConfig.js"

/** The product's backend cannot be assembled; `message` lists what is missing. */
export class BackendUnavailable extends Schema.TaggedError<BackendUnavailable>()("BackendUnavailable", {
  missing: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return "this build of the reference server cannot run jobs yet; missing:\n" +
      this.missing.map((piece) => `  - ${piece}`).join("\n") +
      "\nIt refuses to start rather than fake face decisions. See docs/run-the-reference-server.md."
  }
}

/** The pieces the product still lacks in this build, each with where it comes from. */
export const missingPieces: ReadonlyArray<string> = [
  "UserStore and JobStore on SQLite (@selfie-auth/adapter-sql)",
  "a filesystem BlobStore with encryption at rest",
  "the pipeline steps on the real FaceEngine (@selfie-auth/adapter-face) behind the durable JobPipeline"
]

export const ProductBackend = {
  /** The product's backend for a configuration; fails with {@link BackendUnavailable} while pieces are missing. */
  layer: (_config: ServerConfig): Layer.Layer<BackendServices, BackendUnavailable> =>
    Layer.fail(new BackendUnavailable({ missing: missingPieces }))
}
