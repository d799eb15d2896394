import { assert, describe, it } from "@effect/vitest"
import { Timestamp } from "@selfie-auth/core"
import { Duration, Either, FastCheck } from "effect"

/** 2024-01-02T03:04:05Z, written out so the expectation does not come from the parser under test. */
const secondOfTheVectors = 1_704_164_645_000

const parsed = (text: string): number => {
  const result = Timestamp.parse(text)
  if (Either.isLeft(result)) assert.fail(`${text}: ${result.left.detail}`)
  return result.right
}

const rejection = (text: string): Timestamp.InvalidTimestamp => {
  const result = Timestamp.parse(text)
  if (Either.isRight(result)) assert.fail(`${text} parsed to ${result.right}`)
  return result.left
}

describe("Timestamp.parse", () => {
  it("reads the timestamp style of every official SDK", () => {
    assert.strictEqual(parsed("2024-01-02T03:04:05.678Z"), secondOfTheVectors + 678, "Node")
    assert.strictEqual(parsed("2024-01-02T03:04:05.678000+00:00"), secondOfTheVectors + 678, "Python")
    assert.strictEqual(parsed("2024-01-02T03:04:05+00:00"), secondOfTheVectors, "Python without microseconds, PHP")
    assert.strictEqual(parsed("2024-01-02 03:04:05 +0000"), secondOfTheVectors, "Ruby")
    assert.strictEqual(parsed("2024-01-02 03:04:05 UTC"), secondOfTheVectors, "Ruby, a UTC Time")
  })

  it("reads Java's Instant.toString with 0, 3, 6 or 9 fraction digits, truncating below the millisecond", () => {
    assert.strictEqual(parsed("2024-01-02T03:04:05Z"), secondOfTheVectors)
    assert.strictEqual(parsed("2024-01-02T03:04:05.678Z"), secondOfTheVectors + 678)
    assert.strictEqual(parsed("2024-01-02T03:04:05.678900Z"), secondOfTheVectors + 678)
    assert.strictEqual(parsed("2024-01-02T03:04:05.678999999Z"), secondOfTheVectors + 678)
    assert.strictEqual(parsed("2024-01-02T03:04:05.5Z"), secondOfTheVectors + 500)
  })

  it("applies zone offsets east and west of UTC, with or without the colon", () => {
    assert.strictEqual(parsed("2024-01-02T08:34:05+05:30"), secondOfTheVectors)
    assert.strictEqual(parsed("2024-01-01 22:04:05 -0500"), secondOfTheVectors)
    assert.strictEqual(parsed("2024-01-02T03:04:05-00:00"), secondOfTheVectors)
    assert.strictEqual(parsed("2024-01-02t03:04:05z"), secondOfTheVectors)
    assert.strictEqual(parsed("2024-01-02T03:04:05 Z"), secondOfTheVectors)
  })

  it("ignores surrounding whitespace", () => {
    assert.strictEqual(parsed(" 2024-01-02T03:04:05Z\n"), secondOfTheVectors)
  })

  it("knows leap years and the calendar before 1970 and after 2038", () => {
    assert.strictEqual(parsed("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29))
    assert.strictEqual(parsed("2000-02-29T00:00:00Z"), Date.UTC(2000, 1, 29))
    assert.strictEqual(parsed("1969-12-31T23:59:59.999Z"), -1)
    assert.strictEqual(parsed("2100-03-01T00:00:00Z"), Date.UTC(2100, 2, 1))
    assert.strictEqual(parsed("0001-01-01T00:00:00Z"), -62_135_596_800_000)
  })

  it("agrees with Date on every instant Node writes", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.date({ min: new Date("0000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true }),
        (date) => parsed(date.toISOString()) === date.getTime()
      )
    )
  })

  it("rejects a zone-less timestamp and says to send a zone (Python SDK PR #168)", () => {
    for (const text of ["2024-01-02T03:04:05", "2024-01-02T03:04:05.678000", "2024-01-02 03:04:05"]) {
      const error = rejection(text)
      assert.strictEqual(error.reason, "MissingZone", text)
      assert.include(error.detail, "no time zone")
      assert.include(error.detail, "2024-01-02T03:04:05.678Z")
    }
  })

  it("rejects epoch numbers, whose unit the retired sec_key SDKs disagreed on", () => {
    for (const text of ["1704164645678", "1704164645", "1704164645.678"]) {
      const error = rejection(text)
      assert.strictEqual(error.reason, "EpochNumber", text)
      assert.include(error.detail, "ISO 8601 with a zone")
    }
  })

  it("rejects dates and times that do not exist, naming the field", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["2024-13-01T00:00:00Z", "month (13)"],
      ["2024-00-01T00:00:00Z", "month (0)"],
      ["2023-02-29T00:00:00Z", "day (29 in month 2 of 2023)"],
      ["1900-02-29T00:00:00Z", "day (29 in month 2 of 1900)"],
      ["2024-04-31T00:00:00Z", "day (31 in month 4 of 2024)"],
      ["2024-01-02T24:00:00Z", "hour (24)"],
      ["2024-01-02T03:60:00Z", "minute (60)"],
      ["2016-12-31T23:59:60Z", "second (60; leap seconds are not accepted)"],
      ["2024-01-02T03:04:05+24:00", "zone offset +24:00"],
      ["2024-01-02T03:04:05+05:60", "zone offset +05:60"]
    ]
    for (const [text, part] of cases) {
      const error = rejection(text)
      assert.strictEqual(error.reason, "OutOfRange", text)
      assert.include(error.detail, `has no such ${part}`)
    }
  })

  it("rejects malformed text with an example of what to send", () => {
    for (
      const text of [
        "2024-01-02",
        "2024-01-02T03:04Z",
        "2024-1-2T03:04:05Z",
        "2024-01-02T03:04:05.Z",
        "2024-01-02T03:04:05.1234567890Z",
        "2024-01-02T03:04:05+5",
        "Tue, 02 Jan 2024 03:04:05 GMT",
        "yesterday",
        "2024-01-02T03:04:05Z".repeat(4)
      ]
    ) {
      const error = rejection(text)
      assert.strictEqual(error.reason, "Malformed", text)
      assert.include(error.detail, "send e.g. \"2024-01-02T03:04:05.678Z\"")
    }
    assert.strictEqual(rejection("").reason, "Empty")
    assert.strictEqual(rejection("   ").reason, "Empty")
  })

  it("rejects an epoch number of any length as such, even past the length a date can have", () => {
    assert.strictEqual(rejection("1".repeat(100)).reason, "EpochNumber")
    assert.strictEqual(rejection(` ${"9".repeat(70)}.5 `).reason, "EpochNumber")
  })

  it("quotes the received value, trimmed and shortened to 64 characters, in every rejection that names it", () => {
    const cases: ReadonlyArray<readonly [string, Timestamp.InvalidTimestamp["reason"]]> = [
      [" 1704164645678 ", "EpochNumber"],
      ["yesterday \"noon\"", "Malformed"],
      ["2024-01-02T03:04:05", "MissingZone"],
      ["2024-13-01T00:00:00Z", "OutOfRange"]
    ]
    for (const [text, reason] of cases) {
      const error = rejection(text)
      assert.strictEqual(error.reason, reason)
      assert.include(error.detail, `timestamp ${JSON.stringify(text.trim())} `)
    }
    assert.include(rejection("x".repeat(100)).detail, `timestamp "${"x".repeat(64)}" is not`)
  })

  it("keeps at most 64 characters of the received value in the error", () => {
    assert.strictEqual(rejection("x".repeat(10_000)).timestamp.length, 64)
  })
})

