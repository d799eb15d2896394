/**
 * The ZipCodec contract, run against every codec: the test-only
 * `ZipCodec.layerMemory` of core and the real `ZipCodecFflate.layer`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck as fc, type Layer } from "effect"
import { ZipCodec, type UnpackLimits, type ZipEntry } from "@selfie-auth/core"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"

const bytes = (...values: ReadonlyArray<number>) => new Uint8Array(values)
const text = (s: string) => new TextEncoder().encode(s)

const job: ReadonlyArray<ZipEntry> = [
  { name: "/home/partner/photos/selfie.jpg", bytes: bytes(0xff, 0xd8, 1, 0xff, 0xd9) },
  { name: "/home/partner/photos/liveness1.jpg", bytes: bytes(0xff, 0xd8, 2, 0xff, 0xd9) },
  { name: "info.json", bytes: text('{"images":[]}') },
  { name: "C:\\Users\\partner\\liveness2.jpg", bytes: bytes(0xff, 0xd8, 3, 0xff, 0xd9) }
]

const codecs: ReadonlyArray<readonly [string, (limits?: Partial<UnpackLimits>) => Layer.Layer<ZipCodec>]> = [
  ["ZipCodec.layerMemory", (limits) => ZipCodec.layerMemory(limits)],
  ["ZipCodecFflate.layer", (limits) => ZipCodecFflate.layer(limits)]
]

for (const [codecName, layerWith] of codecs) {
  describe(`ZipCodec contract: ${codecName}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, ZipCodec>, limits?: Partial<UnpackLimits>) =>
      Effect.provide(effect, layerWith(limits))

    it.effect("round-trips a job: info.json first, then the images by basename in the caller's order", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const entries = yield* codec.unpack(yield* codec.pack(job))
          assert.deepStrictEqual(
            entries.map((entry) => entry.name),
            ["info.json", "selfie.jpg", "liveness1.jpg", "liveness2.jpg"]
          )
          assert.deepStrictEqual(entries[0]!.bytes, job[2]!.bytes)
          assert.deepStrictEqual(entries[1]!.bytes, job[0]!.bytes)
          assert.deepStrictEqual(entries[3]!.bytes, job[3]!.bytes)
        })
      ))

    it.effect("packs every entry it is given: 1 selfie and 8 liveness frames all arrive", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const frames = Array.from({ length: 8 }, (_, i) => ({ name: `liveness${i}.jpg`, bytes: bytes(i, i, i) }))
          const entries = yield* codec.unpack(
            yield* codec.pack([{ name: "info.json", bytes: text("{}") }, { name: "selfie.jpg", bytes: bytes(9) }, ...frames])
          )
          assert.strictEqual(entries.length, 10)
          assert.deepStrictEqual(entries.slice(2).map((e) => e.bytes), frames.map((f) => f.bytes))
        })
      ))

    it.effect("keeps empty files and non-ASCII names", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const entries = yield* codec.unpack(
            yield* codec.pack([{ name: "info.json", bytes: text("{}") }, { name: "sélfie 😀.jpg", bytes: bytes() }])
          )
          assert.deepStrictEqual(entries.map((e) => [e.name, e.bytes.length]), [["info.json", 2], ["sélfie 😀.jpg", 0]])
        })
      ))

    it.effect("round-trips any job of distinct names, whatever the bytes", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const name = fc
            .array(fc.constantFrom(..."aZ09_.- éß中😀"), { minLength: 1, maxLength: 24 })
            .map((characters) => characters.join(""))
            .filter((n) => n !== "info.json" && n !== "." && n !== "..")
          const jobs = fc.sample(fc.uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 300 })), { selector: ([n]) => n, maxLength: 10 }), 40)
          for (const files of jobs) {
            const entries = [{ name: "info.json", bytes: text("{}") }, ...files.map(([name, bytes]) => ({ name, bytes }))]
            assert.deepStrictEqual(yield* codec.unpack(yield* codec.pack(entries)), entries)
          }
        })
      ))

    it.effect("packs the same entries to the same bytes", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          assert.deepStrictEqual(yield* codec.pack(job), yield* codec.pack(job))
        })
      ))

    it.effect("refuses to pack a job without info.json", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const error = yield* Effect.flip(codec.pack([{ name: "selfie.jpg", bytes: bytes(1) }]))
          assert.strictEqual(error.reason, "MissingInfoJson")
        })
      ))

    it.effect("refuses to pack two files with the same basename", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const error = yield* Effect.flip(
            codec.pack([
              { name: "info.json", bytes: text("{}") },
              { name: "/a/selfie.jpg", bytes: bytes(1) },
              { name: "/b/selfie.jpg", bytes: bytes(2) }
            ])
          )
          assert.strictEqual(error.reason, "DuplicateEntryName")
          assert.strictEqual(error.entryName, "selfie.jpg")
        })
      ))

    it.effect("refuses to pack a name that is a directory or '..'", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const error = yield* Effect.flip(
            codec.pack([{ name: "info.json", bytes: text("{}") }, { name: "photos/..", bytes: bytes(1) }])
          )
          assert.strictEqual(error.reason, "UnsafeEntryName")
        })
      ))

    it.effect("refuses more entries than the limit", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const zip = yield* codec.pack([{ name: "info.json", bytes: text("{}") }, { name: "a.jpg", bytes: bytes(1) }])
          const error = yield* Effect.flip(codec.unpack(zip))
          assert.strictEqual(error.reason, "TooManyEntries")
          assert.include(error.detail, "at most 1")
        }),
        { maxEntries: 1 }
      ))

    it.effect("refuses an entry over the size limit, naming it", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const zip = yield* codec.pack([{ name: "info.json", bytes: text("{}") }, { name: "big.jpg", bytes: new Uint8Array(101) }])
          const error = yield* Effect.flip(codec.unpack(zip))
          assert.strictEqual(error.reason, "EntryTooLarge")
          assert.strictEqual(error.entryName, "big.jpg")
        }),
        { maxEntryBytes: 100 }
      ))

    it.effect("refuses a job over the total size limit", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const zip = yield* codec.pack([
            { name: "info.json", bytes: text("{}") },
            { name: "a.jpg", bytes: new Uint8Array(60) },
            { name: "b.jpg", bytes: new Uint8Array(60) }
          ])
          const error = yield* Effect.flip(codec.unpack(zip))
          assert.strictEqual(error.reason, "TotalTooLarge")
        }),
        { maxTotalBytes: 100 }
      ))

    it.effect("refuses bytes that are not its format", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const error = yield* Effect.flip(codec.unpack(text("definitely not an archive, just some text")))
          assert.strictEqual(error.reason, "Unreadable")
        })
      ))

    it.effect("refuses a truncated archive", () =>
      run(
        Effect.gen(function*() {
          const codec = yield* ZipCodec
          const zip = yield* codec.pack(job)
          const error = yield* Effect.flip(codec.unpack(zip.subarray(0, zip.length - 7)))
          assert.strictEqual(error.reason, "Unreadable")
        })
      ))
  })
}
