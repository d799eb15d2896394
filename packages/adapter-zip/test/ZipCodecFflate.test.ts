import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import * as zlib from "node:zlib"
import { Wire, ZipCodec, type UnpackLimits, type ZipEntry } from "@selfie-auth/core"
import { Crc32, ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { capturedZips, extractedInfoJson, officialSdkDir } from "@selfie-auth/test-fixtures"
import { buildZip, infoJson, text, zerosBombStream, type RawEntry } from "./HostileZip.js"
import { hasUnzip, inspectWithPython, testWithUnzip, zipWithPython } from "./PythonZipfile.js"

const mebibyte = 1024 * 1024

const withCodec = <A, E>(effect: (codec: ZipCodec["Type"]) => Effect.Effect<A, E>, limits?: Partial<UnpackLimits>) =>
  Effect.flatMap(ZipCodec, effect).pipe(Effect.provide(ZipCodecFflate.layer(limits)))

const unpackError = (zip: Uint8Array, limits?: Partial<UnpackLimits>) =>
  withCodec((codec) => Effect.flip(codec.unpack(zip)), limits)

/** A small job, the same on every run: the golden hash below pins its packed bytes. */
const smallJob: ReadonlyArray<ZipEntry> = [
  { name: "info.json", bytes: text('{"images":[{"image_type_id":0,"image":"","file_name":"selfie.jpg"}]}') },
  { name: "/home/partner/selfie.jpg", bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0xff, 0xd9]) },
  { name: "/home/partner/liveness1.jpg", bytes: new Uint8Array([0xff, 0xd8, 0x01, 0x02, 0x03, 0xff, 0xd9]) }
]

/** A JPEG-like payload of `size` pseudo-random bytes (they do not compress, like a photo). */
const photo = (size: number, seed: number): Uint8Array => {
  const out = new Uint8Array(size)
  let state = seed
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    out[i] = state >>> 24
  }
  return out
}

