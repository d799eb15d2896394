/**
 * Stand-in image bytes for tests whose pipeline never decodes images (the
 * scripted pipeline): JPEG markers around deterministic filler, distinct per
 * seed, so a test can check that exactly these bytes come back.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export const placeholderJpeg = (seed: string): Uint8Array => {
  const filler = Buffer.from(`placeholder image ${seed} `.repeat(64), "utf8")
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), filler, Buffer.from([0xff, 0xd9])]))
}

/** Writes a placeholder JPEG to a temporary file (for SDKs that take a path). */
export const placeholderJpegFile = (seed: string): string => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-image-")), `${seed}.jpg`)
  fs.writeFileSync(file, placeholderJpeg(seed))
  return file
}
