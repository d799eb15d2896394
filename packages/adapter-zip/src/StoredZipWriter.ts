/**
 * A minimal zip writer for stored (uncompressed) entries, the layout of the
 * official Node SDK's job zips. JPEGs do not compress, so storing costs a few
 * bytes and saves all the deflate time; what remains is one CRC-32 per entry
 * (injected, see `Crc32.ts`) and one copy of the bytes into the output.
 *
 * Reproducible by construction: every timestamp is 1980-01-01 00:00:00 (the
 * zip epoch), entries keep the order given, no extra fields, no comments, no
 * file attributes. The same entries give the same bytes on every machine.
 *
 * Format notes (APPNOTE.TXT 4.3): local header (30 bytes + name) and data per
 * entry, then the central directory (46 bytes + name per entry) and the end
 * record (22 bytes). No zip64: a job zip is far below 4 GiB and 65,535 entries.
 */
import { Either } from "effect"
import { ZipError, type ZipEntry } from "@selfie-auth/core"
import type { Crc32 } from "./Crc32.js"
import { centralHeaderSignature, endOfCentralDirectorySignature, localHeaderSignature, utf8NameFlag } from "./ZipFormat.js"

/** Version 1.0: stored entries need nothing newer. */
const versionNeeded = 10
/** Version 2.0 on host 0 (MS-DOS), as JSZip writes: unzip lists the entries as "fat". */
const versionMadeBy = 20
/** MS-DOS date of 1980-01-01: (year - 1980) << 9 | month << 5 | day. Time 00:00:00 is 0. */
const dosDate1980 = (0 << 9) | (1 << 5) | 1
const dosTimeMidnight = 0
const maxZip32 = 0xffffffff

const utf8 = new TextEncoder()

/**
 * Writes `entries` (already laid out: names final, order final) as a zip of
 * stored entries. Fails only where the zip32 format ends (more than 65,535
 * entries, or 4 GiB).
 */
export const writeStoredZip = (entries: ReadonlyArray<ZipEntry>, crc32: Crc32): Either.Either<Uint8Array, ZipError> => {
  if (entries.length > 0xffff) {
    return Either.left(
      new ZipError({ reason: "TooManyEntries", detail: `A zip holds at most 65,535 entries; this job has ${entries.length}.` })
    )
  }
  const names = entries.map((entry) => utf8.encode(entry.name))
  let localSize = 0
  let centralSize = 0
  for (const [index, entry] of entries.entries()) {
    localSize += 30 + names[index]!.length + entry.bytes.length
    centralSize += 46 + names[index]!.length
  }
  if (localSize + centralSize > maxZip32) {
    return Either.left(
      new ZipError({ reason: "TotalTooLarge", detail: "A zip without zip64 holds at most 4 GiB; send smaller images." })
    )
  }

  const out = new Uint8Array(localSize + centralSize + 22)
  const view = new DataView(out.buffer)
  let local = 0
  let central = localSize
  for (const [index, entry] of entries.entries()) {
    const name = names[index]!
    const crc = crc32(entry.bytes)
    const flags = name.length === entry.name.length ? 0 : utf8NameFlag // longer in UTF-8 means non-ASCII
    const size = entry.bytes.length

    view.setUint32(local, localHeaderSignature, true)
    view.setUint16(local + 4, versionNeeded, true)
    view.setUint16(local + 6, flags, true)
    view.setUint16(local + 8, 0, true) // method: stored
    view.setUint16(local + 10, dosTimeMidnight, true)
    view.setUint16(local + 12, dosDate1980, true)
    view.setUint32(local + 14, crc, true)
    view.setUint32(local + 18, size, true) // compressed size
    view.setUint32(local + 22, size, true) // uncompressed size
    view.setUint16(local + 26, name.length, true)
    view.setUint16(local + 28, 0, true) // extra field length
    out.set(name, local + 30)
    out.set(entry.bytes, local + 30 + name.length)

    view.setUint32(central, centralHeaderSignature, true)
    view.setUint16(central + 4, versionMadeBy, true)
    view.setUint16(central + 6, versionNeeded, true)
    view.setUint16(central + 8, flags, true)
    view.setUint16(central + 10, 0, true)
    view.setUint16(central + 12, dosTimeMidnight, true)
    view.setUint16(central + 14, dosDate1980, true)
    view.setUint32(central + 16, crc, true)
    view.setUint32(central + 20, size, true)
    view.setUint32(central + 24, size, true)
    view.setUint16(central + 28, name.length, true)
    // extra length, comment length, disk number, internal and external attributes: all 0
    view.setUint32(central + 42, local, true) // offset of the local header
    out.set(name, central + 46)

    local += 30 + name.length + size
    central += 46 + name.length
  }

  const end = localSize + centralSize
  view.setUint32(end, endOfCentralDirectorySignature, true)
  view.setUint16(end + 8, entries.length, true) // entries on this disk
  view.setUint16(end + 10, entries.length, true) // entries in total
  view.setUint32(end + 12, centralSize, true)
  view.setUint32(end + 16, localSize, true) // offset of the central directory
  return Either.right(out)
}
