import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Ids, UploadTarget } from "@selfie-auth/core"
import { uploadTargetContract } from "./contracts/UploadTargetContract.js"

const layer = UploadTarget.layerMemory({ baseUrl: "https://uploads.test/" })
const tokenOf = (url: string) => /token=([^&]*)/.exec(url)![1]!

uploadTargetContract("memory", {
  layer,
  tamper: (url) => url.replace(/token=(.)/, (_, first: string) => `token=${first === "0" ? "1" : "0"}`),
  crossJobs: (urlOfA, urlOfB) => urlOfA.replace(tokenOf(urlOfA), tokenOf(urlOfB))
})

describe("UploadTarget.layerMemory", () => {
  it.effect("writes URLs like S3's layout: partner, job, attachments.zip, a 128-bit token", () =>
    Effect.gen(function*() {
      const target = yield* UploadTarget
      const ticket = yield* target.issue({
        partnerId: Ids.PartnerId.make("p/1"),
        smileJobId: Ids.SmileJobId.make("0000000042"),
        expiresIn: "10 minutes"
      })
      assert.match(ticket.url, /^https:\/\/uploads\.test\/uploads\/p%2F1\/0000000042\/attachments\.zip\?token=[0-9a-f]{32}$/)
      assert.strictEqual((yield* target.check(ticket.url)).partnerId, "p/1")
      assert.strictEqual((yield* target.check(ticket.url.replace("https://uploads.test", ""))).smileJobId, "0000000042", "path and query alone")
    }).pipe(Effect.provide(layer)))
})
