import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc } from "effect"
import {
  defaultUnpackLimits,
  GeneralError,
  JobZip,
  resolveUnpackLimits,
  ZipCodec,
  ZipError,
  ZipErrorReason,
  type ZipEntry
} from "@selfie-auth/core"

const text = (s: string) => new TextEncoder().encode(s)
const info: ZipEntry = { name: "info.json", bytes: text("{}") }

describe("JobZip entry names", () => {
  const safe = ["info.json", "selfie.jpg", "liveness/1.jpg", "sélfie 😀.jpg", "..hidden.jpg", "a..b.jpg", "photos/", "security_info.json"]
  const unsafe: ReadonlyArray<readonly [string, string]> = [
    ["", "empty"],
    ["../evil", ".."],
    ["photos/../../evil", ".."],
    ["..", ".."],
    ["/etc/passwd", "absolute"],
    ["C:\\x", "backslash"],
    ["C:x.jpg", "drive letter"],
    ["z:/x.jpg", "drive letter"],
    ["..\\evil", "backslash"],
    ["a\\b.jpg", "backslash"],
    ["bad\u0000name", "control character"],
    ["line\nbreak", "control character"]
  ]

  it("accepts ordinary names, nested ones and directories", () => {
    for (const name of safe) assert.isUndefined(JobZip.entryNameProblem(name), name)
  })

  it("refuses each kind of unsafe name and says why", () => {
    for (const [name, why] of unsafe) {
      const error = JobZip.validateEntryName(name)
      assert.isDefined(error, JSON.stringify(name))
      assert.strictEqual(error!.reason, "UnsafeEntryName")
      assert.strictEqual(error!.entryName, name)
      assert.include(error!.detail, why)
    }
  })

  it("takes basenames across both separators", () => {
    assert.strictEqual(JobZip.basename("/home/partner/selfie.jpg"), "selfie.jpg")
    assert.strictEqual(JobZip.basename("C:\\Users\\p\\liveness1.jpg"), "liveness1.jpg")
    assert.strictEqual(JobZip.basename("info.json"), "info.json")
    assert.strictEqual(JobZip.basename("photos/"), "")
  })
})

describe("JobZip layout", () => {
  it("puts info.json first and keeps the caller's order for the rest", () => {
    const laid = Either.getOrThrow(
      JobZip.layoutForPacking([
        { name: "/p/b.jpg", bytes: text("b") },
        info,
        { name: "/p/a.jpg", bytes: text("a") }
      ])
    )
    assert.deepStrictEqual(laid.map((e) => e.name), ["info.json", "b.jpg", "a.jpg"])
  })

  it("drops directories, refuses duplicates and a missing root info.json after unpacking", () => {
    const checked = Either.getOrThrow(JobZip.checkUnpackedEntries([{ name: "dir/", bytes: new Uint8Array() }, info]))
    assert.deepStrictEqual(checked.map((e) => e.name), ["info.json"])
    const duplicate = Either.flip(JobZip.checkUnpackedEntries([info, info]))
    assert.strictEqual(Either.getOrThrow(duplicate).reason, "DuplicateEntryName")
    const nested = Either.flip(JobZip.checkUnpackedEntries([{ name: "job/info.json", bytes: text("{}") }]))
    assert.strictEqual(Either.getOrThrow(nested).reason, "MissingInfoJson")
  })
})

describe("UnpackLimits", () => {
  const limits = resolveUnpackLimits({ maxEntries: 3, maxEntryBytes: 100, maxTotalBytes: 150, maxCompressionRatio: 10, ratioGraceBytes: 50 })

  it("lets a value at the limit through and refuses one past it", () => {
    assert.isUndefined(JobZip.checkEntryCount(3, limits))
    assert.strictEqual(JobZip.checkEntryCount(4, limits)?.reason, "TooManyEntries")
    assert.isUndefined(JobZip.checkEntrySize("a.jpg", 100, limits))
    assert.strictEqual(JobZip.checkEntrySize("a.jpg", 101, limits)?.reason, "EntryTooLarge")
    assert.isUndefined(JobZip.checkTotalSize(150, limits))
    assert.strictEqual(JobZip.checkTotalSize(151, limits)?.reason, "TotalTooLarge")
  })

  it("checks the ratio only past the grace size", () => {
    assert.isUndefined(JobZip.checkCompressionRatio("a.json", 50, 1, limits))
    assert.strictEqual(JobZip.checkCompressionRatio("a.json", 51, 1, limits)?.reason, "RatioTooHigh")
    assert.isUndefined(JobZip.checkCompressionRatio("a.json", 100, 10, limits))
    assert.strictEqual(JobZip.checkCompressionRatio("a.json", 101, 10, limits)?.reason, "RatioTooHigh")
  })

  it("has defaults that fit a generous SmartSelfie job", () => {
    // info.json, 1 selfie, 8 frames, 9 junk base64imgString entries (Python), ID front and back, security_info.json
    assert.isAtLeast(defaultUnpackLimits.maxEntries, 1 + 1 + 8 + 9 + 2 + 1)
    assert.isAtLeast(defaultUnpackLimits.maxEntryBytes, 12 * 1024 * 1024) // a 12 MB phone photo
    assert.isAtLeast(defaultUnpackLimits.maxTotalBytes, 9 * 5 * 1024 * 1024) // nine 5 MB photos
    assert.isAtLeast(defaultUnpackLimits.maxEntryBytes, Math.ceil((9 * 2 * 1024 * 1024 * 4) / 3)) // nine 2 MB photos as base64 in info.json
  })

  it("applies overrides and refuses a nonsensical setting, naming it", () => {
    assert.deepStrictEqual(resolveUnpackLimits({ maxEntries: 10 }), { ...defaultUnpackLimits, maxEntries: 10 })
    assert.throws(() => resolveUnpackLimits({ maxEntryBytes: -1 }), /maxEntryBytes/)
    assert.throws(() => resolveUnpackLimits({ maxCompressionRatio: 0.5 }), /maxCompressionRatio/)
    assert.throws(() => resolveUnpackLimits({ maxEntries: 70_000 }), /maxEntries/)
  })
})

