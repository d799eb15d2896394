import { assert, describe, it } from "@effect/vitest"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { Ids, UploadTarget } from "@selfie-auth/core"
import { Duration, Effect, Layer, Redacted, TestClock } from "effect"
import * as UploadTargetHmac from "../src/UploadTargetHmac.js"

const secret = Redacted.make(new Uint8Array(32).fill(1))
const target = UploadTargetHmac.layer({ baseUrl: "https://127.0.0.1:8443", secret }).pipe(Layer.provide(SignerNode.layer))
const partnerId = Ids.PartnerId.make("001")
const smileJobId = Ids.SmileJobId.make("0000000001")

describe("UploadTargetHmac", () => {
  it.effect("signs PUT, partner, job and expiry: a known-answer vector (openssl dgst -hmac)", () =>
    Effect.gen(function*() {
      // 1_700_000_000 s minus one hour: the URL expires at exactly 1700000000.
      yield* TestClock.setTime(1_700_000_000_000 - 3_600_000)
      const uploads = yield* UploadTarget
      const ticket = yield* uploads.issue({ partnerId, smileJobId, expiresIn: Duration.hours(1) })
      assert.strictEqual(
        ticket.url,
        "https://127.0.0.1:8443/uploads/001/0000000001/attachments.zip?expires=1700000000&signature=b5kxRuVPkcABGGKvDcJFUR3alaxRhsBS7ub2kjOdcfQ"
      )
      assert.strictEqual(ticket.expiresAt, 1_700_000_000_000)
      assert.deepStrictEqual(yield* uploads.check(ticket.url), { partnerId: "001", smileJobId: "0000000001", expiresAt: 1_700_000_000_000 })
      assert.deepStrictEqual(yield* uploads.check(new URL(ticket.url).pathname + new URL(ticket.url).search), {
        partnerId: "001",
        smileJobId: "0000000001",
        expiresAt: 1_700_000_000_000
      })
    }).pipe(Effect.provide(target)))

  it.effect("refuses a URL moved to another job, a changed expiry or signature, and an expired one", () =>
    Effect.gen(function*() {
      const uploads = yield* UploadTarget
      const { url } = yield* uploads.issue({ partnerId, smileJobId, expiresIn: Duration.minutes(10) })
      const reasonOf = (candidate: string) => Effect.map(Effect.flip(uploads.check(candidate)), (error) => error.reason)
      assert.strictEqual(yield* reasonOf(url.replace("0000000001", "0000000002")), "Tampered")
      assert.strictEqual(yield* reasonOf(url.replace("/001/", "/002/")), "Tampered")
      assert.strictEqual(yield* reasonOf(url.replace(/expires=(\d+)/, (_, n) => `expires=${Number(n) + 1}`)), "Tampered")
      const signature = new URL(url).searchParams.get("signature") ?? ""
      const flipped = signature.slice(0, 10) + (signature[10] === "A" ? "B" : "A") + signature.slice(11)
      assert.strictEqual(yield* reasonOf(url.replace(signature, flipped)), "Tampered")
      assert.strictEqual(yield* reasonOf(url.replace(/&signature=.*/, "")), "Malformed")
      assert.strictEqual(yield* reasonOf("https://127.0.0.1:8443/v1/upload"), "Malformed")
      assert.strictEqual(yield* reasonOf(url.replace("0000000001", "12")), "Malformed")
      yield* TestClock.adjust(Duration.minutes(11))
      const expired = yield* Effect.flip(uploads.check(url))
      assert.strictEqual(expired.reason, "Expired")
      assert.match(expired.detail, /expired 60 s ago; prepare a new job/)
    }).pipe(Effect.provide(target)))
})
