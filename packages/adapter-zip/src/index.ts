/**
 * `@selfie-auth/adapter-zip`: the `ZipCodec` port on real zips.
 *
 * - `ZipCodecFflate.layer(limits?)`: reproducible stored packing in the official
 *   SDKs' layout, bounded unpacking of what every official SDK uploads.
 * - `Crc32`: the portable CRC-32 the codec falls back to outside Node.
 *
 * Loadable in browsers: nothing here imports a Node module.
 */
export * as Crc32 from "./Crc32.js"
export * as ZipCodecFflate from "./ZipCodecFflate.js"
