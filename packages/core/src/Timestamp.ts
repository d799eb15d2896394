/**
 * The `timestamp` of the v1 API: reading every style the official SDKs send,
 * judging freshness, and writing our own.
 *
 * The signature covers the timestamp *string* exactly as sent (see `Signature`),
 * so parsing here never changes what is verified; it only tells when the request
 * was signed, for the freshness check.
 *
 * Styles read (all must carry a zone):
 * | SDK | example |
 * |---|---|
 * | Node (`toISOString`) | `2024-01-02T03:04:05.678Z` |
 * | Python (`isoformat`, UTC) | `2024-01-02T03:04:05.678000+00:00` (no fraction when microseconds are 0) |
 * | Ruby (`Time#to_s`) | `2024-01-02 03:04:05 +0000`, or `... UTC` for a UTC `Time` |
 * | PHP (`DATE_ATOM`) | `2024-01-02T03:04:05+00:00` |
 * | Java (`Instant.toString`) | `2024-01-02T03:04:05Z`, `.678Z`, `.678900Z`, `.678900123Z` |
 *
 * Decision: a numeric epoch string (`"1704164645678"`) is rejected. The product
 * text says "in milliseconds" only for the retired `sec_key` scheme, whose SDKs
 * disagreed on the unit (Node milliseconds, Ruby seconds); no SDK that sends
 * `signature` sends a number, and guessing the unit could silently accept a
 * timestamp that means something else. The rejection says what to send instead.
 *
 * @example
 * Timestamp.parse("2024-01-02 03:04:05 +0000") // Either.right(1704164645000)
 * Timestamp.checkFreshness(1704164645000, Date.UTC(2024, 0, 3), Timestamp.defaultWindow)
 */
import { Duration, Either, Schema } from "effect"

/** Why a timestamp string names no instant; `detail` says what to send instead. */
export class InvalidTimestamp extends Schema.TaggedError<InvalidTimestamp>()("InvalidTimestamp", {
  reason: Schema.Literal("Empty", "MissingZone", "EpochNumber", "Malformed", "OutOfRange"),
  /** The received value, shortened to 64 characters. */
  timestamp: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** A timestamp that parsed but lies outside the accepted window around the server's clock. */
export class TimestampOutsideWindow extends Schema.TaggedError<TimestampOutsideWindow>()("TimestampOutsideWindow", {
  /** `past`: signed too long ago; `future`: ahead of the server's clock. */
  direction: Schema.Literal("past", "future"),
  /** How far the timestamp is from the server's clock, rounded up to whole seconds. */
  skewSeconds: Schema.Number,
  /** How far it may be in that direction, in seconds. */
  allowedSeconds: Schema.Number
}) {
  override get message(): string {
    return this.direction === "past"
      ? `timestamp is ${this.skewSeconds} s old; at most ${this.allowedSeconds} s is accepted. ` +
          "Sign each request with a fresh timestamp (the official Python SDK keeps the timestamp of its client " +
          "object for the object's whole life: create a client per job)."
      : `timestamp is ${this.skewSeconds} s ahead of the server's clock; at most ${this.allowedSeconds} s is accepted. ` +
          "Check the client's clock; a skew of whole hours usually means a local time was sent with a UTC zone."
  }
}

/** How far from the server's clock a timestamp may be, in each direction (inclusive). */
export interface FreshnessWindow {
  readonly past: Duration.DurationInput
  readonly future: Duration.DurationInput
}

/**
 * The default window: 24 hours into the past, 5 minutes into the future.
 *
 * Why so generous into the past: the official Python SDK takes one timestamp
 * when a client object is created and reuses it for every request of that
 * object, so a partner keeping a client for a working day sends hours-old
 * timestamps that the hosted API accepts. The v1 signature covers no body
 * bytes, so the window is not replay protection anyway (a captured signature
 * authenticates any body while it is fresh); it only bounds how long a leaked
 * signature stays useful. Into the future only clock drift is expected, hence
 * the usual 5 minutes. Operators can narrow or widen both (`Duration.infinity`
 * disables a direction).
 */
export const defaultWindow: FreshnessWindow = { past: Duration.hours(24), future: Duration.minutes(5) }

const example = "2024-01-02T03:04:05.678Z"
const maximumLength = 64

/**
 * `date` `T`|space `time` [`.fraction`] [space] [`zone`]. The zone is optional
 * in the pattern only so that its absence gets its own, precise rejection.
 */
const pattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: ?([Zz]|UTC|[+-]\d{2}:?\d{2}))?$/

const millisPerMinute = 60_000
const millisPerDay = 86_400_000

/**
 * Reads a timestamp of any style the official SDKs send (see the module
 * comment) into epoch milliseconds. Digits below the millisecond are
 * truncated. Leading and trailing whitespace is ignored.
 *
 * Fails with `MissingZone` for a zone-less time (it names no instant: the
 * cause of Python SDK PR #168), `EpochNumber` for a bare number, `OutOfRange`
 * for an impossible date or time (month 13, February 30, 24:00:00, a leap
 * second) and `Malformed` for anything else.
 */
export const parse = (timestamp: string): Either.Either<number, InvalidTimestamp> => {
  const text = timestamp.trim()
  const reject = (reason: InvalidTimestamp["reason"], detail: string) =>
    Either.left(new InvalidTimestamp({ reason, timestamp: timestamp.slice(0, maximumLength), detail }))
  // Only a rejection quotes the input: an accepted timestamp never pays for it.
  const quoted = () => JSON.stringify(text.slice(0, maximumLength))

  if (text.length === 0) {
    return reject("Empty", `timestamp is empty; send the time of signing in ISO 8601 with a zone, e.g. "${example}"`)
  }
  // The pattern runs first: a date and time never looks like a number, so the number check is for what it refuses.
  const match = text.length <= maximumLength ? pattern.exec(text) : null
  if (match === null) {
    if (/^\d+(\.\d+)?$/.test(text)) {
      return reject(
        "EpochNumber",
        `timestamp ${quoted()} is a number; send the time of signing in ISO 8601 with a zone, e.g. "${example}" ` +
          "(epoch numbers belonged to the retired sec_key scheme)"
      )
    }
    return reject(
      "Malformed",
      `timestamp ${quoted()} is not an ISO 8601 date and time; send e.g. "${example}" or "2024-01-02T03:04:05+00:00"`
    )
  }
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fractionText, zoneText] = match
  if (zoneText === undefined) {
    return reject(
      "MissingZone",
      `timestamp ${quoted()} has no time zone, so it names no instant; send UTC with a zone, ` +
        `e.g. "${example}" (Python: datetime.now(timezone.utc).isoformat())`
    )
  }
  const year = Number(yearText)
  const month = Number(monthText)
  const day = Number(dayText)
  const hour = Number(hourText)
  const minute = Number(minuteText)
  const second = Number(secondText)
  const offsetMinutes = parseOffsetMinutes(zoneText)

  const impossible = impossiblePart({ year, month, day, hour, minute, second }) ??
    (offsetMinutes === undefined ? `zone offset ${zoneText}` : undefined)
  if (impossible !== undefined || offsetMinutes === undefined) {
    return reject("OutOfRange", `timestamp ${quoted()} has no such ${impossible ?? "zone"}; send e.g. "${example}"`)
  }

  const millisecond = fractionText === undefined ? 0 : Number(fractionText.padEnd(3, "0").slice(0, 3))
  return Either.right(
    daysFromCivil(year, month, day) * millisPerDay +
      ((hour * 60 + minute) * 60 + second) * 1000 +
      millisecond -
      offsetMinutes * millisPerMinute
  )
}

