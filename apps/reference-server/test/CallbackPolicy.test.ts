import { assert, describe, it } from "@effect/vitest"
import { OutboundPolicy } from "@selfie-auth/adapter-callback"
import { Effect } from "effect"
import { outboundPolicyOf } from "../src/ProductBackend.js"

/** Where a delivery under a partner's callback policy may go (IP literals: no DNS involved). */
const verdict = (url: string, policy: "public-only" | "local-evaluation") =>
  OutboundPolicy.check(url, outboundPolicyOf(policy)).pipe(
    Effect.match({ onFailure: (refused) => refused.reason, onSuccess: () => "allowed" as const })
  )

describe("a partner's callback policy at delivery", () => {
  it.effect("public-only: https to public addresses only; loopback, private, metadata and plain http refused", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* verdict("https://93.184.215.14/cb", "public-only"), "allowed")
      assert.strictEqual(yield* verdict("http://93.184.215.14/cb", "public-only"), "Scheme")
      assert.strictEqual(yield* verdict("https://127.0.0.1:8080/cb", "public-only"), "Address")
      assert.strictEqual(yield* verdict("https://[::1]:8080/cb", "public-only"), "Address")
      assert.strictEqual(yield* verdict("https://10.1.2.3/cb", "public-only"), "Address")
      assert.strictEqual(yield* verdict("https://169.254.169.254/latest", "public-only"), "Address")
    }))

  it.effect("local-evaluation: http and loopback too, but never private networks or metadata", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* verdict("http://127.0.0.1:8080/cb", "local-evaluation"), "allowed")
      assert.strictEqual(yield* verdict("https://93.184.215.14/cb", "local-evaluation"), "allowed")
      assert.strictEqual(yield* verdict("http://192.168.1.20/cb", "local-evaluation"), "Address")
      assert.strictEqual(yield* verdict("http://169.254.169.254/latest", "local-evaluation"), "Address")
    }))
})
