/**
 * ZipCodec: packs a SmartSelfie job into the zip the v1 API uploads, and
 * unpacks an uploaded zip within limits.
 *
 * A job zip holds `info.json` (the job description) and the image files it
 * names, flat, by basename. The official SDKs differ in the details (WIRE.md,
 * "The zip"): Node stores, Python deflates and adds junk `base64imgString`
 * entries, Ruby/PHP pretty-print info.json, Android adds `security_info.json`.
 * `unpack` accepts all of them; `pack` writes what the Node SDK writes, minus its
 * bug of leaving liveness files out (we pack every entry we are given).
 *
 * The rules both directions share (entry names, order, duplicates, limits) are
 * plain functions here, so every codec, the real one and {@link ZipCodec.layerMemory},
 * refuses the same inputs with the same reasons.
 *
 * Adapters: `@selfie-auth/adapter-zip` (`ZipCodecFflate.layer`), and the test-only
 * {@link ZipCodec.layerMemory}.
 */
import { Context, Effect, Either, Layer, Schema } from "effect"
import { InvalidJson } from "../GeneralError.js"

/** One file of a job zip: its name inside the zip and its bytes. */
export interface ZipEntry {
  readonly name: string
  readonly bytes: Uint8Array
}

/** The name of the job description every job zip carries at its root. */
const infoJsonName = "info.json"

/**
 * Why a zip was refused.
 *
 * - `Unreadable`: not a zip, truncated, a bad CRC, a size that does not match the
 *   bytes, an unsupported compression method, encryption or zip64.
 * - `TooManyEntries`, `EntryTooLarge`, `TotalTooLarge`, `RatioTooHigh`: an
 *   {@link UnpackLimits} limit was crossed, counted on the real inflated bytes.
 * - `UnsafeEntryName`: an absolute path, a `..` segment, a backslash, a drive
 *   letter, a control character or an empty name.
 * - `DuplicateEntryName`: two entries with the same name.
 * - `MissingInfoJson`: no `info.json` at the root of the zip.
 */
export const ZipErrorReason = Schema.Literal(
  "Unreadable",
  "TooManyEntries",
  "EntryTooLarge",
  "TotalTooLarge",
  "RatioTooHigh",
  "UnsafeEntryName",
  "DuplicateEntryName",
  "MissingInfoJson"
)
export type ZipErrorReason = typeof ZipErrorReason.Type

/**
 * The one error of the port. `detail` says what is wrong and what to fix;
 * `entryName` names the offending entry where there is one.
 * {@link wireOutcome} says what the v1 API answers for it.
 */
