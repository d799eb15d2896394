/**
 * Node's native CRC-32 (`zlib.crc32`, Node 20.15+ and 22.2+), found at run
 * time through `process.getBuiltinModule`, so this file imports nothing from
 * Node and the package stays loadable in browsers, where the lookup simply
 * answers `undefined`.
 */
import type { Crc32 } from "./Crc32.js"

/** Node's `zlib.crc32` when the runtime has it, else `undefined`. */
export const nodeCrc32 = (): Crc32 | undefined => {
  const runtime = typeof globalThis.process === "object" ? globalThis.process : undefined
  if (typeof runtime?.getBuiltinModule !== "function") return undefined
  const zlib = runtime.getBuiltinModule("node:zlib")
  if (typeof zlib?.crc32 !== "function") return undefined
  const crc32 = zlib.crc32
  return (bytes) => crc32(bytes)
}