describe("ZipCodecFflate: the official SDKs' zips", () => {
  const listingEntries = (zipName: string) => {
    const listing = fs.readFileSync(path.join(officialSdkDir, "extracted", zipName.replace(/\.zip$/, ".listing.txt")), "utf8")
    const declared = Number(/number of entries: (\d+)/.exec(listing)![1])
    const entries = listing
      .split("\n")
      .map((line) => /^\S+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+(stor|defN)\s+\S+\s+\S+\s+(.+)$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => ({ size: Number(match[1]), method: match[2] === "stor" ? 0 : 8, name: match[3]! }))
    assert.strictEqual(entries.length, declared, `${zipName}: listing parsed`)
    return entries
  }

  for (const zip of capturedZips()) {
    it.effect(`unpacks ${zip.name} like its extracted copy and listing`, () =>
      withCodec((codec) =>
        Effect.gen(function*() {
          const entries = yield* codec.unpack(zip.bytes)
          const listing = listingEntries(zip.name)
          assert.deepStrictEqual(entries.map((e) => e.name), listing.map((e) => e.name))
          // The methods of the listing (stored for Node, deflated for Python), as Python's zipfile reads the zip.
          assert.deepStrictEqual(inspectWithPython(zip.bytes).entries.map((e) => e.method), listing.map((e) => e.method))
          const info = entries.find((e) => e.name === "info.json")!
          const infoText = new TextDecoder().decode(info.bytes)
          assert.deepStrictEqual(JSON.parse(infoText), extractedInfoJson(zip.name))
          // The wire schema reads it, and every file it names is in the zip (the Node SDK's unzipped
          // liveness files arrive with an empty file_name, so they name nothing).
          const decoded = Wire.InfoJson.decodeInfoJsonText(infoText)
          assert.isTrue(Either.isRight(decoded), `${zip.name}: ${JSON.stringify(Either.isLeft(decoded) && decoded.left)}`)
          const named = Either.getOrThrow(decoded).images.map((image) => image.file_name).filter((name) => name !== "")
          for (const name of named) assert.include(entries.map((e) => e.name), name, `${zip.name} names ${name}`)
          // Images keep the listed sizes. (info.json may be shorter than listed: the fixtures rewrote local paths.)
          for (const [index, entry] of entries.entries()) {
            if (entry.name !== "info.json") assert.strictEqual(entry.bytes.length, listing[index]!.size, entry.name)
          }
        })
      ))
  }

  it.effect("tolerates Ruby/PHP's pretty-printed info.json, Android's security_info.json and directory entries", () =>
    withCodec((codec) =>
      Effect.gen(function*() {
        const pretty = text(JSON.stringify({ images: [{ image_type_id: "0", image: "", file_name: "selfie.jpg" }] }, null, 4))
        const zip = zipWithPython([
          ["info.json", pretty],
          ["selfie.jpg", photo(5000, 1)],
          ["security_info.json", text('{"mac":"00"}')],
          ["extra/", new Uint8Array()]
        ])
        const entries = yield* codec.unpack(zip)
        assert.deepStrictEqual(entries.map((e) => e.name), ["info.json", "selfie.jpg", "security_info.json"])
        assert.deepStrictEqual(entries[0]!.bytes, pretty)
        assert.deepStrictEqual(entries[1]!.bytes, photo(5000, 1))
      })
    ))

  it.effect("reads entries whose sizes follow in data descriptors (a zip written to a pipe)", () =>
    withCodec((codec) =>
      Effect.gen(function*() {
        const zip = zipWithPython([["info.json", text("{}")], ["selfie.jpg", photo(3000, 2)]], "streamed")
        assert.strictEqual(zip[6]! & 0x08, 0x08, "the first entry is flagged as having a data descriptor")
        const entries = yield* codec.unpack(zip)
        assert.deepStrictEqual(entries.map((e) => [e.name, e.bytes.length]), [["info.json", 2], ["selfie.jpg", 3000]])
        assert.deepStrictEqual(entries[1]!.bytes, photo(3000, 2))
      })
    ))

  it.effect("reads names without the UTF-8 flag as code page 437, as unzip does", () =>
    withCodec((codec) =>
      Effect.gen(function*() {
        // 0x82 is "é" and 0xE1 is "ß" in code page 437
        const zip = buildZip([infoJson(), { name: "", rawName: new Uint8Array([0x73, 0x82, 0xe1, 0x2e, 0x6a, 0x70, 0x67]), content: text("x") }])
        const entries = yield* codec.unpack(zip)
        assert.deepStrictEqual(entries.map((e) => e.name), ["info.json", "séß.jpg"])
      })
    ))

  it.effect("refuses a name flagged UTF-8 that is not", () =>
    Effect.gen(function*() {
      const zip = buildZip([infoJson(), { name: "", rawName: new Uint8Array([0x61, 0xff, 0x62]), flags: 0x0800, content: text("x") }])
      const error = yield* unpackError(zip)
      assert.strictEqual(error.reason, "Unreadable")
      assert.include(error.detail, "UTF-8")
    }))
})

