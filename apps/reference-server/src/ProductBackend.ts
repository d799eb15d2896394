/**
 * The product's backend, the embedded defaults of ARCHITECTURE.md:
 *
 * | port | adapter | where |
 * |---|---|---|
 * | `UserStore`, `JobStore` | `@selfie-auth/adapter-sql` on SQLite | `<data>/stores.sqlite` |
 * | `BlobStore` | `@selfie-auth/adapter-fs`, sealed with AES-256-GCM | `<data>/blobs/`, key from `--blob-key` or `<data>/blob-encryption.key` |
 * | `IdGenerator` | node:crypto (`IdGeneratorRandom`) | |
 * | `ZipCodec` | `@selfie-auth/adapter-zip` (fflate, bounded) | |
 * | `FaceEngine` | `@selfie-auth/adapter-face` (Human + face-api on tfjs WASM) | |
 * | `CallbackSender` | `@selfie-auth/adapter-callback` (signed, SSRF-checked) | |
 * | `ReviewQueue` | in memory (see below) | |
 * | `ReviewAudit` | the review console's audit trail on SQLite | `<data>/stores.sqlite` |
 * | `DeliveryLog` | every callback attempt, on SQLite (`/v1/deliveries`) | `<data>/stores.sqlite` |
 * | `JobPipeline` | the durable workflow (`pipeline/`) on SQLite | `<data>/workflows.sqlite` |
 *
 * Nothing here is a fake: faces are judged by the real engine and the
 * decision policy, or the server does not start.
 *
 * The `ReviewQueue` has no durable adapter yet; the review console also lists
 * the jobs the `JobStore` holds under review, so none is lost to a restart
 * (the jobs, their provisional results and the workflows waiting for a
 * verdict are durable).
 */
import { DeliveryLogSql, JobStoreSql, SqlDatabase, UserStoreSql } from "@selfie-auth/adapter-sql"
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { CallbackSenderHttp, OutboundPolicy } from "@selfie-auth/adapter-callback"
import { FaceEngineHuman } from "@selfie-auth/adapter-face"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { Decision, ReviewQueue } from "@selfie-auth/core"
import { Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import * as path from "node:path"
import * as ReviewAuditSql from "./console/ReviewAuditSql.js"
import * as DataDir from "./DataDir.js"
import * as IdGeneratorRandom from "./IdGeneratorRandom.js"
import * as JobPipelineWorkflow from "./pipeline/JobPipelineWorkflow.js"
import * as PipelineStepsLive from "./pipeline/PipelineStepsLive.js"
import type { BackendInput, BackendServices } from "./Server.js"

/** The product's backend cannot be assembled; `message` says what to fix. */
export class BackendUnavailable extends Schema.TaggedError<BackendUnavailable>()("BackendUnavailable", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/** The blob keyring: the configured key, or the data folder's own. */
const keyring = (input: BackendInput) =>
  Effect.gen(function*() {
    const key = input.config.blobKey ??
      Redacted.make(Buffer.from(Redacted.value(yield* DataDir.blobEncryptionKey(input.dataDir))).toString("base64"))
    return yield* Either.match(BlobStoreEncrypted.keyringFromBase64({ current: { id: "k1", key } }), {
      onLeft: (error) => Effect.fail(new BackendUnavailable({ detail: `--blob-key: ${error.message}` })),
      onRight: Effect.succeed
    })
  })

export const ProductBackend = {
  /** The product's backend for a started configuration. */
  layer: (input: BackendInput): Layer.Layer<BackendServices, unknown> => {
    const apiKeyOf = (partnerId: string) =>
      Effect.succeed(Option.fromNullable(input.partners.find((partner) => partner.partnerId === partnerId)?.apiKey))
    // Per-partner callback policies are checked on the URL's text at prep upload; the sender resolves names
    // and refuses private addresses at delivery, allowing loopback only if some partner evaluates locally.
    const outbound = input.partners.some((partner) => partner.callbackPolicy === "local-evaluation")
      ? OutboundPolicy.localEvaluation
      : OutboundPolicy.strict

    const database = SqlDatabase.layerSqlite({ filename: path.join(input.dataDir, SqlDatabase.sqliteFileName) })
    const stores = Layer.mergeAll(UserStoreSql.layer, JobStoreSql.layer, DeliveryLogSql.layer, ReviewAuditSql.layer).pipe(
      Layer.provide(database)
    )
    const blobs = Layer.unwrapEffect(
      Effect.map(keyring(input), (ring) =>
        BlobStoreEncrypted.layer(ring).pipe(Layer.provide(BlobStoreFs.layer({ directory: path.join(input.dataDir, "blobs") }))))
    )
    const callbacks = CallbackSenderHttp.layer({
      apiKeysFor: (partnerId) => Effect.map(apiKeyOf(partnerId), Option.toArray),
      policy: outbound
    })
    const base = Layer.mergeAll(
      stores,
      blobs,
      IdGeneratorRandom.layer,
      ZipCodecFflate.layer(),
      FaceEngineHuman.layer(),
      ReviewQueue.layerMemory,
      callbacks
    ).pipe(Layer.provideMerge(SignerNode.layer))
    const steps = PipelineStepsLive.layer({ thresholds: Decision.defaultThresholds, apiKeyOf })
    const pipeline = JobPipelineWorkflow.layer({ storage: { _tag: "Sqlite", dataDirectory: input.dataDir } }).pipe(
      Layer.provide(steps)
    )
    return pipeline.pipe(Layer.provideMerge(base))
  }
}
