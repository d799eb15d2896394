/**
 * One contract, every adapter: each `Signer` layer must pass the same suite.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { SignerNode, SignerWebCrypto } from "@selfie-auth/adapter-signing"
import { Signer } from "@selfie-auth/core"
import { capturedRequests } from "@selfie-auth/test-fixtures"
import { Cause, Effect, Exit, FastCheck, Redacted } from "effect"
import { createHmac } from "node:crypto"
import type { SignatureVector } from "./vectors.js"
import { apiKey, hex, hmacVectors, opensslVectors, wireVectors } from "./vectors.js"

const adapters = [
  ["SignerNode", SignerNode.layer],
  ["SignerWebCrypto", SignerWebCrypto.layer]
] as const

/** A captured official-SDK request that carries a signature. */
interface SignedCapture {
  readonly file: string
  readonly signatureCheck: string
  readonly partnerId: string
  readonly timestamp: string
  readonly signature: string
}

const stringField = (body: unknown, key: string): string | undefined => {
  if (typeof body !== "object" || body === null || !(key in body)) return undefined
  const value: unknown = (body as Record<string, unknown>)[key]
  return typeof value === "string" ? value : undefined
}

/** job_status and token requests carry `partner_id`, upload requests `smile_client_id`. */
const signedCaptures: ReadonlyArray<SignedCapture> = capturedRequests().flatMap((request) => {
  if (request.signatureCheck === undefined) return []
  const capturedPartnerId = stringField(request.body, "partner_id") ?? stringField(request.body, "smile_client_id")
  const timestamp = stringField(request.body, "timestamp")
  const signature = stringField(request.body, "signature")
  if (capturedPartnerId === undefined || timestamp === undefined || signature === undefined) {
    throw new Error(`${request.file} is marked ${request.signatureCheck} but lacks a partner id, timestamp or signature`)
  }
  return [{ file: request.file, signatureCheck: request.signatureCheck, partnerId: capturedPartnerId, timestamp, signature }]
})

const verifyVector = (vector: SignatureVector, signature = vector.signature) =>
  Effect.flatMap(Signer, (signer) =>
    signer.verify({
      partnerId: vector.partnerId,
      apiKey: Redacted.make(vector.apiKey),
      timestamp: vector.timestamp,
      signature
    })
  )

const [nodeVector] = wireVectors
if (nodeVector === undefined) throw new Error("WIRE.md vectors missing")

/** The Node vector's digest with one bit flipped, re-encoded as canonical base64. */
const withBitFlipped = (signature: string, bit: number): string => {
  const digest = Buffer.from(signature, "base64")
  digest[bit >> 3] = (digest[bit >> 3] ?? 0) ^ (1 << (bit & 7))
  return digest.toString("base64")
}

