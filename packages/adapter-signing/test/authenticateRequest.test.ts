import { assert, describe, it } from "@effect/vitest"
import { SignerNode, SignerWebCrypto } from "@selfie-auth/adapter-signing"
import { GeneralError, authenticateRequest, signNow } from "@selfie-auth/core"
import type { Signer, Timestamp } from "@selfie-auth/core"
import type { Layer } from "effect"
import { Effect, Either, Redacted, TestClock } from "effect"
import { apiKey, nodeVectorMillis, opensslVectors, partnerId, wireVectors } from "./vectors.js"

const key = Redacted.make(apiKey)
const hour = 3_600_000

const [node, python, ruby, php] = wireVectors
if (node === undefined || python === undefined || ruby === undefined || php === undefined) {
  throw new Error("WIRE.md vectors missing")
}
const zoneLess = opensslVectors.find((vector) => vector.style.startsWith("zone-less"))
if (zoneLess === undefined) throw new Error("zone-less vector missing")

/** Authenticates at a given server time (through SignerNode unless another layer is given). */
const authenticateAt = (
  nowMillis: number,
  request: {
    readonly timestamp: string
    readonly signature: string
    readonly partnerId?: string
    readonly window?: Timestamp.FreshnessWindow
  },
  signerLayer: Layer.Layer<Signer> = SignerNode.layer
) =>
  TestClock.setTime(nowMillis).pipe(
    Effect.zipRight(
      authenticateRequest({
        partnerId: request.partnerId ?? partnerId,
        apiKey: key,
        timestamp: request.timestamp,
        signature: request.signature,
        ...(request.window === undefined ? {} : { window: request.window })
      })
    ),
    Effect.provide(signerLayer)
  )

const rejectedAt = (nowMillis: number, request: Parameters<typeof authenticateAt>[1]) =>
  Effect.flip(authenticateAt(nowMillis, request)).pipe(
    Effect.tap((error) => assert.instanceOf(error, GeneralError.NotAuthorized)),
    Effect.map((error) => error.detail)
  )

describe("authenticateRequest", () => {
  it.effect("accepts each SDK's signed timestamp while it is fresh", () =>
    Effect.gen(function*() {
      for (const vector of wireVectors) {
        yield* authenticateAt(nodeVectorMillis + 1_000, vector)
      }
    }))

  it.effect("accepts the Python SDK's day-long reuse of one timestamp by default", () =>
    authenticateAt(nodeVectorMillis + 23 * hour, python))

  it.effect("refuses a timestamp older than the window, with the skew in seconds", () =>
    Effect.gen(function*() {
      // The Ruby vector is signed at 03:04:05.000, so it is 90000.678 s old: rounded up.
      const detail = yield* rejectedAt(nodeVectorMillis + 25 * hour, ruby)
      assert.include(detail, "timestamp is 90001 s old; at most 86400 s is accepted")
    }))

  it.effect("refuses a timestamp ahead of the server's clock, with the skew in seconds", () =>
    Effect.gen(function*() {
      const detail = yield* rejectedAt(nodeVectorMillis - 10 * 60_000, node)
      assert.include(detail, "timestamp is 600 s ahead of the server's clock; at most 300 s is accepted")
    }))

  it.effect("uses the window it is given", () =>
    Effect.gen(function*() {
      const window = { past: "1 minute", future: "1 second" } as const
      yield* authenticateAt(nodeVectorMillis + 60_000, { ...php, window: { past: "2 minutes", future: 0 } })
      const detail = yield* rejectedAt(nodeVectorMillis + 2 * 60_000, { ...php, window })
      assert.include(detail, "at most 60 s is accepted")
    }))

  it.effect("refuses a correctly signed zone-less timestamp, saying to send a zone", () =>
    Effect.gen(function*() {
      const detail = yield* rejectedAt(nodeVectorMillis, zoneLess)
      assert.include(detail, "has no time zone")
    }))

  it.effect("refuses a signature that does not match, naming partner and timestamp", () =>
    Effect.gen(function*() {
      const detail = yield* rejectedAt(nodeVectorMillis, { ...node, partnerId: "002" })
      assert.include(detail, "signature does not match partner \"002\" and timestamp \"2024-01-02T03:04:05.678Z\"")
      const otherKey = opensslVectors.find((vector) => vector.apiKey !== apiKey)
      if (otherKey === undefined) throw new Error("vector missing")
      assert.include(yield* rejectedAt(nodeVectorMillis, otherKey), "signature does not match")
    }))

  it.effect("refuses every single flipped bit of a matching signature", () =>
    Effect.gen(function*() {
      const digest = Buffer.from(node.signature, "base64")
      for (let bit = 0; bit < 256; bit++) {
        const flipped = Buffer.from(digest)
        flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7))
        const detail = yield* rejectedAt(nodeVectorMillis, { ...node, signature: flipped.toString("base64") })
        assert.include(detail, "signature does not match", `bit ${bit}`)
      }
    }))

  it.effect("authenticates alike through every adapter", () =>
    Effect.gen(function*() {
      for (const signerLayer of [SignerNode.layer, SignerWebCrypto.layer]) {
        const at = (request: Parameters<typeof authenticateAt>[1]) =>
          Effect.either(authenticateAt(nodeVectorMillis + 1_000, request, signerLayer))
        for (const vector of wireVectors) assert.isTrue(Either.isRight(yield* at(vector)), vector.style)
        const mismatch = yield* at({ ...node, partnerId: "002" })
        assert.isTrue(Either.isLeft(mismatch) && mismatch.left.detail.includes("signature does not match"))
      }
    }))

  it.effect("refuses a malformed signature, saying what form to send", () =>
    Effect.gen(function*() {
      const detail = yield* rejectedAt(nodeVectorMillis, {
        ...node,
        signature: Buffer.from(node.signature, "base64").toString("hex")
      })
      assert.include(detail, "looks like hex")
      assert.include(detail, "standard base64 with padding")
    }))

  it.effect("checks freshness before comparing: a stale forgery learns only that it is stale", () =>
    Effect.gen(function*() {
      const detail = yield* rejectedAt(nodeVectorMillis + 30 * hour, { ...node, partnerId: "002" })
      assert.include(detail, "s old")
    }))

  it.effect("answers with code 2205 on the wire", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(authenticateAt(nodeVectorMillis, { ...node, partnerId: "002" }))
      const body = GeneralError.toErrorBody(error)
      assert.strictEqual(body.code, "2205")
      assert.match(body.error, /^Error - You are not authorized to do that: signature does not match/)
    }))
})

describe("signNow", () => {
  it.effect("signs the current time, written Node-style", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(nodeVectorMillis)
      const fields = yield* signNow({ partnerId, apiKey: key })
      assert.deepStrictEqual(fields, { timestamp: node.timestamp, signature: node.signature })
    }).pipe(Effect.provide(SignerNode.layer)))
})
