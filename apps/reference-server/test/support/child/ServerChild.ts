/**
 * The `selfie-auth-server` command exactly as `main.ts` runs it, but on the
 * tests' backend (memory stores, the real zip codec, the scripted pipeline),
 * so a test can start it as a process, read its output and send it signals.
 * With SELFIE_AUTH_TEST_PRODUCT=1 it runs the product's backend instead.
 */
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { BlobStore, CallbackSender, DeliveryLog, IdGenerator, JobStore, ReviewQueue, UserStore } from "@selfie-auth/core"
import { Layer } from "effect"
import * as Cli from "../../../src/Cli.js"
import { ReviewAudit } from "../../../src/console/ReviewAudit.js"
import { ProductBackend } from "../../../src/ProductBackend.js"
import * as ScriptedPipeline from "../ScriptedPipeline.js"

const stores = Layer.mergeAll(
  UserStore.layerMemory,
  JobStore.layerMemory,
  BlobStore.layerMemory,
  IdGenerator.layerMemory,
  ReviewQueue.layerMemory,
  ReviewAudit.layerMemory,
  DeliveryLog.layerMemory,
  CallbackSender.layerMemory()
)
const testBackend = Layer.mergeAll(ScriptedPipeline.layer, ZipCodecFflate.layer()).pipe(Layer.provideMerge(stores))

Cli.run(
  process.argv.slice(2),
  process.env,
  process.env["SELFIE_AUTH_TEST_PRODUCT"] === "1" ? ProductBackend.layer : () => testBackend
).then((code) => {
  process.exitCode = code
  setTimeout(() => process.exit(code), 2000).unref()
})
