/**
 * A bounded zip reader for uploaded job zips.
 *
 * It trusts the central directory (what `unzip -l` lists), checks each local
 * header against it, and inflates deflated entries with fflate's streaming
 * `Inflate` in small steps, counting the bytes really produced: a limit of
 * {@link UnpackLimits} stops the work as soon as it is crossed, whatever sizes
 * the zip declares. Every entry's size and CRC-32 are then checked.
 *
 * Refused as `Unreadable`: no end record, truncation, encryption, zip64, split
 * archives, methods other than stored (0) and deflate (8), overlapping entries
 * (the "overlapping files" zip bomb), a local header that disagrees with the
 * central directory, a corrupt deflate stream, a size or CRC mismatch.
 */
import { Either } from "effect"
import { Inflate } from "fflate"
import { JobZip, ZipError, type UnpackLimits, type ZipEntry } from "@selfie-auth/core"
import type { Crc32 } from "./Crc32.js"
import { centralHeaderSignature, endOfCentralDirectorySignature, localHeaderSignature, utf8NameFlag } from "./ZipFormat.js"

const endOfCentralDirectorySize = 22
const maxCommentLength = 0xffff
const encryptedFlag = 0x0001
const stored = 0
const deflated = 8
/** Compressed bytes handed to the inflater per step: at most ~8.3 MiB of output per step, even for a bomb. */
const inflateStep = 8 * 1024

interface CentralRecord {
  readonly name: string
  readonly rawName: Uint8Array
  readonly method: number
  readonly crc: number
  readonly compressedSize: number
  readonly uncompressedSize: number
  readonly localHeaderOffset: number
}

const unreadable = (detail: string, entryName?: string): Either.Either<never, ZipError> =>
  Either.left(
    new ZipError({
      reason: "Unreadable",
      detail: `${detail} Re-create the zip with a standard zip tool (stored or deflated entries) and upload it whole.`,
      ...(entryName === undefined ? {} : { entryName })
    })
  )

/** Reads `zip` within `limits`: the files in central-directory order, directories left out. */
export const readZip = (
  zip: Uint8Array,
  limits: UnpackLimits,
  crc32: Crc32
): Either.Either<ReadonlyArray<ZipEntry>, ZipError> => {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)

  // The end record: the last signature that leaves room for its comment.
  let end = -1
  const lowest = Math.max(0, zip.length - endOfCentralDirectorySize - maxCommentLength)
  for (let at = zip.length - endOfCentralDirectorySize; at >= lowest; at--) {
    if (view.getUint32(at, true) === endOfCentralDirectorySignature) {
      if (at + endOfCentralDirectorySize + view.getUint16(at + 20, true) <= zip.length) {
        end = at
        break
      }
    }
  }
  if (end < 0) return unreadable(`This is not a zip file (no end of central directory record in ${zip.length} bytes).`)

  const disk = view.getUint16(end + 4, true)
  const centralDisk = view.getUint16(end + 6, true)
  const entriesOnDisk = view.getUint16(end + 8, true)
  const entryCount = view.getUint16(end + 10, true)
  const centralSize = view.getUint32(end + 12, true)
  const centralOffset = view.getUint32(end + 16, true)
  if (entryCount === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    return unreadable("The zip uses zip64, which a job zip never needs.")
  }
  if (disk !== 0 || centralDisk !== 0 || entriesOnDisk !== entryCount) {
    return unreadable("The zip is split over several files.")
  }
  const tooMany = JobZip.checkEntryCount(entryCount, limits)
  if (tooMany !== undefined) return Either.left(tooMany)
  if (centralOffset + centralSize > end) {
    return unreadable("The central directory lies outside the file: the zip is truncated or corrupt.")
  }

  // The central directory: every name is checked before any byte is inflated.
  const records: Array<CentralRecord> = []
  const names = new Set<string>()
  let declaredTotal = 0
  let at = centralOffset
  const centralEnd = centralOffset + centralSize
  for (let index = 0; index < entryCount; index++) {
    if (at + 46 > centralEnd || view.getUint32(at, true) !== centralHeaderSignature) {
      return unreadable(`Central directory entry ${index} of ${entryCount} is missing or corrupt.`)
    }
    const flags = view.getUint16(at + 8, true)
    const method = view.getUint16(at + 10, true)
    const nameLength = view.getUint16(at + 28, true)
    const recordEnd = at + 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true)
    if (recordEnd > centralEnd) return unreadable(`Central directory entry ${index} runs past the directory.`)
    const rawName = zip.subarray(at + 46, at + 46 + nameLength)
    const name = decodeName(rawName, (flags & utf8NameFlag) !== 0)
    if (name === undefined) return unreadable(`The name of entry ${index} is flagged UTF-8 but is not.`)
    const record: CentralRecord = {
      name,
      rawName,
      method,
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      uncompressedSize: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true)
    }
    at = recordEnd

    const unsafe = JobZip.validateEntryName(name)
    if (unsafe !== undefined) return Either.left(unsafe)
    if (names.has(name)) return Either.left(JobZip.duplicateInZip(name))
    names.add(name)
    if (JobZip.isDirectoryName(name)) continue
    if ((flags & encryptedFlag) !== 0) return unreadable(`Entry ${JSON.stringify(name)} is encrypted.`, name)
    if (record.method !== stored && record.method !== deflated) {
      return unreadable(
        `Entry ${JSON.stringify(name)} uses compression method ${record.method}; only stored (0) and deflate (8) are accepted.`,
        name
      )
    }
    // What the entries declare is checked up front (cheap); the real bytes are counted again below.
    const declared =
      JobZip.checkEntrySize(name, record.uncompressedSize, limits) ??
      JobZip.checkTotalSize((declaredTotal += record.uncompressedSize), limits) ??
      JobZip.checkCompressionRatio(name, record.uncompressedSize, record.compressedSize, limits)
    if (declared !== undefined) return Either.left(declared)
    records.push(record)
  }

  if (at !== centralEnd) {
    return unreadable(`The central directory holds more than the ${entryCount} entries the end record declares.`)
  }

  // Entries must not share bytes: overlapping entries are a zip bomb of their own.
  const byOffset = [...records].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset)
  let previousEnd = 0
  let previousName = ""
  const dataStarts = new Map<CentralRecord, number>()
  for (const record of byOffset) {
    const header = record.localHeaderOffset
    if (header < previousEnd) {
      return unreadable(`Entries ${JSON.stringify(previousName)} and ${JSON.stringify(record.name)} overlap.`, record.name)
    }
    if (header + 30 > centralOffset || view.getUint32(header, true) !== localHeaderSignature) {
      return unreadable(`The local header of ${JSON.stringify(record.name)} is missing or corrupt.`, record.name)
    }
    const nameLength = view.getUint16(header + 26, true)
    const dataStart = header + 30 + nameLength + view.getUint16(header + 28, true)
    if (!sameBytes(zip.subarray(header + 30, header + 30 + nameLength), record.rawName)) {
      return unreadable(`The local header of ${JSON.stringify(record.name)} names another file.`, record.name)
    }
    if (dataStart + record.compressedSize > centralOffset) {
      return unreadable(`The data of ${JSON.stringify(record.name)} runs past the end of the entries: the zip is truncated.`, record.name)
    }
    dataStarts.set(record, dataStart)
    previousEnd = dataStart + record.compressedSize
    previousName = record.name
  }

  // The bytes, counted as they are produced.
  const entries: Array<ZipEntry> = []
  let total = 0
  for (const record of records) {
    const dataStart = dataStarts.get(record)!
    const data = zip.subarray(dataStart, dataStart + record.compressedSize)
    const inflated = record.method === stored ? Either.right(data.slice()) : inflate(record.name, data, total, limits)
    if (Either.isLeft(inflated)) return Either.left(inflated.left)
    const bytes = inflated.right
    const overLimit = JobZip.checkEntrySize(record.name, bytes.length, limits) ?? JobZip.checkTotalSize(total + bytes.length, limits)
    if (overLimit !== undefined) return Either.left(overLimit)
    total += bytes.length
    if (bytes.length !== record.uncompressedSize) {
      return unreadable(
        `Entry ${JSON.stringify(record.name)} declares ${record.uncompressedSize} bytes but holds ${bytes.length}.`,
        record.name
      )
    }
    const crc = crc32(bytes)
    if (crc !== record.crc) {
      return unreadable(
        `Entry ${JSON.stringify(record.name)} fails its CRC-32 check (declared ${hex(record.crc)}, computed ${hex(crc)}): its bytes are corrupt.`,
        record.name
      )
    }
    entries.push({ name: record.name, bytes })
  }
  return JobZip.checkUnpackedEntries(entries)
}

