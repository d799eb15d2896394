/**
 * CRC-32 (IEEE 802.3, the checksum of zip entries) as an injectable function.
 *
 * Packing stored entries spends nearly all its time here, so the codec takes
 * the fastest implementation available when its layer is built: Node's native
 * `zlib.crc32` (see `NodeCrc32.ts`), else {@link crc32Js}, which runs anywhere.
 */

/** The CRC-32 of `bytes`, as an unsigned 32-bit integer. */
export type Crc32 = (bytes: Uint8Array) => number

/** Slicing-by-8 tables: row 0 is the classic byte table, row k advances a byte k positions further. */
const tables: Int32Array = (() => {
  const table = new Int32Array(8 * 256)
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1
    table[byte] = crc
  }
  for (let byte = 0; byte < 256; byte++) {
    for (let row = 1; row < 8; row++) {
      const previous = table[(row - 1) * 256 + byte]!
      table[row * 256 + byte] = (previous >>> 8) ^ table[previous & 0xff]!
    }
  }
  return table
})()

/**
 * CRC-32 in plain JavaScript, eight bytes per step (slicing-by-8), for
 * browsers and runtimes without a native one. About 3x faster than the
 * byte-at-a-time loop of JSZip and fflate, still several times slower than
 * Node's native `zlib.crc32`.
 */
export const crc32Js: Crc32 = (bytes) => {
  const t = tables
  let crc = -1
  let i = 0
  const fastEnd = bytes.length - (bytes.length % 8)
  for (; i < fastEnd; i += 8) {
    const low = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    crc =
      t[1792 + (low & 0xff)]! ^
      t[1536 + ((low >>> 8) & 0xff)]! ^
      t[1280 + ((low >>> 16) & 0xff)]! ^
      t[1024 + (low >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!
  }
  for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return ~crc >>> 0
}
