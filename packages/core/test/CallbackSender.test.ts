import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { CallbackFailed, CallbackSender, isRetryable } from "@selfie-auth/core"
import { callbackSenderContract } from "./contracts/CallbackSenderContract.js"

callbackSenderContract("memory", {
  layerFor: (endpoint) => CallbackSender.layerMemory({ respond: endpoint }),
  callbackUrl: "https://partner.example/smile/callback?source=selfie-auth"
})

describe("CallbackSender.makeMemory", () => {
  it.effect("records every request it received with the answer, in order", () =>
    Effect.gen(function*() {
      let calls = 0
      const sender = yield* CallbackSender.makeMemory({ respond: () => (++calls === 1 ? 503 : 200) })
      const request = { url: "http://localhost:9/cb", body: { ResultCode: "0820" }, deliveryId: "d-1", partnerId: "001" }
      yield* Effect.flip(sender.deliver(request))
      yield* sender.deliver(request)
      assert.deepStrictEqual(
        (yield* sender.received).map((r) => [r.request.deliveryId, r.response]),
        [["d-1", 503], ["d-1", 200]]
      )
    }))
})

describe("isRetryable", () => {
  const failed = (reason: CallbackFailed["reason"], status?: number) =>
    new CallbackFailed({ reason, deliveryId: "d", url: "https://x", detail: "", ...(status === undefined ? {} : { status }) })
  it("retries every failure but 410 Gone and an invalid URL", () => {
    assert.deepStrictEqual(
      [500, 502, 408, 429, 400, 401, 404, 410, 422, 301, 302].map((status) => isRetryable(failed("Rejected", status))),
      [true, true, true, true, true, true, true, false, true, true, true]
    )
    assert.isTrue(isRetryable(failed("Timeout")))
    assert.isTrue(isRetryable(failed("Unreachable")))
    assert.isFalse(isRetryable(failed("InvalidUrl")))
  })
})