/**
 * Writes an instant the way we send our own timestamps (job_status responses,
 * callbacks, the client's requests): Node's `toISOString`, milliseconds and
 * `Z`, e.g. `2024-01-02T03:04:05.678Z`. Every official SDK reads this style.
 * Throws a `RangeError` for a non-finite value or one beyond ±275760 years
 * (a programming error, not input).
 */
export const format = (epochMillis: number): string => new Date(epochMillis).toISOString()

/**
 * Judges a parsed timestamp against the server's clock. Succeeds with the
 * skew in milliseconds (`now - timestamp`: positive when the timestamp is in
 * the past); fails with the direction, the skew and the allowance in seconds.
 * Both bounds are inclusive.
 */
export const checkFreshness = (
  timestampMillis: number,
  nowMillis: number,
  window: FreshnessWindow
): Either.Either<number, TimestampOutsideWindow> => {
  const skewMillis = nowMillis - timestampMillis
  const allowedMillis = Duration.toMillis(skewMillis >= 0 ? window.past : window.future)
  if (Math.abs(skewMillis) <= allowedMillis) return Either.right(skewMillis)
  return Either.left(
    new TimestampOutsideWindow({
      direction: skewMillis >= 0 ? "past" : "future",
      skewSeconds: Math.ceil(Math.abs(skewMillis) / 1000),
      allowedSeconds: allowedMillis / 1000
    })
  )
}

/** Names the first field of a date and time that cannot exist, if any. */
const impossiblePart = (fields: {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}): string | undefined => {
  const { year, month, day, hour, minute, second } = fields
  if (month < 1 || month > 12) return `month (${month})`
  if (day < 1 || day > daysInMonth(year, month)) return `day (${day} in month ${month} of ${year})`
  if (hour > 23) return `hour (${hour})`
  if (minute > 59) return `minute (${minute})`
  if (second > 59) return `second (${second}; leap seconds are not accepted)`
  return undefined
}

/** `Z`, `UTC`, `+00:00`, `-0530`... to minutes east of UTC; `undefined` past 23:59. */
const parseOffsetMinutes = (zone: string): number | undefined => {
  if (zone === "Z" || zone === "z" || zone === "UTC") return 0
  const digits = zone.slice(1).replace(":", "")
  const hours = Number(digits.slice(0, 2))
  const minutes = Number(digits.slice(2))
  if (hours > 23 || minutes > 59) return undefined
  return (zone.startsWith("-") ? -1 : 1) * (hours * 60 + minutes)
}

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * `days_from_civil`). Plain arithmetic, because `Date.UTC` maps years 0-99
 * onto 1900-1999.
 */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const shiftedYear = month <= 2 ? year - 1 : year
  const era = Math.floor(shiftedYear / 400)
  const yearOfEra = shiftedYear - era * 400
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}