/**
 * Inflates one entry step by step, counting real output bytes against the
 * limits and stopping at the first step that crosses one.
 */
const inflate = (
  name: string,
  compressed: Uint8Array,
  totalBefore: number,
  limits: UnpackLimits
): Either.Either<Uint8Array, ZipError> => {
  const chunks: Array<Uint8Array> = []
  let produced = 0
  let crossed: ZipError | undefined
  const inflater = new Inflate((chunk) => {
    if (crossed !== undefined) return
    produced += chunk.length
    crossed =
      JobZip.checkEntrySize(name, produced, limits) ??
      JobZip.checkTotalSize(totalBefore + produced, limits) ??
      JobZip.checkCompressionRatio(name, produced, compressed.length, limits)
    if (crossed === undefined) chunks.push(chunk)
  })
  try {
    let offset = 0
    do {
      const stepEnd = Math.min(offset + inflateStep, compressed.length)
      inflater.push(compressed.subarray(offset, stepEnd), stepEnd === compressed.length)
      offset = stepEnd
    } while (offset < compressed.length && crossed === undefined)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return unreadable(`Entry ${JSON.stringify(name)} is not a valid deflate stream (${reason}).`, name)
  }
  if (crossed !== undefined) return Either.left(crossed)
  const bytes = new Uint8Array(produced)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return Either.right(bytes)
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, i) => byte === b[i])

const hex = (n: number): string => n.toString(16).padStart(8, "0")

/** The upper half of code page 437, the encoding of zip names without the UTF-8 flag (APPNOTE appendix D). */
const cp437High =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0"

const utf8 = new TextDecoder("utf-8", { fatal: true })

const decodeName = (raw: Uint8Array, isUtf8: boolean): string | undefined => {
  if (isUtf8) {
    try {
      return utf8.decode(raw)
    } catch {
      return undefined
    }
  }
  let name = ""
  for (const byte of raw) name += byte < 0x80 ? String.fromCharCode(byte) : cp437High[byte - 0x80]
  return name
}
