/**
 * Packing a SmartSelfie job: 1 selfie + 8 liveness frames of ~200 KB each
 * (incompressible, like JPEGs) and a ~2 KB info.json.
 *
 * Run: `cd packages/adapter-zip && npx vitest bench --run`.
 * Compared: the official Node SDK's path (JSZip 3.10, `generateAsync`, its
 * default STORE), fflate's `zipSync` at level 0, and our codec with Node's
 * native CRC-32 (the default on Node) and with the portable JS CRC-32 (the
 * browser path). Synthetic bytes, so it needs nothing outside the repository.
 *
 * Read the minimum and p75 as the cost of one job. In this tight loop about
 * half of our time is the kernel faulting in fresh pages for each 1.8 MB output
 * and the GC pauses those allocations provoke; glibc keeps freed memory with
 * `MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456`.
 * Measured (2 cores, Node 20.20): JSZip mean 6.3-7.8 ms; ours min 0.52-0.55 ms,
 * p75 0.9-1.7 ms, mean 1.2-2.5 ms (4.5x JSZip's mean by default, 5.5x with the
 * malloc settings). See docs/decisions/0005-zip-packing.md.
 */
import { Effect } from "effect"
import { zipSync } from "fflate"
import JSZip from "jszip"
import { bench, describe } from "vitest"
import type { ZipEntry } from "@selfie-auth/core"
import { Crc32, ZipCodecFflate } from "@selfie-auth/adapter-zip"

const photo = (size: number, seed: number): Uint8Array => {
  const out = new Uint8Array(size)
  let state = seed
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    out[i] = state >>> 24
  }
  return out
}

const infoJson = new TextEncoder().encode(JSON.stringify({ padding: "x".repeat(2000) }))
const images: ReadonlyArray<ZipEntry> = [
  { name: "selfie.jpg", bytes: photo(200_000, 1) },
  ...Array.from({ length: 8 }, (_, i) => ({ name: `liveness${i + 1}.jpg`, bytes: photo(200_000 + i * 1000, i + 2) }))
]
const job: ReadonlyArray<ZipEntry> = [{ name: "info.json", bytes: infoJson }, ...images]

const nativeCodec = ZipCodecFflate.make()
const portableCodec = ZipCodecFflate.make({}, { crc32: Crc32.crc32Js })

describe("pack 1 selfie + 8 liveness frames (9 x ~200 KB)", () => {
  bench("JSZip generateAsync (official Node SDK)", async () => {
    const zip = new JSZip()
    zip.file("info.json", infoJson)
    for (const image of images) zip.file(image.name, image.bytes)
    await zip.generateAsync({ type: "uint8array" })
  })

  bench("fflate zipSync level 0", () => {
    zipSync(Object.fromEntries(job.map((entry) => [entry.name, entry.bytes])), { level: 0 })
  })

  bench("ZipCodecFflate.pack, native zlib.crc32", () => {
    Effect.runSync(nativeCodec.pack(job))
  })

  bench("ZipCodecFflate.pack, portable crc32Js (browsers)", () => {
    Effect.runSync(portableCodec.pack(job))
  })
})

describe("unpack the same job", () => {
  const packed = Effect.runSync(nativeCodec.pack(job))
  bench("ZipCodecFflate.unpack, native zlib.crc32", () => {
    Effect.runSync(nativeCodec.unpack(packed))
  })
})