export class ZipError extends Schema.TaggedError<ZipError>()("ZipError", {
  reason: ZipErrorReason,
  detail: Schema.String,
  entryName: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

const mebibyte = 1024 * 1024

/**
 * Limits on what `unpack` inflates. They are configuration: decode them with
 * this schema from wherever the server reads its settings.
 *
 * Every limit is enforced against the bytes really produced while inflating,
 * not only against the sizes an entry declares (which a hostile zip can fake),
 * and unpacking stops as soon as one is crossed.
 *
 * - `maxEntries`: entries in the central directory, directories included.
 * - `maxEntryBytes` / `maxTotalBytes`: inflated size of one entry / of all.
 * - `maxCompressionRatio`: inflated bytes per compressed byte of one entry,
 *   checked once the entry has inflated past `ratioGraceBytes` (small text
 *   files compress well and are harmless).
 */
export const UnpackLimits = Schema.Struct({
  maxEntries: Schema.Int.pipe(Schema.between(1, 65_535)),
  maxEntryBytes: Schema.Int.pipe(Schema.positive()),
  maxTotalBytes: Schema.Int.pipe(Schema.positive()),
  maxCompressionRatio: Schema.Number.pipe(Schema.finite(), Schema.greaterThanOrEqualTo(1)),
  ratioGraceBytes: Schema.Int.pipe(Schema.nonNegative())
})
export type UnpackLimits = typeof UnpackLimits.Type

/**
 * Defaults for a SmartSelfie job: one selfie, ~8 liveness frames and info.json
 * come to 10 entries; Python's junk `base64imgString` entries, ID card images
 * and Android's `security_info.json` can double that, so 64 leaves room.
 * Phone photos are 2-12 MB and info.json may embed every image as base64 (4/3
 * of the size), so one entry may reach 32 MiB and a whole job 64 MiB. JPEGs do
 * not compress and JSON deflates about 2-10x, so a ratio above 100 past the
 * first 64 KiB is a bomb, not a job.
 */
export const defaultUnpackLimits: UnpackLimits = {
  maxEntries: 64,
  maxEntryBytes: 32 * mebibyte,
  maxTotalBytes: 64 * mebibyte,
  maxCompressionRatio: 100,
  ratioGraceBytes: 64 * 1024
}

/**
 * The defaults with `overrides` applied, validated.
 *
 * @throws a `ParseError` naming the bad setting: this runs while the server
 * is configured, where a wrong limit must stop the start-up.
 */
export const resolveUnpackLimits = (overrides: Partial<UnpackLimits> = {}): UnpackLimits =>
  Schema.decodeUnknownSync(UnpackLimits)({ ...defaultUnpackLimits, ...overrides })

// ---------------------------------------------------------------------------
// Entry names

/** Whether a zip entry name denotes a directory (unpack ignores those). */
const isDirectoryName = (name: string): boolean => name.endsWith("/")

/** The last segment of a `/`- or `\`-separated path: `"/home/p/selfie.jpg"` -> `"selfie.jpg"`. */
const basename = (path: string): string => path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1)

// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f]/

/**
 * What makes an entry name unsafe to use, or `undefined` for a safe one.
 * Refused: empty names, control characters, backslashes (Windows separators
 * and `..\` tricks), absolute paths, drive letters and `..` segments.
 */
const entryNameProblem = (name: string): string | undefined => {
  if (name.length === 0) return "the entry has an empty name"
  if (controlCharacter.test(name)) return "the name contains a control character"
  if (name.includes("\\")) return "the name contains a backslash; zip names use '/' and job files need none"
  if (name.startsWith("/")) return "the name is an absolute path; name files by their basename"
  if (/^[A-Za-z]:/.test(name)) return "the name starts with a drive letter; name files by their basename"
  if (name.split("/").includes("..")) return "the name climbs out of the zip with '..'; name files by their basename"
  return undefined
}

const unsafeName = (name: string, problem: string) =>
  new ZipError({ reason: "UnsafeEntryName", entryName: name, detail: `Entry ${JSON.stringify(name)}: ${problem}.` })

/** The error for an unsafe entry name, or `undefined` if the name is safe. */
const validateEntryName = (name: string): ZipError | undefined => {
  const problem = entryNameProblem(name)
  return problem === undefined ? undefined : unsafeName(name, problem)
}

// ---------------------------------------------------------------------------
// Limits, as plain checks shared by every codec

const formatBytes = (bytes: number): string =>
  bytes >= mebibyte ? `${(bytes / mebibyte).toFixed(1)} MiB` : `${bytes} bytes`

/** `TooManyEntries` if a zip with `count` entries is over the limit. */
const checkEntryCount = (count: number, limits: UnpackLimits): ZipError | undefined =>
  count > limits.maxEntries
    ? new ZipError({
        reason: "TooManyEntries",
        detail: `The zip has ${count} entries; at most ${limits.maxEntries} are accepted. Zip only info.json and the job's images.`
      })
    : undefined

/** `EntryTooLarge` if an entry of `bytes` inflated bytes (so far) is over the limit. */
const checkEntrySize = (name: string, bytes: number, limits: UnpackLimits): ZipError | undefined =>
  bytes > limits.maxEntryBytes
    ? new ZipError({
        reason: "EntryTooLarge",
        entryName: name,
        detail: `Entry ${JSON.stringify(name)} inflates to more than ${formatBytes(limits.maxEntryBytes)}, the limit per entry. Send smaller images (resize or recompress them).`
      })
    : undefined

/** `TotalTooLarge` if the entries inflated so far come to more than the limit. */
const checkTotalSize = (bytes: number, limits: UnpackLimits): ZipError | undefined =>
  bytes > limits.maxTotalBytes
    ? new ZipError({
        reason: "TotalTooLarge",
        detail: `The zip inflates to more than ${formatBytes(limits.maxTotalBytes)}, the limit per job. Send fewer or smaller images.`
      })
    : undefined

/** `RatioTooHigh` if `inflated` bytes from `compressed` bytes exceed the ratio (past the grace size). */
const checkCompressionRatio = (
  name: string,
  inflated: number,
  compressed: number,
  limits: UnpackLimits
): ZipError | undefined =>
  inflated > limits.ratioGraceBytes && inflated > limits.maxCompressionRatio * compressed
    ? new ZipError({
        reason: "RatioTooHigh",
        entryName: name,
        detail: `Entry ${JSON.stringify(name)} inflates from ${compressed} bytes to more than ${inflated} bytes, over the ratio of ${limits.maxCompressionRatio} accepted; this looks like a zip bomb. Store images as they are.`
      })
    : undefined

// ---------------------------------------------------------------------------
// The layout of a job

/**
 * Lays a job out the way the official SDKs do: every entry named by its
 * basename, `info.json` first, then the rest in the caller's order. Refuses
 * what `unpack` would refuse: no `info.json`, unsafe or duplicate names.
 */
const layoutForPacking = (entries: ReadonlyArray<ZipEntry>): Either.Either<ReadonlyArray<ZipEntry>, ZipError> => {
  const named = entries.map((entry) => ({ name: basename(entry.name), bytes: entry.bytes }))
  const seen = new Set<string>()
  for (const entry of named) {
    const unsafe = validateEntryName(entry.name)
    if (unsafe !== undefined) return Either.left(unsafe)
    if (seen.has(entry.name)) {
      return Either.left(
        new ZipError({
          reason: "DuplicateEntryName",
          entryName: entry.name,
          detail: `Two files are named ${JSON.stringify(entry.name)} once reduced to their basename; give each image a distinct file name.`
        })
      )
    }
    seen.add(entry.name)
  }
  const info = named.find((entry) => entry.name === infoJsonName)
  if (info === undefined) return Either.left(missingInfoJson())
  return Either.right([info, ...named.filter((entry) => entry !== info)])
}

const missingInfoJson = () =>
  new ZipError({
    reason: "MissingInfoJson",
    entryName: infoJsonName,
    detail: "The zip has no info.json at its root; add the job description as info.json next to the images."
  })

/**
 * The final check of an unpacked zip, shared by every codec: drops directory
 * entries, validates names, refuses duplicates and requires a root `info.json`.
 * Entries keep the zip's order.
 */
const checkUnpackedEntries = (entries: ReadonlyArray<ZipEntry>): Either.Either<ReadonlyArray<ZipEntry>, ZipError> => {
  const files: Array<ZipEntry> = []
  const seen = new Set<string>()
  for (const entry of entries) {
    const unsafe = validateEntryName(entry.name)
    if (unsafe !== undefined) return Either.left(unsafe)
    if (isDirectoryName(entry.name)) continue
    if (seen.has(entry.name)) return Either.left(duplicateInZip(entry.name))
    seen.add(entry.name)
    files.push(entry)
  }
  return seen.has(infoJsonName) ? Either.right(files) : Either.left(missingInfoJson())
}

/** `DuplicateEntryName` for a name that occurs twice in an uploaded zip. */
const duplicateInZip = (name: string) =>
  new ZipError({
    reason: "DuplicateEntryName",
    entryName: name,
    detail: `The zip holds two entries named ${JSON.stringify(name)}; zip each file once.`
  })

// ---------------------------------------------------------------------------
// What the v1 API answers

/** The job-level result of a zip that cannot be extracted. */
const unableToExtract = {
  resultCode: "0001",
  resultText: "Data Invalid - Unable to extract zip file"
} as const

/**
 * What the v1 API answers when unpacking fails:
 *
 * - `MissingInfoJson` is a general error, `2203` "Error - Invalid JSON": the
 *   request has no usable job description (a broken info.json, found later by
 *   the info.json decoder, answers the same code).
 * - every other reason (unreadable zip, crossed limit, unsafe or duplicate
 *   name) is a job result: `ResultCode "0001"`, `ResultText "Data Invalid -
 *   Unable to extract zip file"`. Such a job exists, so the result carries its
 *   Smile job id and reaches the callback and job_status like any result.
 *
 * In both cases `detail` (or the general error's `detail`) tells the partner
 * what to fix.
 */
export type ZipWireOutcome =
  | {
      readonly _tag: "JobResult"
      readonly resultCode: typeof unableToExtract.resultCode
      readonly resultText: typeof unableToExtract.resultText
      readonly detail: string
    }
  | { readonly _tag: "GeneralError"; readonly error: InvalidJson }

/** Maps a {@link ZipError} to its wire outcome; see {@link ZipWireOutcome}. */
const wireOutcome = (error: ZipError): ZipWireOutcome => {
  switch (error.reason) {
    case "MissingInfoJson":
      return { _tag: "GeneralError", error: new InvalidJson({ detail: error.detail }) }
    case "Unreadable":
    case "TooManyEntries":
    case "EntryTooLarge":
    case "TotalTooLarge":
    case "RatioTooHigh":
    case "UnsafeEntryName":
    case "DuplicateEntryName":
      return { _tag: "JobResult", ...unableToExtract, detail: error.detail }
  }
}

/**
 * The rules of a job zip as plain functions, for codecs: `ZipCodecFflate` and
 * {@link ZipCodec.layerMemory} both build on them, so they refuse the same
 * inputs with the same reasons and details.
 */
export const JobZip = {
  /** `"info.json"`, the job description every job zip carries at its root. */
  infoJsonName,
  isDirectoryName,
  basename,
  entryNameProblem,
  validateEntryName,
  checkEntryCount,
  checkEntrySize,
  checkTotalSize,
  checkCompressionRatio,
  layoutForPacking,
  checkUnpackedEntries,
  duplicateInZip,
  unableToExtract
} as const

// ---------------------------------------------------------------------------
// The port

export interface ZipCodecService {
  /**
   * Packs a job: entries by basename, `info.json` first, then the rest in the
   * given order; the same entries always give the same bytes. Fails with
   * `MissingInfoJson`, `UnsafeEntryName` or `DuplicateEntryName` for a job that
   * `unpack` would refuse.
   */
  readonly pack: (entries: ReadonlyArray<ZipEntry>) => Effect.Effect<Uint8Array, ZipError>
  /**
   * Unpacks an uploaded zip within the codec's {@link UnpackLimits}: the files
   * in the zip's order, directories left out, every name checked, `info.json`
   * present. Use {@link wireOutcome} to answer a failure.
   */
  readonly unpack: (zip: Uint8Array) => Effect.Effect<ReadonlyArray<ZipEntry>, ZipError>
}

export class ZipCodec extends Context.Tag("@selfie-auth/core/ZipCodec")<ZipCodec, ZipCodecService>() {
  /** What the v1 API answers for a failed unpack; see {@link ZipWireOutcome}. */
  static readonly wireOutcome = wireOutcome

  /**
   * A test double that is not a zip: a length-prefixed container
   * (`"SAZ1"`, entry count, then per entry the name's UTF-16 length and code
   * units and the byte length and bytes, all lengths u32 little-endian).
   * It applies the same layout, name, duplicate, info.json and size rules as
   * the real codec (there is no compression, so no ratio), which makes it a
   * faithful stand-in for use cases. Only for tests: nothing else reads it.
   */
  static layerMemory(limits: Partial<UnpackLimits> = {}): Layer.Layer<ZipCodec> {
    return Layer.sync(ZipCodec, () => {
      const resolved = resolveUnpackLimits(limits)
      return {
        pack: Effect.fn("ZipCodec.pack")(function*(entries: ReadonlyArray<ZipEntry>) {
          const layout = yield* layoutForPacking(entries)
          return writeContainer(layout)
        }),
        unpack: Effect.fn("ZipCodec.unpack")(function*(zip: Uint8Array) {
          const entries = yield* readContainer(zip, resolved)
          return yield* checkUnpackedEntries(entries)
        })
      }
    })
  }
}

const containerMagic = [0x53, 0x41, 0x5a, 0x31] // "SAZ1"

const writeContainer = (entries: ReadonlyArray<ZipEntry>): Uint8Array => {
  const size = entries.reduce((sum, entry) => sum + 8 + entry.name.length * 2 + entry.bytes.length, 8)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out.set(containerMagic, 0)
  view.setUint32(4, entries.length, true)
  let offset = 8
  for (const entry of entries) {
    view.setUint32(offset, entry.name.length, true)
    offset += 4
    for (let i = 0; i < entry.name.length; i++, offset += 2) view.setUint16(offset, entry.name.charCodeAt(i), true)
    view.setUint32(offset, entry.bytes.length, true)
    out.set(entry.bytes, offset + 4)
    offset += 4 + entry.bytes.length
  }
  return out
}

const readContainer = (
  container: Uint8Array,
  limits: UnpackLimits
): Either.Either<ReadonlyArray<ZipEntry>, ZipError> => {
  const unreadable = (detail: string) =>
    Either.left(new ZipError({ reason: "Unreadable", detail: `${detail} (ZipCodec.layerMemory container)` }))
  const view = new DataView(container.buffer, container.byteOffset, container.byteLength)
  if (container.length < 8 || containerMagic.some((byte, i) => container[i] !== byte)) {
    return unreadable("Not a container written by ZipCodec.layerMemory")
  }
  const count = view.getUint32(4, true)
  const tooMany = checkEntryCount(count, limits)
  if (tooMany !== undefined) return Either.left(tooMany)
  const entries: Array<ZipEntry> = []
  let offset = 8
  let total = 0
  for (let index = 0; index < count; index++) {
    if (offset + 4 > container.length) return unreadable(`Truncated before entry ${index}`)
    const nameLength = view.getUint32(offset, true)
    offset += 4
    if (offset + nameLength * 2 + 4 > container.length) return unreadable(`Truncated in the name of entry ${index}`)
    let name = ""
    for (let i = 0; i < nameLength; i++, offset += 2) name += String.fromCharCode(view.getUint16(offset, true))
    const size = view.getUint32(offset, true)
    offset += 4
    const problem = checkEntrySize(name, size, limits) ?? checkTotalSize((total += size), limits)
    if (problem !== undefined) return Either.left(problem)
    if (offset + size > container.length) return unreadable(`Truncated in the bytes of ${JSON.stringify(name)}`)
    entries.push({ name, bytes: container.slice(offset, offset + size) })
    offset += size
  }
  if (offset !== container.length) return unreadable(`${container.length - offset} unexpected bytes after the last entry`)
  return Either.right(entries)
}
