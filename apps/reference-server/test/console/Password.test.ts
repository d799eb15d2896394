/** Reviewers' password hashes: scrypt known-answer vectors of RFC 7914, the PHC form, and refusals that say what to fix. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as Password from "../../src/console/Password.js"

const hex = (text: string) => new Uint8Array(Buffer.from(text, "hex"))
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64").replace(/=+$/, "")

// RFC 7914, section 12 (test vectors 2 and 3).
const vectorNaCl = hex(
  "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
)
const vectorSodiumChloride = hex(
  "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
)

describe("Password", () => {
  it.effect("verifies RFC 7914's vector (N=1024, r=8, p=16, salt NaCl) and refuses another password", () =>
    Effect.gen(function*() {
      const stored: Password.ScryptHash = { logN: 10, r: 8, p: 16, salt: new TextEncoder().encode("NaCl"), hash: vectorNaCl }
      assert.isTrue(yield* Password.verifyPassword("password", stored))
      assert.isFalse(yield* Password.verifyPassword("Password", stored))
    }))

  it.effect("reads RFC 7914's N=16384 vector as a PHC string", () =>
    Effect.gen(function*() {
      const phc = `$scrypt$ln=14,r=8,p=1$${b64("SodiumChloride")}$${b64(vectorSodiumChloride)}`
      const parsed = Either.getOrThrow(Password.parseHash(phc))
      assert.deepStrictEqual([parsed.logN, parsed.r, parsed.p, parsed.hash.length], [14, 8, 1, 64])
      assert.strictEqual(Password.formatHash(parsed), phc)
      assert.isTrue(yield* Password.verifyPassword("pleaseletmein", parsed))
    }))

  it.effect("hashPassword makes a fresh salt each time, and the hash verifies", () =>
    Effect.gen(function*() {
      const cheap = { logN: 10, r: 8, p: 1 }
      const first = yield* Password.hashPassword("correct horse", cheap)
      const second = yield* Password.hashPassword("correct horse", cheap)
      assert.match(first, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
      assert.notStrictEqual(first, second)
      const parsed = Either.getOrThrow(Password.parseHash(first))
      assert.isTrue(yield* Password.verifyPassword("correct horse", parsed))
      assert.isFalse(yield* Password.verifyPassword("correct horse ", parsed))
    }))

  it("refuses malformed hashes with what to fix", () => {
    const detail = (text: string) => Either.match(Password.parseHash(text), { onLeft: (error) => error.detail, onRight: () => "accepted" })
    assert.include(detail("correct horse"), "expected $scrypt$ln=<n>,r=<n>,p=<n>$<salt base64>$<hash base64>")
    assert.include(detail("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"), "expected $scrypt$")
    assert.include(detail(`$scrypt$N=16384,r=8,p=1$${b64("0123456789abcdef")}$${b64(vectorNaCl)}`), "must read ln=<n>,r=<n>,p=<n>")
    assert.include(detail(`$scrypt$ln=4,r=8,p=1$${b64("0123456789abcdef")}$${b64(vectorNaCl)}`), "ln=4 is out of range")
    assert.include(detail(`$scrypt$ln=15,r=8,p=1$${b64("salt")}$${b64(vectorNaCl)}`), "the salt has 4 bytes; use at least 16")
    assert.include(detail(`$scrypt$ln=15,r=8,p=1$${b64("0123456789abcdef")}$${b64("short")}`), "the hash has 5 bytes")
  })
})

describe("Password.dummyLike", () => {
  it("is as costly as the costliest configured hash, and the default cost without any", () => {
    const hash = (logN: number, r: number, p: number): Password.ScryptHash => ({ logN, r, p, salt: new Uint8Array(16), hash: new Uint8Array(32) })
    const dummy = Password.dummyLike([hash(10, 8, 1), hash(14, 8, 2), hash(15, 4, 1)])
    assert.deepStrictEqual([dummy.logN, dummy.r, dummy.p, dummy.hash.length], [14, 8, 2, 32])
    const fallback = Password.dummyLike([])
    assert.deepStrictEqual([fallback.logN, fallback.r, fallback.p], [15, 8, 1])
  })
})
