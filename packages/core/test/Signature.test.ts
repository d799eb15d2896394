import { assert, describe, it } from "@effect/vitest"
import { Signature } from "@selfie-auth/core"
import { Either, FastCheck, Schema } from "effect"

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")

/** The Node vector of WIRE.md: its signature, and the digest it carries (decoded independently, with `base64 -d`). */
const nodeVectorSignature = "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8="
const nodeVectorDigest = "a6f1d92c076227a2c63c953294b4e708c30df9d35768e1c247f6d79193406d4f"

const malformed = (signature: string): string => {
  const result = Signature.decode(signature)
  if (Either.isRight(result)) assert.fail(`${JSON.stringify(signature)} decoded`)
  return result.left.detail
}

describe("Signature.message", () => {
  it("is timestamp + partner id + \"sid_request\", the timestamp untouched", () => {
    assert.strictEqual(
      Signature.messageText({ timestamp: "2024-01-02 03:04:05 +0000", partnerId: "001" }),
      "2024-01-02 03:04:05 +0000001sid_request"
    )
  })

  it("is the UTF-8 bytes of that text", () => {
    const bytes = Signature.message({ timestamp: "2024-01-02T03:04:05.678Z", partnerId: "001" })
    assert.strictEqual(
      hex(bytes),
      "323032342d30312d30325430333a30343a30352e3637385a" + "303031" + "7369645f72657175657374"
    )
  })

  it("keeps the partner id's leading zeros", () => {
    assert.notStrictEqual(
      Signature.messageText({ timestamp: "t", partnerId: "001" }),
      Signature.messageText({ timestamp: "t", partnerId: "1" })
    )
  })
})

describe("Signature.utf8Encode", () => {
  it("writes one to four bytes per code point", () => {
    assert.strictEqual(hex(Signature.utf8Encode("a\u00e9\u20ac\u{1f600}")), "61" + "c3a9" + "e282ac" + "f09f9880")
  })

  it("writes a lone surrogate as U+FFFD", () => {
    assert.strictEqual(hex(Signature.utf8Encode("\ud800x\udc00")), "efbfbd" + "78" + "efbfbd")
  })

  it("writes the empty string as no bytes", () => {
    assert.strictEqual(Signature.utf8Encode("").length, 0)
  })

  it("writes each ASCII code unit as its own byte, controls and DEL included", () => {
    const ascii = String.fromCharCode(...Array.from({ length: 0x80 }, (_, unit) => unit))
    assert.deepStrictEqual(Array.from(Signature.utf8Encode(ascii)), Array.from({ length: 0x80 }, (_, unit) => unit))
  })

  it("agrees with TextEncoder on ASCII text with one other character anywhere, or none", () => {
    const encoder = new TextEncoder()
    const asciiUnit = FastCheck.integer({ min: 0, max: 0x7f }).map((unit) => String.fromCharCode(unit))
    const other = FastCheck.oneof(
      FastCheck.constantFrom("\u0080", "\u00e9", "\u07ff", "\u0800", "\u20ac", "\uffff", "\u{1f600}", "\u{10ffff}"),
      FastCheck.constantFrom("\ud800", "\udbff", "\udc00", "\udfff"),
      FastCheck.integer({ min: 0x80, max: 0xffff }).map((unit) => String.fromCharCode(unit))
    )
    FastCheck.assert(
      FastCheck.property(
        FastCheck.string({ unit: asciiUnit, maxLength: 60 }),
        FastCheck.option(other, { nil: "" }),
        FastCheck.nat(),
        (ascii, inserted, at) => {
          const text = ascii.slice(0, at % (ascii.length + 1)) + inserted + ascii.slice(at % (ascii.length + 1))
          return hex(Signature.utf8Encode(text)) === hex(encoder.encode(text))
        }
      ),
      { numRuns: 500 }
    )
  })

  it("agrees with TextEncoder on any string, broken surrogates included", () => {
    const encoder = new TextEncoder()
    const anyCodeUnit = FastCheck.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
    const anyCharacter = FastCheck.oneof(anyCodeUnit, FastCheck.string({ unit: "binary", minLength: 1, maxLength: 1 }))
    FastCheck.assert(
      FastCheck.property(FastCheck.string({ unit: anyCharacter, maxLength: 40 }), (text) =>
        hex(Signature.utf8Encode(text)) === hex(encoder.encode(text))
      ),
      { numRuns: 200 }
    )
  })
})