describe("Timestamp.format", () => {
  it("writes Node-style ISO with milliseconds and Z", () => {
    assert.strictEqual(Timestamp.format(secondOfTheVectors + 678), "2024-01-02T03:04:05.678Z")
    assert.strictEqual(Timestamp.format(secondOfTheVectors), "2024-01-02T03:04:05.000Z")
  })

  it("writes exactly what Date's toISOString writes, for any millisecond Date can hold", () => {
    const limit = 8_640_000_000_000_000
    FastCheck.assert(
      FastCheck.property(
        FastCheck.oneof(
          FastCheck.integer({ min: 0, max: 253_402_300_799_999 }),
          FastCheck.integer({ min: -limit, max: limit }),
          FastCheck.double({ min: -limit, max: limit, noNaN: true })
        ),
        (millis) => Timestamp.format(millis) === new Date(millis).toISOString()
      ),
      { numRuns: 2000 }
    )
    for (
      const millis of [
        0,
        -0,
        -1,
        0.5,
        999,
        951_782_400_000, // 2000-02-29
        4_107_542_400_000, // 2100-03-01
        253_402_300_799_999, // the last instant of year 9999
        253_402_300_799_999.5,
        253_402_300_800_000, // +010000
        -62_167_219_200_000, // 0000-01-01
        -62_167_219_200_001, // -000001
        limit,
        -limit
      ]
    ) {
      assert.strictEqual(Timestamp.format(millis), new Date(millis).toISOString(), String(millis))
    }
  })

  it("writes every millisecond of a second and every second of a day as toISOString does", () => {
    const differing: Array<string> = []
    const check = (millis: number) => {
      if (Timestamp.format(millis) !== new Date(millis).toISOString()) differing.push(Timestamp.format(millis))
    }
    for (let millisecond = 0; millisecond < 1000; millisecond++) check(secondOfTheVectors + millisecond)
    for (let second = 0; second < 86_400; second++) check(Date.UTC(2024, 1, 29) + second * 1000 + 7)
    assert.deepStrictEqual(differing, [])
  })

  it("throws a RangeError for a value that is no instant", () => {
    for (const millis of [Number.NaN, Infinity, -Infinity, 8_640_000_000_000_001, -8_640_000_000_000_001]) {
      assert.throws(() => Timestamp.format(millis), RangeError)
    }
  })

  it("round-trips through parse", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
        (millis) => parsed(Timestamp.format(millis)) === millis
      )
    )
  })
})

