/**
 * The real engine on the project's own fixture photos
 * (packages/test-fixtures/faces, see its README). One pool of two workers for
 * the whole file: the models load once.
 */
import { assert, describe, it as effectIt, layer } from "@effect/vitest"
import { Effect } from "effect"
import sharp from "sharp"
import type { Sharp } from "sharp"
import { FaceEngine } from "@selfie-auth/core"
import { FaceEngineHuman, IccProfile, JobEvidence } from "@selfie-auth/adapter-face"
import { readFace } from "@selfie-auth/test-fixtures"

const person = {
  a1: readFace("obama1.jpg"),
  a2: readFace("obama2.jpg"),
  b: readFace("biden.jpg"),
  c: readFace("lexi.jpg")
}

const distance = (a: { readonly face?: { readonly descriptor: ReadonlyArray<number> } }, b: typeof a) => {
  assert.isDefined(a.face, "first image has a face")
  assert.isDefined(b.face, "second image has a face")
  return JobEvidence.euclideanDistance(a.face!.descriptor, b.face!.descriptor)
}

/**
 * The same JPEG with an ICC profile embedded (an APP2 `ICC_PROFILE` segment
 * right after the start marker): the compressed pixels are byte for byte the
 * original's.
 */
const withEmbeddedProfile = (jpegBytes: Uint8Array, profile: Uint8Array) => {
  const header = new TextEncoder().encode("ICC_PROFILE\0")
  const length = 2 + header.length + 2 + profile.length
  const segment = new Uint8Array(2 + length)
  segment.set([0xff, 0xe2, length >> 8, length & 0xff])
  segment.set(header, 4)
  segment.set([1, 1], 4 + header.length) // chunk 1 of 1
  segment.set(profile, 6 + header.length)
  const out = new Uint8Array(jpegBytes.length + segment.length)
  out.set(jpegBytes.subarray(0, 2))
  out.set(segment, 2)
  out.set(jpegBytes.subarray(2), 2 + segment.length)
  return out
}

const embeddedProfile = (bytes: Uint8Array) =>
  Effect.promise(() => sharp(bytes).metadata()).pipe(Effect.map(({ icc }) => icc && new Uint8Array(icc)))

const jpeg = (pipeline: Sharp) => Effect.promise(() => pipeline.jpeg({ quality: 90 }).toBuffer()).pipe(
  Effect.map((buffer) => new Uint8Array(buffer))
)