describe("ZipCodec.wireOutcome", () => {
  const jobResults: ReadonlyArray<ZipErrorReason> = [
    "Unreadable",
    "TooManyEntries",
    "EntryTooLarge",
    "TotalTooLarge",
    "RatioTooHigh",
    "UnsafeEntryName",
    "DuplicateEntryName"
  ]

  it("answers a zip that cannot be extracted with result code 0001, keeping the detail", () => {
    for (const reason of jobResults) {
      const outcome = ZipCodec.wireOutcome(new ZipError({ reason, detail: `what to fix for ${reason}` }))
      assert.deepStrictEqual(outcome, {
        _tag: "JobResult",
        resultCode: "0001",
        resultText: "Data Invalid - Unable to extract zip file",
        detail: `what to fix for ${reason}`
      })
    }
  })

  it("answers a missing info.json with general error 2203", () => {
    const outcome = ZipCodec.wireOutcome(new ZipError({ reason: "MissingInfoJson", detail: "add info.json" }))
    assert.strictEqual(outcome._tag, "GeneralError")
    if (outcome._tag !== "GeneralError") return
    assert.deepStrictEqual(GeneralError.toErrorBody(outcome.error), { code: "2203", error: "Error - Invalid JSON: add info.json" })
  })

  it("covers every reason", () => {
    assert.sameMembers([...ZipErrorReason.literals], [...jobResults, "MissingInfoJson"])
  })
})

describe("ZipError", () => {
  it("reads as its reason and detail", () => {
    const error = new ZipError({ reason: "EntryTooLarge", entryName: "a.jpg", detail: "Send smaller images." })
    assert.strictEqual(error.message, "EntryTooLarge: Send smaller images.")
    assert.strictEqual(error._tag, "ZipError")
  })
})

describe("ZipCodec.layerMemory", () => {
  const provide = <A, E>(effect: Effect.Effect<A, E, ZipCodec>) => Effect.provide(effect, ZipCodec.layerMemory())

  it.effect("writes its documented container", () =>
    provide(
      Effect.gen(function*() {
        const codec = yield* ZipCodec
        const packed = yield* codec.pack([{ name: "info.json", bytes: new Uint8Array([0x7b, 0x7d]) }])
        // "SAZ1", 1 entry, 9 UTF-16 units of "info.json", 2 bytes "{}"
        const expected = [0x53, 0x41, 0x5a, 0x31, 1, 0, 0, 0, 9, 0, 0, 0]
        for (const c of "info.json") expected.push(c.charCodeAt(0), 0)
        expected.push(2, 0, 0, 0, 0x7b, 0x7d)
        assert.deepStrictEqual(Array.from(packed), expected)
      })
    ))

  it.effect("refuses what it did not write, truncated or trailing bytes", () =>
    provide(
      Effect.gen(function*() {
        const codec = yield* ZipCodec
        const packed = yield* codec.pack([info, { name: "selfie.jpg", bytes: text("jpeg") }])
        for (const bad of [text("PK\u0003\u0004"), packed.subarray(0, packed.length - 1), new Uint8Array([...packed, 0])]) {
          const error = yield* Effect.flip(codec.unpack(bad))
          assert.strictEqual(error.reason, "Unreadable")
        }
      })
    ))

  it.effect("round-trips any job of safe, distinct names", () =>
    provide(
      Effect.gen(function*() {
        const codec = yield* ZipCodec
        const names = fc.uniqueArray(fc.stringMatching(/^[a-zA-Z0-9_\-. ]{1,20}$/).filter((n) => n !== "info.json" && n !== "." && n !== ".."), {
          maxLength: 12
        })
        const jobs = fc.sample(fc.tuple(names, fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 12, maxLength: 12 })), 50)
        for (const [fileNames, contents] of jobs) {
          const entries = [info, ...fileNames.map((name, i) => ({ name, bytes: contents[i]! }))]
          const back = yield* codec.unpack(yield* codec.pack(entries))
          assert.deepStrictEqual(back, entries)
        }
      })
    ))
})
