import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { JobStore } from "@selfie-auth/core"
import { jobStoreContract } from "./contracts/JobStoreContract.js"
import { newJob, uniquePartnerId } from "./contracts/fixtures.js"

jobStoreContract("memory", JobStore.layerMemory)

describe("JobStore.layerMemory", () => {
  it.effect("refuses a job its schema refuses as a defect, as a database adapter would", () =>
    Effect.gen(function*() {
      const store = yield* JobStore
      const exit = yield* Effect.exit(store.insert(newJob({ partnerId: uniquePartnerId(), at: -1 })))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
    }).pipe(Effect.provide(JobStore.layerMemory)))
})