layer(FaceEngineHuman.layer({ workers: 2 }), { timeout: 120_000 })("FaceEngineHuman on fixture photos", (it) => {
  describe("analyze", () => {
    it.effect("finds one usable, frontal face in a good photo", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        const findings = yield* engine.analyze(person.a1)
        assert.deepStrictEqual(findings.problems, [])
        assert.strictEqual(findings.faceCount, 1)
        const face = findings.face!
        assert.strictEqual(face.descriptor.length, 128)
        assert.isAbove(face.score, 0.8)
        assert.isBelow(Math.abs(face.pose.yaw), 25)
        assert.isAbove(face.box.width, 80)
        assert.isTrue(face.box.x >= 0 && face.box.x + face.box.width <= findings.width + 1)
      }))

    it.effect("puts the same person close and different people far apart", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        const [a1, a2, b, c] = yield* Effect.all([
          engine.analyze(person.a1),
          engine.analyze(person.a2),
          engine.analyze(person.b),
          engine.analyze(person.c)
        ], { concurrency: "unbounded" })
        assert.isBelow(distance(a1, a2), 0.5)
        assert.isAbove(distance(a1, b), 0.6)
        assert.isAbove(distance(a1, c), 0.6)
        assert.isAbove(distance(b, c), 0.6)
      }))

    it.effect("reports no_face for a landscape", () =>
      Effect.gen(function*() {
        const findings = yield* (yield* FaceEngine).analyze(readFace("background.jpg"))
        assert.strictEqual(findings.faceCount, 0)
        assert.isUndefined(findings.face)
        assert.include(findings.problems, "no_face")
      }))

    it.effect("reports multiple_faces for two people", () =>
      Effect.gen(function*() {
        const findings = yield* (yield* FaceEngine).analyze(readFace("kit_with_rose.jpg"))
        assert.strictEqual(findings.faceCount, 2)
        assert.include(findings.problems, "multiple_faces")
      }))

    it.effect("reports too_dark for a photo at a tenth of its brightness", () =>
      Effect.gen(function*() {
        const dark = yield* jpeg(sharp(person.a1).linear(0.1, 0))
        const findings = yield* (yield* FaceEngine).analyze(dark)
        assert.include(findings.problems, "too_dark")
        assert.isBelow(findings.brightness, 0.12)
      }))

    it.effect("reports too_blurry for a defocused photo, and not for the sharp original", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        const blurred = yield* jpeg(sharp(person.a1).blur(3))
        const [sharpFindings, blurredFindings] = yield* Effect.all([engine.analyze(person.a1), engine.analyze(blurred)])
        assert.include(blurredFindings.problems, "too_blurry")
        assert.notInclude(sharpFindings.problems, "too_blurry")
        assert.isBelow(blurredFindings.sharpness, sharpFindings.sharpness / 5)
      }))

    it.effect("applies the EXIF orientation before detection", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        const upright = yield* engine.analyze(person.a1)
        // Pixels stored turned a quarter to the left, with the tag that says "turn right to display" (6).
        const turned = sharp(person.a1).rotate(-90)
        const tagged = yield* jpeg(turned.clone().withMetadata({ orientation: 6 }))
        const untagged = yield* jpeg(turned.clone())
        const meta = yield* Effect.promise(() => sharp(tagged).metadata())
        assert.strictEqual(meta.orientation, 6)
        assert.strictEqual(meta.width, upright.height)

        const fromTagged = yield* engine.analyze(tagged)
        assert.strictEqual(fromTagged.width, upright.width)
        assert.strictEqual(fromTagged.height, upright.height)
        assert.deepStrictEqual(fromTagged.problems, [])
        assert.isBelow(distance(fromTagged, upright), 0.2)
        // Control: the same pixels without the tag stay sideways.
        const fromUntagged = yield* engine.analyze(untagged)
        assert.strictEqual(fromUntagged.width, upright.height)
      }))

    it.effect("measures a photo tagged with an sRGB profile exactly as the untagged photo", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        const srgb = yield* embeddedProfile(yield* jpeg(sharp(person.a1).withIccProfile("srgb")))
        assert.isDefined(srgb)
        const tagged = withEmbeddedProfile(person.a1, srgb!)
        assert.isDefined(yield* embeddedProfile(tagged))
        const [plain, fromTagged] = yield* Effect.all([engine.analyze(person.a1), engine.analyze(tagged)])
        assert.deepStrictEqual(fromTagged, plain)
      }))

    it.effect("converts a photo tagged with a profile that is not sRGB before measuring it", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        // libvips' sRGB profile with its tone curves made linear: the stored values are linear light,
        // which shown as sRGB look far brighter. Its three curves share one `para` tag (type 0: x^g).
        const linear = yield* embeddedProfile(yield* jpeg(sharp(person.a1).withIccProfile("srgb")))
        assert.isDefined(linear)
        const view = new DataView(linear!.buffer, linear!.byteOffset, linear!.byteLength)
        const table = Array.from({ length: view.getUint32(128) }, (_, i) => 132 + i * 12)
        const curveAt = table.find((entry) => String.fromCharCode(...linear!.subarray(entry, entry + 4)) === "rTRC")!
        const curve = view.getUint32(curveAt + 4)
        view.setUint16(curve + 8, 0)
        view.setInt32(curve + 12, 65536)
        assert.isFalse(IccProfile.isSrgb(linear!))

        const [plain, fromLinear] = yield* Effect.all([
          engine.analyze(person.a1),
          engine.analyze(withEmbeddedProfile(person.a1, linear!))
        ])
        assert.isAbove(fromLinear.brightness, plain.brightness + 0.1)
      }))

    it.effect("fails with ImageUnreadable on bytes that are not an image, and on a truncated JPEG", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        const garbage = yield* Effect.flip(engine.analyze(new TextEncoder().encode("this is not a picture")))
        assert.strictEqual(garbage._tag, "FaceEngineError")
        assert.strictEqual(garbage.reason, "ImageUnreadable")
        assert.isAbove(garbage.detail.length, 0)
        const truncated = yield* Effect.flip(engine.analyze(person.a1.subarray(0, 2000)))
        assert.strictEqual(truncated.reason, "ImageUnreadable")
        const empty = yield* Effect.flip(engine.analyze(new Uint8Array()))
        assert.strictEqual(empty.reason, "ImageUnreadable")
      }))
  })

  describe("analyzeJob", () => {
    it.effect("compares with the registered selfie and gathers liveness evidence from the frames", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        const mirrored = yield* jpeg(sharp(person.a1).flop())
        const job = yield* engine.analyzeJob({
          selfie: person.a1,
          livenessFrames: [person.a2, mirrored],
          registeredSelfie: person.a2
        })
        assert.deepStrictEqual(job.selfie.problems, [])
        assert.isBelow(job.comparison!.distance, 0.5)
        assert.isAbove(job.comparison!.confidence, 80)
        assert.strictEqual(job.liveness?.framesProvided, 2)
        assert.strictEqual(job.liveness?.framesUsable, 2)
        assert.strictEqual(job.liveness?.framesMatchingSelfie, 2)
        assert.strictEqual(job.spoofSuspicion, "none")
      }))

    it.effect("gives a low confidence for another person and a weak spoof suspicion for frames of two people", () =>
      Effect.gen(function*() {
        const engine = yield* FaceEngine
        const job = yield* engine.analyzeJob({
          selfie: person.a1,
          livenessFrames: [person.a2, person.b],
          registeredSelfie: person.c
        })
        assert.isAbove(job.comparison!.distance, 0.6)
        assert.isBelow(job.comparison!.confidence, 20)
        assert.strictEqual(job.liveness?.framesMatchingSelfie, 1)
        assert.strictEqual(job.spoofSuspicion, "weak")
      }))

    it.effect("has neither liveness nor comparison for a lone registration selfie", () =>
      Effect.gen(function*() {
        const job = yield* (yield* FaceEngine).analyzeJob({ selfie: person.a1, livenessFrames: [] })
        assert.isUndefined(job.liveness)
        assert.isUndefined(job.comparison)
      }))

    it.effect("names the unreadable image of a job", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip((yield* FaceEngine).analyzeJob({
          selfie: person.a1,
          livenessFrames: [person.a2, new Uint8Array([0xff, 0xd8, 0xff, 0x00])]
        }))
        assert.strictEqual(error.reason, "ImageUnreadable")
        assert.strictEqual(error.image, "liveness[1]")
      }))
  })
})

describe("FaceEngineHuman's main face", () => {
  effectIt.scoped("is a face the judgement counts: below minFaceScore a face is neither described nor measured", () =>
    Effect.gen(function*() {
      const usual = yield* FaceEngineHuman.make({ workers: 1 })
      const strict = yield* FaceEngineHuman.make({ workers: 1, quality: { minFaceScore: 1.01 } })
      const [counted, uncounted] = yield* Effect.all([usual.measure(person.a1), strict.measure(person.a1)])
      assert.isDefined(counted.descriptor)
      // The same face is found, but no score reaches the strict engine's minFaceScore (scores top out at 1)…
      assert.deepStrictEqual(uncounted.faces, counted.faces)
      assert.isBelow(uncounted.faces[0]!.score, 1.01)
      // …so it lends the image no descriptor, and brightness is the whole image's, not the face's.
      assert.isUndefined(uncounted.descriptor)
      assert.notStrictEqual(uncounted.brightness, counted.brightness)
      const findings = yield* strict.analyze(person.a1)
      assert.include(findings.problems, "no_face")
      assert.isUndefined(findings.face)
    }), 120_000)
})
