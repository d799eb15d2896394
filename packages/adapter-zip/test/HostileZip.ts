/**
 * A zip builder for tests that can lie: every field the reader must not trust
 * (sizes, CRCs, methods, names, offsets) can be set by hand. It shares no code
 * with the adapter, so a test built on it checks the reader against an
 * independent writer. Node's zlib does the deflating and the honest CRCs.
 */
import * as zlib from "node:zlib"

export interface RawEntry {
  readonly name: string
  /** The file's real content. */
  readonly content: Uint8Array
  /** 0 stores `content`, 8 deflates it; any other number stores it under that method id. */
  readonly method?: number
  readonly flags?: number
  /** Overrides of what the headers declare. */
  readonly declaredCrc?: number
  readonly declaredUncompressedSize?: number
  /** A different name in the local header than in the central directory. */
  readonly localName?: string
  /** The name's bytes as they are, instead of `name` in UTF-8. */
  readonly rawName?: Uint8Array
  /** The bytes to put in the zip as they are, instead of storing or deflating `content`. */
  readonly rawData?: Uint8Array
}

export interface RawZipOptions {
  /** Point every central record at the first local header (overlapping entries). */
  readonly overlap?: boolean
}

const encoder = new TextEncoder()

export const deflateRaw = (bytes: Uint8Array): Uint8Array => new Uint8Array(zlib.deflateRawSync(bytes, { level: 9 }))

export const buildZip = (entries: ReadonlyArray<RawEntry>, options: RawZipOptions = {}): Uint8Array => {
  const locals: Array<Buffer> = []
  const centrals: Array<Buffer> = []
  const offsets: Array<number> = []
  let offset = 0
  for (const entry of entries) {
    const method = entry.method ?? 0
    const data = entry.rawData ?? (method === 8 ? deflateRaw(entry.content) : entry.content)
    const crc = entry.declaredCrc ?? zlib.crc32(entry.content)
    const size = entry.declaredUncompressedSize ?? entry.content.length
    const name = entry.rawName ?? encoder.encode(entry.name)
    const localName = entry.localName === undefined ? name : encoder.encode(entry.localName)
    const local = Buffer.alloc(30 + localName.length)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(entry.flags ?? 0, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(0x21, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(localName.length, 26)
    local.set(localName, 30)
    offsets.push(offset)
    locals.push(local, Buffer.from(data))
    offset += local.length + data.length

    const central = Buffer.alloc(46 + name.length)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(entry.flags ?? 0, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt16LE(0x21, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(options.overlap === true ? 0 : offsets[offsets.length - 1]!, 42)
    central.set(name, 46)
    centrals.push(central)
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return new Uint8Array(Buffer.concat([...locals, directory, end]))
}

export const text = (s: string): Uint8Array => encoder.encode(s)

/** A minimal info.json, enough for the codec (which does not read it). */
export const infoJson = (): RawEntry => ({ name: "info.json", content: text('{"images":[]}') })

/**
 * A deflate stream of `mebibytes` MiB of zeros, about 1 KB per MiB, built in
 * milliseconds: one fully flushed (self-contained, non-final) block of 1 MiB
 * repeated, then an empty final block.
 */
export const zerosBombStream = (mebibytes: number): Uint8Array => {
  const block = zlib.deflateRawSync(new Uint8Array(1024 * 1024), { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH })
  const finalBlock = zlib.deflateRawSync(new Uint8Array(0))
  return new Uint8Array(Buffer.concat([...Array.from({ length: mebibytes }, () => block), finalBlock]))
}
