/**
 * `ZipCodec` for real zips: packs with a small stored-entry writer of our own,
 * unpacks with a bounded central-directory reader that inflates through fflate.
 * See docs/decisions/0005-zip-packing.md for why packing does not use fflate.
 *
 * @example
 * import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
 * // defaults fit a SmartSelfie job; override what your deployment needs
 * const ZipLive = ZipCodecFflate.layer({ maxEntryBytes: 16 * 1024 * 1024 })
 */
import { Effect, Layer } from "effect"
import { JobZip, resolveUnpackLimits, ZipCodec, type UnpackLimits, type ZipCodecService, type ZipEntry } from "@selfie-auth/core"
import { crc32Js, type Crc32 } from "./Crc32.js"
import { nodeCrc32 } from "./NodeCrc32.js"
import { readZip } from "./ZipReader.js"
import { writeStoredZip } from "./StoredZipWriter.js"

export interface Options {
  /**
   * The CRC-32 to use for packing and for checking unpacked entries. By
   * default Node's native `zlib.crc32` where the runtime has one (about 15x
   * faster), else the portable `crc32Js`.
   */
  readonly crc32?: Crc32
}

/** The CRC-32 the codec uses by default on this runtime. */
export const defaultCrc32 = (): Crc32 => nodeCrc32() ?? crc32Js

/**
 * The codec itself, for callers outside a layer (a browser client, a script).
 *
 * @throws a `ParseError` if `limits` are invalid (say, a negative size).
 */
export const make = (limits: Partial<UnpackLimits> = {}, options: Options = {}): ZipCodecService => {
  const resolved = resolveUnpackLimits(limits)
  const crc32 = options.crc32 ?? defaultCrc32()
  return {
    pack: Effect.fn("ZipCodec.pack")(function*(entries: ReadonlyArray<ZipEntry>) {
      const layout = yield* JobZip.layoutForPacking(entries)
      return yield* writeStoredZip(layout, crc32)
    }),
    unpack: Effect.fn("ZipCodec.unpack")(function*(zip: Uint8Array) {
      return yield* readZip(zip, resolved, crc32)
    })
  }
}

/**
 * The `ZipCodec` layer: the default limits with `limits` applied, and the CRC-32
 * picked when the layer is built. Invalid limits make the layer die with the
 * schema's message, at start-up.
 */
export const layer = (limits: Partial<UnpackLimits> = {}, options: Options = {}): Layer.Layer<ZipCodec> =>
  Layer.sync(ZipCodec, () => make(limits, options))