for (const [name, signerLayer] of adapters) {
  layer(signerLayer)(name, (it) => {
    describe("sign", () => {
      for (const vector of [...wireVectors, ...opensslVectors]) {
        it.effect(`signs the ${vector.style} vector`, () =>
          Effect.gen(function*() {
            const signer = yield* Signer
            const signature = yield* signer.sign({
              partnerId: vector.partnerId,
              apiKey: Redacted.make(vector.apiKey),
              timestamp: vector.timestamp
            })
            assert.strictEqual(signature, vector.signature)
          }))
      }

      it.effect("signs the same input alike again, and a change of key, partner id or timestamp differently", () =>
        Effect.gen(function*() {
          const signer = yield* Signer
          // One key object throughout, as a configured partner has: the signer keeps its last signature per key.
          const key = Redacted.make(nodeVector.apiKey)
          const otherKey = Redacted.make(`${nodeVector.apiKey}x`)
          const base = { partnerId: nodeVector.partnerId, apiKey: key, timestamp: nodeVector.timestamp }
          const expected = (input: typeof base) =>
            createHmac("sha256", Redacted.value(input.apiKey))
              .update(`${input.timestamp}${input.partnerId}sid_request`)
              .digest("base64")
          const inputs = [
            base,
            base,
            { ...base, partnerId: `${base.partnerId}1` },
            base,
            { ...base, timestamp: "2024-01-02T03:04:05.679Z" },
            { ...base, apiKey: otherKey },
            base,
            { ...base, apiKey: otherKey },
            { ...base, apiKey: otherKey, partnerId: "9" }
          ]
          for (const [index, input] of inputs.entries()) {
            assert.strictEqual(yield* signer.sign(input), expected(input), `input ${index}`)
          }
          assert.strictEqual(yield* signer.sign(base), nodeVector.signature)
        }))
    })

    describe("verify", () => {
      it.effect("accepts the four WIRE.md vectors", () =>
        Effect.gen(function*() {
          for (const vector of wireVectors) assert.isTrue(yield* verifyVector(vector), vector.style)
        }))

      it.effect("accepts every captured official-SDK request marked valid, and only those", () =>
        Effect.gen(function*() {
          const signer = yield* Signer
          for (const capture of signedCaptures) {
            const verified = yield* signer.verify({ ...capture, apiKey: Redacted.make(apiKey) })
            assert.strictEqual(verified, capture.signatureCheck === "valid", capture.file)
          }
        }))

      it("finds the captured traffic of both the Node and the Python SDK", () => {
        assert.isAtLeast(signedCaptures.length, 60)
        assert.isTrue(signedCaptures.some((capture) => capture.timestamp.endsWith("Z")), "Node timestamps")
        assert.isTrue(signedCaptures.some((capture) => capture.timestamp.endsWith("+00:00")), "Python timestamps")
        assert.isTrue(signedCaptures.some((capture) => capture.file.includes("_v1_upload")), "upload requests")
        assert.isTrue(signedCaptures.some((capture) => capture.file.includes("_v1_job_status")), "job_status requests")
      })

      it.effect("refuses every single flipped bit", () =>
        Effect.gen(function*() {
          for (let bit = 0; bit < 256; bit++) {
            assert.isFalse(yield* verifyVector(nodeVector, withBitFlipped(nodeVector.signature, bit)), `bit ${bit}`)
          }
        }))

      it.effect("refuses the signature under another key or for another partner", () =>
        Effect.gen(function*() {
          assert.isFalse(yield* verifyVector({ ...nodeVector, apiKey: "test-api-key " }))
          assert.isFalse(yield* verifyVector({ ...nodeVector, apiKey: "" }))
          assert.isFalse(yield* verifyVector({ ...nodeVector, partnerId: "1" }))
          assert.isFalse(yield* verifyVector({ ...nodeVector, partnerId: "0001" }))
        }))

      it.effect("refuses the signature of another timestamp, even of the same instant", () =>
        Effect.gen(function*() {
          assert.isFalse(yield* verifyVector({ ...nodeVector, timestamp: "2024-01-02T03:04:05.678000+00:00" }))
          assert.isFalse(yield* verifyVector({ ...nodeVector, timestamp: "2024-01-02T03:04:05.679Z" }))
        }))

      it.effect("answers false, never fails, for truncated, padded, re-encoded or garbage signatures", () =>
        Effect.gen(function*() {
          const signature = nodeVector.signature
          const digest = Buffer.from(signature, "base64")
          const malformed = [
            "",
            signature.slice(0, -1),
            signature.slice(0, -4),
            signature.slice(0, 40) + "====",
            signature + "AAAA",
            signature + "\n",
            ` ${signature}`,
            signature.replace(/=$/, ""),
            digest.toString("base64url"),
            digest.toString("hex"),
            Buffer.concat([digest, Buffer.from([0])]).toString("base64"),
            digest.subarray(0, 31).toString("base64"),
            "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU9=",
            "not base64 at all: ¡¿\u0000\ud800",
            "=".repeat(44),
            "A".repeat(10_000)
          ]
          for (const candidate of malformed) {
            assert.isFalse(yield* verifyVector(nodeVector, candidate), JSON.stringify(candidate.slice(0, 60)))
          }
        }))
    })

    describe("digest", () => {
      it.effect("is the 32 bytes that sign writes as base64, for every vector", () =>
        Effect.gen(function*() {
          const signer = yield* Signer
          for (const vector of [...wireVectors, ...opensslVectors]) {
            const input = { partnerId: vector.partnerId, apiKey: Redacted.make(vector.apiKey), timestamp: vector.timestamp }
            const digest = yield* signer.digest(input)
            assert.strictEqual(hex(digest), Buffer.from(vector.signature, "base64").toString("hex"), vector.style)
            assert.isTrue(signer.equal(digest, new Uint8Array(Buffer.from(yield* signer.sign(input), "base64"))))
          }
        }))

      it.effect("reads the key only when run: an unreadable key is a defect of the run, not of the call", () =>
        Effect.gen(function*() {
          const signer = yield* Signer
          const wiped = Redacted.make(apiKey)
          Redacted.unsafeWipe(wiped)
          const digest = signer.digest({ partnerId: nodeVector.partnerId, apiKey: wiped, timestamp: nodeVector.timestamp })
          const exit = yield* Effect.exit(digest)
          assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
        }))
    })

    describe("hmacSha256", () => {
      for (const vector of hmacVectors) {
        it.effect(vector.name, () =>
          Effect.gen(function*() {
            const signer = yield* Signer
            assert.strictEqual(hex(yield* signer.hmacSha256(vector.key, vector.message)), vector.digest)
          }))
      }

      it.effect("does not alter its inputs", () =>
        Effect.gen(function*() {
          const signer = yield* Signer
          const key = new Uint8Array([1, 2, 3])
          const message = new Uint8Array([4, 5, 6])
          yield* signer.hmacSha256(key, message)
          assert.deepStrictEqual([...key, ...message], [1, 2, 3, 4, 5, 6])
        }))
    })

    describe("equal", () => {
      it.effect("is true for equal bytes, false for any single differing byte or length", () =>
        Effect.gen(function*() {
          const { equal } = yield* Signer
          const digest = new Uint8Array(Buffer.from(nodeVector.signature, "base64"))
          assert.isTrue(equal(digest, Uint8Array.from(digest)))
          assert.isTrue(equal(new Uint8Array(0), new Uint8Array(0)))
          for (let index = 0; index < digest.length; index++) {
            const changed = Uint8Array.from(digest)
            changed[index] = (changed[index] ?? 0) ^ 0x80
            assert.isFalse(equal(digest, changed), `byte ${index}`)
          }
          assert.isFalse(equal(digest, digest.subarray(0, 31)))
          assert.isFalse(equal(digest.subarray(0, 31), digest))
          assert.isFalse(equal(new Uint8Array(0), digest))
          // A longer array whose extra bytes are zero must not pass for the shorter one.
          assert.isFalse(equal(digest, Uint8Array.from([...digest, 0])))
          assert.isFalse(equal(Uint8Array.from([...digest, 0]), digest))
        }))

      it.effect("agrees with a plain comparison on arbitrary arrays", () =>
        Effect.gen(function*() {
          const { equal } = yield* Signer
          const bytes = FastCheck.uint8Array({ maxLength: 40 })
          const copies = bytes.map((a) => [a, Uint8Array.from(a)] as const)
          const pairs = FastCheck.oneof(FastCheck.tuple(bytes, bytes), copies)
          FastCheck.assert(
            FastCheck.property(pairs, ([a, b]) => equal(a, b) === Buffer.from(a).equals(Buffer.from(b)))
          )
        }))
    })
  })
}

describe("SignerNode and SignerWebCrypto", () => {
  const signWith = (
    signerLayer: (typeof adapters)[number][1],
    input: { readonly partnerId: string; readonly apiKey: string; readonly timestamp: string }
  ) =>
    Effect.runPromise(
      Effect.provide(
        Effect.flatMap(Signer, (signer) => signer.sign({ ...input, apiKey: Redacted.make(input.apiKey) })),
        signerLayer
      )
    )

  it("sign identically for any partner id, key and timestamp, non-ASCII included", async () => {
    await FastCheck.assert(
      FastCheck.asyncProperty(
        FastCheck.record({
          partnerId: FastCheck.string({ unit: "binary", maxLength: 8 }),
          apiKey: FastCheck.string({ unit: "binary", maxLength: 80 }),
          timestamp: FastCheck.string({ unit: "binary", maxLength: 40 })
        }),
        async (input) => (await signWith(SignerNode.layer, input)) === (await signWith(SignerWebCrypto.layer, input))
      ),
      { numRuns: 200 }
    )
  })
})
