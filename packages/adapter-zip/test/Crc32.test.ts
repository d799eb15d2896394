import { assert, describe, it } from "@effect/vitest"
import * as zlib from "node:zlib"
import { Crc32, ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { nodeCrc32 } from "../src/NodeCrc32.js"

const ascii = (s: string) => new TextEncoder().encode(s)

describe("Crc32.crc32Js", () => {
  it("gives the known answers of CRC-32/ISO-HDLC", () => {
    assert.strictEqual(Crc32.crc32Js(new Uint8Array()), 0)
    assert.strictEqual(Crc32.crc32Js(ascii("123456789")), 0xcbf43926) // the catalogue's check value
    assert.strictEqual(Crc32.crc32Js(ascii("The quick brown fox jumps over the lazy dog")), 0x414fa339)
    assert.strictEqual(Crc32.crc32Js(new Uint8Array(32)), 0x190a55ad)
    assert.strictEqual(Crc32.crc32Js(new Uint8Array(32).fill(0xff)), 0xff6cab0b)
  })

  it("agrees with zlib for every length around the 8-byte steps and at any offset", () => {
    const data = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) & 0xff)
    for (let length = 0; length <= 70; length++) {
      for (const offset of [0, 1, 3, 7]) {
        const slice = data.subarray(offset, offset + length)
        assert.strictEqual(Crc32.crc32Js(slice), zlib.crc32(slice), `length ${length} at offset ${offset}`)
      }
    }
    assert.strictEqual(Crc32.crc32Js(data), zlib.crc32(data))
  })
})

describe("the CRC-32 chosen at layer construction", () => {
  it("is Node's zlib.crc32 on this Node, found without importing node:zlib", () => {
    const native = nodeCrc32()
    assert.isDefined(native)
    assert.strictEqual(native!(ascii("123456789")), 0xcbf43926)
  })

  it("falls back to the portable one where the runtime has no getBuiltinModule (browsers)", () => {
    const original = process.getBuiltinModule
    try {
      Object.defineProperty(process, "getBuiltinModule", { value: undefined, configurable: true, writable: true })
      assert.isUndefined(nodeCrc32())
      assert.strictEqual(ZipCodecFflate.defaultCrc32(), Crc32.crc32Js)
    } finally {
      Object.defineProperty(process, "getBuiltinModule", { value: original, configurable: true, writable: true })
    }
  })
})