describe("Signature.encode", () => {
  it("writes standard base64 with padding", () => {
    // RFC 4231 test case 2 digest; base64 by `xxd -r -p | base64`.
    const digest = Uint8Array.from(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843".match(/../g) ?? [],
      (pair) => parseInt(pair, 16)
    )
    assert.strictEqual(Signature.encode(digest), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=")
  })
})

describe("Signature.decode", () => {
  it("reads a canonical signature into its 32 digest bytes", () => {
    const result = Signature.decode(nodeVectorSignature)
    assert.isTrue(Either.isRight(result))
    if (Either.isRight(result)) assert.strictEqual(hex(result.right), nodeVectorDigest)
  })

  it("refuses non-zero padding bits, which lenient decoders ignore", () => {
    // "U8=" and "U9=" differ only in the two unused low bits of the last character.
    assert.include(malformed("pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU9="), "not canonical base64")
  })

  it("names the common mistakes", () => {
    assert.include(malformed(""), "is empty")
    assert.include(malformed(nodeVectorDigest), "looks like hex")
    assert.include(malformed("pvHZLAdiJ6LGPJUylLTnCMMN-dNXaOHCR_bXkZNAbU8="), "URL-safe")
    assert.include(malformed("pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8"), "lacks its = padding")
    assert.include(malformed("pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8=\n"), "not canonical base64")
    assert.include(malformed(" pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8="), "not canonical base64")
    assert.include(malformed("not a signature at all!"), "not canonical base64")
    assert.include(malformed("pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNA"), "decodes to 30 bytes")
    assert.include(malformed("AAAA"), "decodes to 3 bytes")
  })

  it("says in every rejection what to send", () => {
    assert.include(malformed("AAAA"), "send standard base64 with padding of the 32-byte HMAC-SHA256 digest")
  })

  it("accepts every 32-byte digest that encode writes", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.uint8Array({ minLength: 32, maxLength: 32 }), (digest) => {
        const result = Signature.decode(Signature.encode(digest))
        return Either.isRight(result) && hex(result.right) === hex(digest)
      })
    )
  })
})

