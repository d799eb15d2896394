/**
 * Reading images from file paths: the one thing of the client that needs a
 * file system. Kept behind this tag so the rest of the client runs in any
 * runtime with `fetch`; Node supplies `ImageFilesNode.layer` from the
 * `@selfie-auth/adapter-http/node` entry, other runtimes get
 * {@link ImageFiles.layerUnavailable}, which says to pass bytes or base64.
 */
import { Context, Effect, Layer, Schema } from "effect"

/** A file could not be read; `detail` says why (missing, a directory, no permission). */
export class FileReadFailed extends Schema.TaggedError<FileReadFailed>()("FileReadFailed", {
  path: Schema.String,
  detail: Schema.String
}) {}

export interface ImageFilesService {
  /** The bytes of the file at `path`. */
  readonly read: (path: string) => Effect.Effect<Uint8Array, FileReadFailed>
}

export class ImageFiles extends Context.Tag("@selfie-auth/adapter-http/ImageFiles")<ImageFiles, ImageFilesService>() {
  /** For runtimes without a file system: every path is refused with what to pass instead. */
  static readonly layerUnavailable: Layer.Layer<ImageFiles> = Layer.succeed(ImageFiles, {
    read: (path) =>
      Effect.fail(
        new FileReadFailed({
          path,
          detail: "this runtime cannot read files; pass the image as a Uint8Array or as { base64 }, " +
            "or use createClient from \"@selfie-auth/adapter-http/node\" on Node"
        })
      )
  })
}