describe("Timestamp.checkFreshness", () => {
  const now = secondOfTheVectors
  const window: Timestamp.FreshnessWindow = { past: "10 minutes", future: "30 seconds" }

  it("accepts timestamps inside the window, bounds included, answering the skew", () => {
    assert.deepStrictEqual(Timestamp.checkFreshness(now, now, window), Either.right(0))
    assert.deepStrictEqual(Timestamp.checkFreshness(now - 600_000, now, window), Either.right(600_000))
    assert.deepStrictEqual(Timestamp.checkFreshness(now + 30_000, now, window), Either.right(-30_000))
  })

  it("rejects a timestamp too far in the past, with the skew rounded up to whole seconds", () => {
    const result = Timestamp.checkFreshness(now - 600_001, now, window)
    const error = Either.isLeft(result) ? result.left : assert.fail("accepted")
    assert.strictEqual(error.direction, "past")
    assert.strictEqual(error.skewSeconds, 601)
    assert.strictEqual(error.allowedSeconds, 600)
    assert.include(error.message, "601 s old; at most 600 s")
    assert.include(error.message, "fresh timestamp")
  })

  it("rejects a timestamp ahead of the clock and hints at a local time sent as UTC", () => {
    const result = Timestamp.checkFreshness(now + 3 * 3_600_000, now, window)
    const error = Either.isLeft(result) ? result.left : assert.fail("accepted")
    assert.strictEqual(error.direction, "future")
    assert.strictEqual(error.skewSeconds, 10_800)
    assert.strictEqual(error.allowedSeconds, 30)
    assert.include(error.message, "10800 s ahead of the server's clock")
    assert.include(error.message, "local time")
  })

  it("lets Duration.infinity disable a direction", () => {
    const lenient: Timestamp.FreshnessWindow = { past: Duration.infinity, future: 0 }
    assert.isTrue(Either.isRight(Timestamp.checkFreshness(0, now, lenient)))
    assert.isTrue(Either.isLeft(Timestamp.checkFreshness(now + 1, now, lenient)))
  })

  it("defaults to 24 hours into the past and 5 minutes into the future", () => {
    const day = 86_400_000
    assert.isTrue(Either.isRight(Timestamp.checkFreshness(now - day, now, Timestamp.defaultWindow)))
    assert.isTrue(Either.isLeft(Timestamp.checkFreshness(now - day - 1, now, Timestamp.defaultWindow)))
    assert.isTrue(Either.isRight(Timestamp.checkFreshness(now + 300_000, now, Timestamp.defaultWindow)))
    assert.isTrue(Either.isLeft(Timestamp.checkFreshness(now + 300_001, now, Timestamp.defaultWindow)))
  })

  it("judges by the default window exactly as by the same window written out, or its bounds reused elsewhere", () => {
    const day = 86_400_000
    const writtenOut: Timestamp.FreshnessWindow = { past: "24 hours", future: Duration.seconds(300) }
    const swapped: Timestamp.FreshnessWindow = { past: Timestamp.defaultWindow.future, future: Timestamp.defaultWindow.past }
    const swappedWrittenOut: Timestamp.FreshnessWindow = { past: "5 minutes", future: 86_400_000 }
    const skew = FastCheck.oneof(
      FastCheck.integer({ min: -2 * day, max: 2 * day }),
      FastCheck.constantFrom(day, day + 1, -300_000, -300_001, 300_000, 300_001, -day, -day - 1, 0)
    )
    FastCheck.assert(
      FastCheck.property(skew, (skewMillis) => {
        assert.deepStrictEqual(
          Timestamp.checkFreshness(now - skewMillis, now, Timestamp.defaultWindow),
          Timestamp.checkFreshness(now - skewMillis, now, writtenOut)
        )
        assert.deepStrictEqual(
          Timestamp.checkFreshness(now - skewMillis, now, swapped),
          Timestamp.checkFreshness(now - skewMillis, now, swappedWrittenOut)
        )
      }),
      { numRuns: 500 }
    )
  })
})
