import { assert, describe, it } from "@effect/vitest"
import { GeneralError, Wire } from "@selfie-auth/core"
import { Either, Option } from "effect"

type Entry = Wire.InfoJson.ImageEntry
const { resolveSelfieImages } = Wire.SelfieImages

/** The start of a real JPEG in base64: it begins with "/9j/", like an absolute path. */
const jpegBase64 = "/9j/4AAQSkZJRgABAQEAYABgAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLCwsLCgsLDBAQDQ4RDhELDBYYFxIUFRQVFhQVFBUUFBQVFBQU"

const file = (image_type_id: Entry["image_type_id"], file_name: string): Entry => ({ image_type_id, image: "", file_name })
const base64 = (image_type_id: Entry["image_type_id"], image = jpegBase64): Entry => ({ image_type_id, image, file_name: "" })

const resolved = (images: ReadonlyArray<Entry>) => {
  const result = resolveSelfieImages(images)
  if (Either.isLeft(result)) assert.fail(result.left.detail)
  return result.right
}
const refused = (images: ReadonlyArray<Entry>) => Either.getLeft(resolveSelfieImages(images)).pipe(Option.getOrThrow)

describe("resolveSelfieImages", () => {
  it("finds one selfie and the liveness frames, as references in order", () => {
    const images = resolved([file(4, "l1.jpg"), file(0, "selfie.jpg"), base64(6, "AAAA"), file(1, "id.jpg"), base64(7)])
    assert.deepStrictEqual(images.selfie, { _tag: "ZipEntry", fileName: "selfie.jpg", index: 1 })
    assert.deepStrictEqual(images.livenessFrames, [
      { _tag: "ZipEntry", fileName: "l1.jpg", index: 0 },
      { _tag: "Base64", data: "AAAA", index: 2 }
    ])
    assert.deepStrictEqual(images.ignored, [3, 4])
    assert.deepStrictEqual(images.warnings, [])
  })

  it("accepts a lone base64 selfie (the job then gets only Selfie_Check)", () => {
    const images = resolved([base64(2, "QUJD")])
    assert.deepStrictEqual(images.selfie, { _tag: "Base64", data: "QUJD", index: 0 })
    assert.deepStrictEqual(images.livenessFrames, [])
  })

  it("skips a Node SDK liveness entry that carries a local path, with a warning, not an error", () => {
    for (const localPath of ["/home/partner/images/liveness1.jpg", "C:\\Users\\p\\l.jpg", "\\\\server\\share\\l.jpg", "file:///tmp/l.jpg"]) {
      const images = resolved([file(0, "selfie.jpg"), { image_type_id: 4, image: localPath, file_name: "" }, base64(6)])
      assert.strictEqual(images.livenessFrames.length, 1)
      assert.strictEqual(images.warnings.length, 1, localPath)
      const [warning] = images.warnings
      assert.strictEqual(warning?.index, 1)
      assert.strictEqual(warning?.reason, "local_path_not_uploaded")
      assert.include(warning?.message, "info.json images[1].image is a path on the sender's machine")
      assert.include(warning?.message, "known Node SDK bug")
    }
  })

  it("2213 when there is no selfie, saying which image types count", () => {
    const error = refused([file(4, "l1.jpg"), file(1, "id.jpg")])
    assert.deepStrictEqual(GeneralError.toErrorBody(error), {
      code: "2213",
      error:
        "Error - A required parameter is missing: info.json images has no selfie: add one entry with image_type_id 0 (a file in the zip named in file_name) or 2 (base64 in image)"
    })
  })

  it("2203 when there are two selfies, naming both", () => {
    const error = refused([file(0, "a.jpg"), file(4, "l.jpg"), base64(2)])
    assert.strictEqual(error._tag, "InvalidJson")
    assert.strictEqual(error.detail, "info.json has 2 selfies (images[0], images[2]); send exactly one entry of image_type_id 0 or 2")
  })

  it("2213 for a selfie entry without its data, pointing at the field", () => {
    assert.include(refused([file(0, "")]).detail, 'info.json images[0].file_name is empty: image_type_id 0 is a file in the zip, named in "file_name"')
    assert.include(refused([base64(2, " ")]).detail, 'info.json images[0].image is empty: image_type_id 2 carries the image as base64 in "image"')
    assert.include(refused([file(0, "s.jpg"), base64(6, "")]).detail, "images[1].image is empty")
  })

  it("suggests the base64 type when a file entry carries base64 instead of a file name", () => {
    const error = refused([file(0, "s.jpg"), { image_type_id: 4, image: jpegBase64, file_name: "" }])
    assert.strictEqual(error._tag, "MissingParameter")
    assert.include(error.detail, 'images[1].file_name is empty: image_type_id 4 is a file in the zip, named in "file_name" (for base64 in "image", use image_type_id 6)')
  })
})