describe("ZipCodecFflate: packing", () => {
  it.effect("lays a job out stored, at 1980-01-01, info.json first, names by basename: Python's zipfile agrees", () =>
    withCodec((codec) =>
      Effect.gen(function*() {
        const zip = yield* codec.pack(smallJob)
        const python = inspectWithPython(zip)
        assert.isNull(python.firstBad)
        assert.deepStrictEqual(
          python.entries.map((e) => [e.name, e.method, e.dateTime.join("-"), e.size, e.crc]),
          smallJob.map((entry) => [path.basename(entry.name), 0, "1980-1-1-0-0-0", entry.bytes.length, zlib.crc32(entry.bytes)])
        )
        assert.deepStrictEqual(
          python.entries.map((e) => e.sha256),
          smallJob.map((entry) => crypto.createHash("sha256").update(entry.bytes).digest("hex"))
        )
      })
    ))

  it.effect("packs a small job to the same bytes as ever (golden SHA-256)", () =>
    withCodec((codec) =>
      Effect.gen(function*() {
        const zip = yield* codec.pack(smallJob)
        const expectedLength = smallJob.reduce(
          (sum, entry) => sum + 30 + 46 + 2 * path.basename(entry.name).length + entry.bytes.length,
          22
        )
        assert.strictEqual(zip.length, expectedLength)
        assert.strictEqual(
          crypto.createHash("sha256").update(zip).digest("hex"),
          "b0b52b09fb346f9c4f24ddf0cf4004a3a3bdffac6172096461131cb2a6365f9b"
        )
      })
    ))

  it.effect("writes the same bytes with the portable and the native CRC-32", () =>
    Effect.gen(function*() {
      const frames = Array.from({ length: 3 }, (_, i) => ({ name: `frame${i}.jpg`, bytes: photo(70_001 + i, i) }))
      const entries = [...smallJob, ...frames]
      const portable = yield* ZipCodecFflate.make({}, { crc32: Crc32.crc32Js }).pack(entries)
      const native = yield* ZipCodecFflate.make({}, { crc32: (bytes) => zlib.crc32(bytes) }).pack(entries)
      assert.deepStrictEqual(portable, native)
    }))

  it.effect(`passes unzip -t${hasUnzip() ? "" : " (SKIPPED: no unzip binary on this machine; Python's zipfile still checks)"}`, () =>
    withCodec((codec) =>
      Effect.gen(function*() {
        const zip = yield* codec.pack([
          ...smallJob,
          ...Array.from({ length: 8 }, (_, i) => ({ name: `liveness${i + 2}.jpg`, bytes: photo(20_000, i) }))
        ])
        if (!hasUnzip()) return
        const result = testWithUnzip(zip)
        assert.strictEqual(result.status, 0, result.output)
        assert.include(result.output, "No errors detected")
        assert.strictEqual(result.output.match(/OK$/gm)?.length, 11)
      })
    ))
})