describe("Signature.decode and Signature.decodeChecked", () => {
  /** The two results as comparable data: the digest in hex, or the rejection's detail. */
  const outcome = (result: Either.Either<Uint8Array, Signature.MalformedSignature>) =>
    Either.isRight(result) ? { digest: hex(result.right) } : { detail: result.left.detail }
  const agree = (signature: string): boolean => {
    const direct = outcome(Signature.decode(signature))
    const checked = outcome(Signature.decodeChecked(signature))
    if (JSON.stringify(direct) !== JSON.stringify(checked)) {
      assert.fail(`${JSON.stringify(signature)}: decode ${JSON.stringify(direct)}, decodeChecked ${JSON.stringify(checked)}`)
    }
    return true
  }
  const canonical = FastCheck.uint8Array({ minLength: 32, maxLength: 32 }).map(Signature.encode)
  const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

  it("agree on every canonical signature", () => {
    FastCheck.assert(FastCheck.property(canonical, agree), { numRuns: 1000 })
  })

  it("agree on every last character: the 16 with zero padding bits decode, the rest are refused alike", () => {
    const accepted: Array<string> = []
    FastCheck.assert(
      FastCheck.property(canonical, (signature) => {
        for (let unit = 0; unit < 0x100; unit++) {
          const mutated = signature.slice(0, 42) + String.fromCharCode(unit) + "="
          agree(mutated)
          if (signature === nodeVectorSignature && Either.isRight(Signature.decode(mutated))) accepted.push(mutated[42]!)
        }
        for (const other of ["\u2028", "\uff21", "\ud800", "\u{1f600}"]) agree(signature.slice(0, 42) + other + "=")
        return true
      }),
      { numRuns: 50, examples: [[nodeVectorSignature]] }
    )
    assert.strictEqual(accepted.sort().join(""), [..."AEIMQUYcgkosw048"].sort().join(""))
  })

  it("agree on every character of the alphabet or not at every position, and on the final = replaced", () => {
    FastCheck.assert(
      FastCheck.property(
        canonical,
        FastCheck.nat({ max: 43 }),
        FastCheck.oneof(
          FastCheck.constantFrom(...base64Alphabet, "=", "-", "_", " ", "\n", "\t", ".", "\u0000", "\u00ff", "\u0141"),
          FastCheck.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit))
        ),
        (signature, at, character) => agree(signature.slice(0, at) + character + signature.slice(at + 1))
      ),
      { numRuns: 2000 }
    )
  })

  it("agree on wrong lengths, URL-safe characters, whitespace and misplaced padding", () => {
    const mutation = FastCheck.oneof(
      // Drop or add characters anywhere.
      FastCheck.tuple(FastCheck.nat({ max: 44 }), FastCheck.nat({ max: 3 }), FastCheck.string({ maxLength: 3 }))
        .map(([at, dropped, added]) => (text: string) => text.slice(0, at) + added + text.slice(at + dropped)),
      // The URL-safe alphabet, as some libraries write it (with or without the padding).
      FastCheck.boolean().map((unpadded) => (text: string) => {
        const urlSafe = text.replace(/\+/g, "-").replace(/\//g, "_")
        return unpadded ? urlSafe.replace(/=+$/, "") : urlSafe
      }),
      // Whitespace around or inside.
      FastCheck.tuple(FastCheck.nat({ max: 44 }), FastCheck.constantFrom(" ", "\n", "\r\n", "\t"))
        .map(([at, space]) => (text: string) => text.slice(0, at) + space + text.slice(at)),
      // Padding moved, doubled or removed.
      FastCheck.nat({ max: 43 }).map((at) => (text: string) => text.slice(0, at) + "=" + text.slice(at, 43)),
      FastCheck.constant((text: string) => `${text}=`),
      FastCheck.constant((text: string) => text.slice(0, 43)),
      // Other lengths of digest, encoded canonically.
      FastCheck.uint8Array({ maxLength: 48 }).map((bytes) => () => Signature.encode(bytes)),
      // Hex of the digest.
      FastCheck.constant((text: string) => Buffer.from(text, "base64").toString("hex"))
    )
    FastCheck.assert(
      FastCheck.property(canonical, FastCheck.array(mutation, { minLength: 1, maxLength: 3 }), (signature, mutations) =>
        agree(mutations.reduce((text, mutate) => mutate(text), signature))),
      { numRuns: 3000 }
    )
  })

  it("agree on any short string", () => {
    FastCheck.assert(FastCheck.property(FastCheck.string({ maxLength: 70 }), agree), { numRuns: 1000 })
    for (const signature of ["", "=", "A".repeat(43) + "=", "/".repeat(43) + "=", "A".repeat(44), "A".repeat(42) + "==", nodeVectorDigest]) {
      agree(signature)
    }
  })
})

describe("Signature.SignedFields", () => {
  it("reads signature and timestamp from a signed body, ignoring the other fields", () => {
    const body = { partner_id: "001", signature: nodeVectorSignature, timestamp: "2024-01-02T03:04:05.678Z" }
    assert.deepStrictEqual(Schema.decodeUnknownSync(Signature.SignedFields)(body), {
      signature: nodeVectorSignature,
      timestamp: "2024-01-02T03:04:05.678Z"
    })
  })

  it("refuses a number timestamp: the SDKs send strings", () => {
    assert.throws(() => Schema.decodeUnknownSync(Signature.SignedFields)({ signature: "x", timestamp: 1 }))
  })
})
