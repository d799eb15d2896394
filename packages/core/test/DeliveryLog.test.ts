import { assert, describe, it } from "@effect/vitest"
import { CallbackFailed, DeliveryLog, groupDeliveries, attemptOutcomeOf, deliveryStateOf } from "@selfie-auth/core"
import type { DeliveryAttemptRecord } from "@selfie-auth/core"
import { Ids } from "@selfie-auth/core"
import { deliveryLogContract } from "./contracts/DeliveryLogContract.js"

deliveryLogContract("memory", DeliveryLog.layerMemory)

const partnerId = Ids.PartnerId.make("001")
const smileJobId = Ids.SmileJobId.make("0000000001")
const at = (deliveryId: string, attempt: number, attemptedAt: number, outcome: DeliveryAttemptRecord["outcome"] = "timeout"): DeliveryAttemptRecord => ({
  partnerId,
  smileJobId,
  deliveryId,
  attempt,
  trigger: "schedule",
  url: "https://partner.example/cb",
  attemptedAt,
  latencyMillis: 15_000,
  outcome
})

describe("DeliveryLog pure helpers", () => {
  it("maps every CallbackSender failure reason onto one attempt outcome", () => {
    const failed = (reason: CallbackFailed["reason"]) => new CallbackFailed({ reason, deliveryId: "d", url: "u", detail: "x" })
    assert.deepStrictEqual(
      (["Rejected", "Unreachable", "Timeout", "InvalidUrl"] as const).map((reason) => attemptOutcomeOf(failed(reason))),
      ["rejected", "unreachable", "timeout", "invalid_url"]
    )
  })

  it("a delivery is delivered once any attempt got a 2xx, failed once its failure is recorded, pending before", () => {
    const failure = { partnerId, smileJobId, deliveryId: "a", reason: "exhausted" as const, detail: "", attempts: 1, failedAt: 5 }
    assert.strictEqual(deliveryStateOf({ deliveryId: "a", attempts: [], failure: undefined }), "pending")
    assert.strictEqual(deliveryStateOf({ deliveryId: "a", attempts: [at("a", 1, 1)], failure: undefined }), "pending")
    assert.strictEqual(deliveryStateOf({ deliveryId: "a", attempts: [at("a", 1, 1)], failure }), "failed")
    assert.strictEqual(deliveryStateOf({ deliveryId: "a", attempts: [at("a", 1, 1), at("a", 2, 9, "delivered")], failure }), "delivered")
    assert.strictEqual(deliveryStateOf({ deliveryId: "a", attempts: [at("a", 1, 1, "delivered"), at("a", 2, 9)], failure: undefined }), "delivered")
  })

  it("groups by delivery, orders deliveries by their first event and ties by id", () => {
    const grouped = groupDeliveries([at("b", 2, 30), at("b", 1, 10), at("a", 1, 10), at("c", 1, 40)], [
      { partnerId, smileJobId, deliveryId: "z", reason: "stopped", detail: "", attempts: 0, failedAt: 5 }
    ])
    assert.deepStrictEqual(grouped.map((delivery) => [delivery.deliveryId, delivery.attempts.map((a) => a.attempt)]), [
      ["z", []],
      ["a", [1]],
      ["b", [1, 2]],
      ["c", [1]]
    ])
  })
})