describe("ZipCodecFflate: hostile zips", () => {
  const zeros = (size: number) => new Uint8Array(size)

  it.effect("a deflate bomb with honest sizes: RatioTooHigh before inflating anything", () =>
    Effect.gen(function*() {
      const error = yield* unpackError(buildZip([infoJson(), { name: "bomb.jpg", content: zeros(8 * mebibyte), method: 8 }]))
      assert.strictEqual(error.reason, "RatioTooHigh")
      assert.strictEqual(error.entryName, "bomb.jpg")
    }))

  it.effect("a deflate bomb that declares 100 bytes: RatioTooHigh, counted on the real inflated bytes", () =>
    Effect.gen(function*() {
      const zip = buildZip([infoJson(), { name: "bomb.jpg", content: zeros(8 * mebibyte), method: 8, declaredUncompressedSize: 100 }])
      const error = yield* unpackError(zip)
      assert.strictEqual(error.reason, "RatioTooHigh")
      assert.include(error.detail, "zip bomb")
    }))

  it("the bomb builder makes what it says: 4 MiB of zeros from about 4 KB", () => {
    const stream = zerosBombStream(4)
    assert.isBelow(stream.length, 8 * 1024)
    assert.deepStrictEqual(new Uint8Array(zlib.inflateRawSync(stream)), zeros(4 * mebibyte))
  })

  it.effect("a 1 GiB bomb that declares 100 bytes: EntryTooLarge on the real inflated bytes", () =>
    Effect.gen(function*() {
      const zip = buildZip([infoJson(), { name: "big.jpg", content: zeros(0), rawData: zerosBombStream(1024), method: 8, declaredUncompressedSize: 100 }])
      // The ratio limit is lifted so that only the per-entry limit can stop it: the declared 100 bytes must not be trusted.
      const error = yield* unpackError(zip, { maxCompressionRatio: 1_000_000, maxEntryBytes: mebibyte })
      assert.strictEqual(error.reason, "EntryTooLarge")
      assert.strictEqual(error.entryName, "big.jpg")
    }))

  it.effect("lying sizes past the total limit: TotalTooLarge on the real bytes", () =>
    Effect.gen(function*() {
      const zip = buildZip([
        infoJson(),
        { name: "a.jpg", content: zeros(600 * 1024), method: 8 },
        { name: "b.jpg", content: zeros(600 * 1024), method: 8, declaredUncompressedSize: 10 }
      ])
      const error = yield* unpackError(zip, { maxCompressionRatio: 10_000, maxEntryBytes: mebibyte, maxTotalBytes: mebibyte })
      assert.strictEqual(error.reason, "TotalTooLarge")
    }))

  it.effect("sizes that lie within the limits: Unreadable (the entry is corrupt)", () =>
    Effect.gen(function*() {
      const zip = buildZip([infoJson(), { name: "selfie.jpg", content: photo(3000, 7), method: 8, declaredUncompressedSize: 2000 }])
      const error = yield* unpackError(zip)
      assert.strictEqual(error.reason, "Unreadable")
      assert.include(error.detail, "declares 2000 bytes but holds 3000")
    }))

  it.effect("too many entries: TooManyEntries before reading any of them", () =>
    Effect.gen(function*() {
      const entries: Array<RawEntry> = [infoJson(), ...Array.from({ length: 64 }, (_, i) => ({ name: `f${i}.jpg`, content: text("x") }))]
      const error = yield* unpackError(buildZip(entries))
      assert.strictEqual(error.reason, "TooManyEntries")
      assert.include(error.detail, "65 entries")
    }))

  for (const name of ["../evil.jpg", "photos/../../evil.jpg", "/abs/evil.jpg", "C:\\x.jpg", "c:x.jpg", "..\\evil.jpg", "ok\\..\\..\\evil.jpg", "bad\u0000.jpg", ""]) {
    it.effect(`an entry named ${JSON.stringify(name)}: UnsafeEntryName`, () =>
      Effect.gen(function*() {
        const error = yield* unpackError(buildZip([infoJson(), { name, content: text("x") }]))
        assert.strictEqual(error.reason, "UnsafeEntryName")
        assert.strictEqual(error.entryName, name)
      }))
  }

  it.effect("a traversal disguised as a directory: UnsafeEntryName", () =>
    Effect.gen(function*() {
      const error = yield* unpackError(buildZip([infoJson(), { name: "../", content: new Uint8Array() }]))
      assert.strictEqual(error.reason, "UnsafeEntryName")
    }))

  it.effect("two entries with one name: DuplicateEntryName", () =>
    Effect.gen(function*() {
      const error = yield* unpackError(buildZip([infoJson(), { name: "selfie.jpg", content: text("a") }, { name: "selfie.jpg", content: text("b") }]))
      assert.strictEqual(error.reason, "DuplicateEntryName")
      assert.strictEqual(error.entryName, "selfie.jpg")
    }))

  it.effect("no info.json (one in a folder does not count): MissingInfoJson", () =>
    Effect.gen(function*() {
      const error = yield* unpackError(buildZip([{ name: "job/info.json", content: text("{}") }, { name: "selfie.jpg", content: text("a") }]))
      assert.strictEqual(error.reason, "MissingInfoJson")
    }))

  it.effect("a truncated file: Unreadable", () =>
    withCodec((codec) =>
      Effect.gen(function*() {
        const zip = yield* codec.pack(smallJob)
        for (const cut of [zip.length - 1, zip.length - 30, 100, 10]) {
          const error = yield* Effect.flip(codec.unpack(zip.subarray(0, cut)))
          assert.strictEqual(error.reason, "Unreadable", `cut at ${cut}`)
        }
      })
    ))

  it.effect("a flipped byte in an image: Unreadable with a CRC mismatch", () =>
    withCodec((codec) =>
      Effect.gen(function*() {
        const zip = (yield* codec.pack(smallJob)).slice()
        const selfieData = 30 + 9 + smallJob[0]!.bytes.length + 30 + 10 // after info.json and the selfie's header
        zip[selfieData + 2]! ^= 0x01
        const error = yield* Effect.flip(codec.unpack(zip))
        assert.strictEqual(error.reason, "Unreadable")
        assert.strictEqual(error.entryName, "selfie.jpg")
        assert.include(error.detail, "CRC-32")
      })
    ))

  it.effect("a declared CRC that does not match: Unreadable", () =>
    Effect.gen(function*() {
      const error = yield* unpackError(buildZip([infoJson(), { name: "selfie.jpg", content: photo(999, 3), method: 8, declaredCrc: 0x12345678 }]))
      assert.strictEqual(error.reason, "Unreadable")
      assert.include(error.detail, "declared 12345678")
    }))

  it.effect("random bytes: Unreadable", () =>
    Effect.gen(function*() {
      const error = yield* unpackError(photo(4096, 42))
      assert.strictEqual(error.reason, "Unreadable")
      assert.include(error.detail, "not a zip file")
    }))

  it.effect("an empty upload: Unreadable", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* unpackError(new Uint8Array())).reason, "Unreadable")
    }))

  it.effect("a corrupt deflate stream: Unreadable", () =>
    Effect.gen(function*() {
      const zip = buildZip([infoJson(), { name: "selfie.jpg", content: photo(2000, 5), method: 8 }])
      const dataStart = 30 + 9 + 13 + 30 + 10
      zip.fill(0xff, dataStart, dataStart + 40)
      const error = yield* unpackError(zip)
      assert.strictEqual(error.reason, "Unreadable")
      assert.strictEqual(error.entryName, "selfie.jpg")
    }))

  it.effect("an unsupported method (bzip2) or encryption: Unreadable, saying which", () =>
    Effect.gen(function*() {
      const bzip2 = yield* unpackError(buildZip([infoJson(), { name: "selfie.jpg", content: text("x"), method: 12 }]))
      assert.strictEqual(bzip2.reason, "Unreadable")
      assert.include(bzip2.detail, "method 12")
      const encrypted = yield* unpackError(buildZip([infoJson(), { name: "selfie.jpg", content: text("x"), flags: 1 }]))
      assert.strictEqual(encrypted.reason, "Unreadable")
      assert.include(encrypted.detail, "encrypted")
    }))

  it.effect("entries that share their bytes (the overlapping-files bomb): Unreadable", () =>
    Effect.gen(function*() {
      const zip = buildZip([infoJson(), { name: "a.jpg", content: text("{}") }], { overlap: true })
      const error = yield* unpackError(zip)
      assert.strictEqual(error.reason, "Unreadable")
      assert.include(error.detail, "overlap")
    }))

  it.effect("a central directory with more entries than the end record declares: Unreadable", () =>
    Effect.gen(function*() {
      const zip = buildZip([infoJson(), { name: "hidden.jpg", content: text("x") }])
      const end = zip.length - 22
      zip[end + 8] = 1 // entries on this disk
      zip[end + 10] = 1 // entries in total
      const error = yield* unpackError(zip)
      assert.strictEqual(error.reason, "Unreadable")
      assert.include(error.detail, "more than the 1 entries")
    }))

  it.effect("a local header that names another file than the central directory: Unreadable", () =>
    Effect.gen(function*() {
      const error = yield* unpackError(buildZip([infoJson(), { name: "selfie.jpg", localName: "../evil", content: text("x") }]))
      assert.strictEqual(error.reason, "Unreadable")
      assert.include(error.detail, "names another file")
    }))

  it.effect("every refusal maps to its wire outcome", () =>
    Effect.gen(function*() {
      const unreadable = ZipCodec.wireOutcome(yield* unpackError(photo(100, 1)))
      assert.deepInclude(unreadable, { _tag: "JobResult", resultCode: "0001", resultText: "Data Invalid - Unable to extract zip file" })
      const missing = ZipCodec.wireOutcome(yield* unpackError(buildZip([{ name: "selfie.jpg", content: text("a") }])))
      assert.strictEqual(missing._tag, "GeneralError")
    }))
})
