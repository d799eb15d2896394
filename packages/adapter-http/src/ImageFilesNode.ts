/**
 * `ImageFiles` on `node:fs/promises`. Node-only: exported from the
 * `@selfie-auth/adapter-http/node` entry, never from the main one.
 */
import { readFile } from "node:fs/promises"
import { Effect, Layer } from "effect"
import { FileReadFailed, ImageFiles } from "./ImageFiles.js"

const explain = (cause: unknown): string => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : ""
  switch (code) {
    case "ENOENT":
      return "no such file; check the path (relative paths start at the current directory)"
    case "EISDIR":
      return "this is a directory; name one image file"
    case "EACCES":
    case "EPERM":
      return "permission denied; make the file readable"
    default:
      return cause instanceof Error ? cause.message : String(cause)
  }
}

/** Reads image files with `fs.readFile`. */
export const layer: Layer.Layer<ImageFiles> = Layer.succeed(ImageFiles, {
  read: (path) =>
    Effect.tryPromise({
      try: async () => new Uint8Array(await readFile(path)),
      catch: (cause) => new FileReadFailed({ path, detail: explain(cause) })
    })
})
