/**
 * The UploadTarget contract. Its URLs are the adapter's own format, so the
 * adapter says how to damage them:
 * - `tamper(url)`: the same URL with its token or signature changed;
 * - `crossJobs(urlOfA, urlOfB)`: a URL naming job A but carrying job B's credentials.
 *
 * Time comes from `Clock`; the suite moves it with `TestClock`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, TestClock, type Layer } from "effect"
import { UploadTarget } from "@selfie-auth/core"
import { uniquePartnerId, uniqueSmileJobId } from "./fixtures.js"

export interface UploadTargetContractOptions {
  readonly layer: Layer.Layer<UploadTarget>
  readonly tamper: (url: string) => string
  readonly crossJobs: (urlOfA: string, urlOfB: string) => string
}

export const uploadTargetContract = (name: string, options: UploadTargetContractOptions) =>
  describe(`UploadTarget contract (${name})`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, UploadTarget>) =>
      it.effect(title, () => Effect.provide(body, options.layer))
    const rejection = (url: string) => Effect.flatMap(UploadTarget, (target) => Effect.flip(target.check(url)))

    test(
      "grants the job it issued the URL for, until the expiry it announced",
      Effect.gen(function*() {
        const target = yield* UploadTarget
        const [partnerId, smileJobId] = [uniquePartnerId(), uniqueSmileJobId()]
        yield* TestClock.adjust("1 hour")
        const now = yield* Clock.currentTimeMillis
        const ticket = yield* target.issue({ partnerId, smileJobId, expiresIn: "15 minutes" })
        assert.strictEqual(ticket.expiresAt, now + 15 * 60_000)
        assert.deepStrictEqual(yield* target.check(ticket.url), { partnerId, smileJobId, expiresAt: ticket.expiresAt })

        yield* TestClock.adjust(15 * 60_000 - 1)
        assert.strictEqual((yield* target.check(ticket.url)).smileJobId, smileJobId, "still valid 1 ms before expiry")
        yield* TestClock.adjust(1)
        const expired = yield* rejection(ticket.url)
        assert.strictEqual(expired.reason, "Expired")
        assert.include(expired.detail, "prepare a new job")
      })
    )

    test(
      "issues a different URL each time, each valid on its own",
      Effect.gen(function*() {
        const target = yield* UploadTarget
        const [partnerId, smileJobId] = [uniquePartnerId(), uniqueSmileJobId()]
        const first = yield* target.issue({ partnerId, smileJobId, expiresIn: "1 minute" })
        const second = yield* target.issue({ partnerId, smileJobId, expiresIn: "1 minute" })
        assert.notStrictEqual(first.url, second.url)
        yield* target.check(first.url)
        yield* target.check(second.url)
      })
    )

    test(
      "refuses a tampered URL as Tampered, even after expiry",
      Effect.gen(function*() {
        const target = yield* UploadTarget
        const ticket = yield* target.issue({ partnerId: uniquePartnerId(), smileJobId: uniqueSmileJobId(), expiresIn: "1 minute" })
        assert.strictEqual((yield* rejection(options.tamper(ticket.url))).reason, "Tampered")
        yield* TestClock.adjust("2 minutes")
        assert.strictEqual((yield* rejection(options.tamper(ticket.url))).reason, "Tampered")
      })
    )

    test(
      "refuses one job's credentials at another job's URL, across jobs and across partners",
      Effect.gen(function*() {
        const target = yield* UploadTarget
        const partnerId = uniquePartnerId()
        const a = yield* target.issue({ partnerId, smileJobId: uniqueSmileJobId(), expiresIn: "1 minute" })
        const b = yield* target.issue({ partnerId, smileJobId: uniqueSmileJobId(), expiresIn: "1 minute" })
        const otherPartner = yield* target.issue({ partnerId: uniquePartnerId(), smileJobId: uniqueSmileJobId(), expiresIn: "1 minute" })
        for (const url of [options.crossJobs(a.url, b.url), options.crossJobs(a.url, otherPartner.url)]) {
          const error = yield* rejection(url)
          assert.strictEqual(error.reason, "WrongJob")
          assert.include(error.detail, "its own job's upload_url")
        }
      })
    )

    test(
      "refuses a URL it could not have issued as Malformed",
      Effect.gen(function*() {
        for (const url of ["", "https://elsewhere.example/attachments.zip", "not a url at all"]) {
          const error = yield* rejection(url)
          assert.strictEqual(error.reason, "Malformed", url)
          assert.include(error.message, "Upload refused (Malformed)")
        }
      })
    )
  })
