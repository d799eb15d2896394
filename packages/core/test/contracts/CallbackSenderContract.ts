/**
 * The CallbackSender contract. The partner's endpoint is simulated by the
 * harness: `layerFor(endpoint)` builds a sender whose requests to
 * `callbackUrl` reach `endpoint`, which answers a status, or `"unreachable"`
 * (the harness drops the connection) or `"timeout"` (it never answers).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { CallbackSender, isRetryable, type MemoryResponse } from "@selfie-auth/core"

/** What the partner's endpoint sees of one delivery. */
export interface ReceivedCallback {
  readonly url: string
  readonly body: unknown
  readonly deliveryId: string
}

export interface CallbackSenderContractOptions {
  readonly layerFor: (endpoint: (received: ReceivedCallback) => MemoryResponse) => Layer.Layer<CallbackSender>
  /** An http(s) URL that reaches the endpoint. */
  readonly callbackUrl: string
}

const body = {
  Actions: { Selfie_To_Registered_Selfie_Compare: "Completed" },
  ConfidenceValue: "99",
  PartnerParams: { user_id: "u-1", job_id: "j-1", job_type: 2, note: "ünïcödé ✓" },
  ResultCode: "0820",
  IsFinalResult: "true",
  signature: "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8=",
  timestamp: "2024-01-02T03:04:05.678Z"
}

export const callbackSenderContract = (name: string, options: CallbackSenderContractOptions) =>
  describe(`CallbackSender contract (${name})`, () => {
    const deliver = (answer: MemoryResponse, url = options.callbackUrl) => {
      const seen: Array<ReceivedCallback> = []
      const layer = options.layerFor((received) => {
        seen.push(received)
        return answer
      })
      return CallbackSender.pipe(
        Effect.flatMap((sender) => sender.deliver({ url, body, deliveryId: "delivery-000001", partnerId: "001" })),
        Effect.either,
        Effect.map((outcome) => ({ outcome, seen })),
        Effect.provide(layer)
      )
    }

    for (const status of [200, 202, 204]) {
      it.effect(`delivers the body as JSON with its delivery id, accepted with ${status}`, () =>
        Effect.gen(function*() {
          const { outcome, seen } = yield* deliver(status)
          if (outcome._tag === "Left") return assert.fail(outcome.left.message)
          assert.strictEqual(outcome.right.status, status)
          assert.strictEqual(outcome.right.deliveryId, "delivery-000001")
          assert.strictEqual(outcome.right.url, options.callbackUrl)
          assert.isAtLeast(outcome.right.durationMillis, 0)
          assert.strictEqual(seen.length, 1)
          assert.deepStrictEqual(JSON.parse(JSON.stringify(seen[0]!.body)), body)
          assert.strictEqual(seen[0]!.deliveryId, "delivery-000001")
        }))
    }

    const failures: ReadonlyArray<readonly [MemoryResponse, string, boolean]> = [
      [500, "Rejected", true],
      [503, "Rejected", true],
      [429, "Rejected", true],
      [400, "Rejected", true],
      [404, "Rejected", true],
      [410, "Rejected", false],
      ["unreachable", "Unreachable", true],
      ["timeout", "Timeout", true]
    ]
    for (const [answer, reason, retryable] of failures) {
      it.effect(`fails as ${reason} when the endpoint answers ${answer} (${retryable ? "" : "not "}retryable)`, () =>
        Effect.gen(function*() {
          const { outcome } = yield* deliver(answer)
          if (outcome._tag === "Right") return assert.fail("expected a failure")
          assert.strictEqual(outcome.left.reason, reason)
          assert.strictEqual(outcome.left.deliveryId, "delivery-000001")
          assert.strictEqual(outcome.left.status, typeof answer === "number" ? answer : undefined)
          assert.strictEqual(isRetryable(outcome.left), retryable)
        }))
    }

    it.effect("refuses a URL that is not absolute http(s) without calling anything", () =>
      Effect.gen(function*() {
        for (const url of ["", "partner.example/callback", "ftp://partner.example/cb", "javascript:alert(1)"]) {
          const { outcome, seen } = yield* deliver(200, url)
          if (outcome._tag === "Right") return assert.fail(`${url} was accepted`)
          assert.strictEqual(outcome.left.reason, "InvalidUrl", url)
          assert.isFalse(isRetryable(outcome.left))
          assert.strictEqual(seen.length, 0)
        }
      }))
  })
