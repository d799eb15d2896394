/**
 * The product's backend: the embedded defaults of ARCHITECTURE.md, or
 * Postgres and S3 by configuration (`--database-url`, `--s3-bucket`) when one
 * machine is not enough.
 *
 * | port | adapter | embedded (default) | distributed |
 * |---|---|---|---|
 * | `UserStore`, `JobStore` | `@selfie-auth/adapter-sql` | SQLite `<data>/stores.sqlite` | Postgres |
 * | `ReviewQueue` | `@selfie-auth/adapter-sql` (`ReviewQueueSql`) | SQLite `<data>/stores.sqlite` | Postgres |
 * | `ReviewAudit` | the review console's audit trail (`ReviewAuditSql`) | SQLite `<data>/stores.sqlite` | Postgres |
 * | `DeliveryLog` | every callback attempt (`DeliveryLogSql`, `/v1/deliveries`) | SQLite `<data>/stores.sqlite` | Postgres |
 * | `JobPipeline` | the durable workflow (`pipeline/`) | SQLite `<data>/workflows.sqlite` | Postgres (lock table, no advisory locks) |
 * | `BlobStore` | `@selfie-auth/adapter-fs` / `adapter-s3`, sealed with AES-256-GCM (`BlobStoreEncrypted`) | `<data>/blobs/` | S3 bucket (`--s3-*`) |
 * | `IdGenerator` | node:crypto (`IdGeneratorRandom`) | | |
 * | `ZipCodec` | `@selfie-auth/adapter-zip` (fflate, bounded) | | |
 * | `FaceEngine` | `@selfie-auth/adapter-face` (Human + face-api on tfjs WASM) | | |
 * | `CallbackSender` | `@selfie-auth/adapter-callback` (signed, SSRF-checked) | | |
 *
 * The blob key is `--blob-key`, or on the filesystem a key made in
 * `<data>/blob-encryption.key` (S3 requires `--blob-key`: the images outlive
 * the data folder); earlier keys keep opening what they sealed (see
 * {@link blobKeyring}). Once the stores and the pipeline are up, the start-up
 * sweep ({@link UploadedJobsSweep}) starts any job whose zip arrived but whose
 * pipeline never started, and any recently decided job whose callback is
 * still due (it reads the `DeliveryLog` of the stores above); and the
 * journal of jobs ended long ago is pruned every hour ({@link JournalRetention}).
 *
 * Nothing here is a fake: faces are judged by the real engine and the
 * decision policy, or the server does not start.
 *
 * Gotcha (Postgres): the workflow journal takes shard locks in its own table
 * only, not with advisory locks, whose numbers ignore schemas: two
 * deployments (or test runs) may then share one database in two schemas.
 */
import type { SqlClient } from "@effect/sql"
import { DeliveryLogSql, JobStoreSql, ReviewQueueSql, SqlDatabase, UserStoreSql } from "@selfie-auth/adapter-sql"
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { BlobStoreS3 } from "@selfie-auth/adapter-s3"
import { CallbackSenderHttp, OutboundPolicy } from "@selfie-auth/adapter-callback"
import { FaceEngineHuman } from "@selfie-auth/adapter-face"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { BlobKey, BlobStore, Decision } from "@selfie-auth/core"
import { Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import * as path from "node:path"
import * as ReviewAuditSql from "./console/ReviewAuditSql.js"
import * as DataDir from "./DataDir.js"
import * as IdGeneratorRandom from "./IdGeneratorRandom.js"
import * as JournalRetention from "./JournalRetention.js"
import type { CallbackPolicy } from "./Partners.js"
import * as JobPipelineWorkflow from "./pipeline/JobPipelineWorkflow.js"
import * as PipelineStepsLive from "./pipeline/PipelineStepsLive.js"
import type { WorkflowStorageConfig } from "./pipeline/WorkflowStorage.js"
import type { BackendInput, BackendServices } from "./Server.js"
import { defaultJournalRetentionDays } from "./ServerConfig.js"
import type { ServerConfig } from "./ServerConfig.js"
import * as UploadedJobsSweep from "./UploadedJobsSweep.js"

/** The product's backend cannot be assembled; `message` says what to fix. */
export class BackendUnavailable extends Schema.TaggedError<BackendUnavailable>()("BackendUnavailable", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

/**
 * The id every blob was sealed under before ids were derived from keys, whatever the key: the data folder's
 * key or `--blob-key`. Such blobs open with whichever key of the ring authenticates them.
 */
export const legacyBlobKeyId = "k1"

/** What an operator does when a blob names a key the server lacks. */
const missingBlobKeyAdvice =
  "supply that key with --blob-previous-keys (or SELFIE_AUTH_BLOB_PREVIOUS_KEYS), or put back the data folder's blob-encryption.key"

/**
 * The blob keyring of a configuration:
 * - sealing with `--blob-key`, or without it the data folder's key (made on first start);
 * - opening also with `--blob-previous-keys` and, once `--blob-key` is given, the data folder's key if one
 *   was made earlier (so switching from the generated key to a configured one loses no image);
 * - every key named by its fingerprint ({@link BlobStoreEncrypted.keyIdOf}), and blobs written under
 *   {@link legacyBlobKeyId} opened by whichever key authenticates them.
 */
export const blobKeyring = Effect.fn("ProductBackend.blobKeyring")(function*(input: {
  readonly config: Pick<ServerConfig, "blobKey" | "blobPreviousKeys">
  readonly dataDir: string
}) {
  const orFail = <A>(result: Either.Either<A, BlobStoreEncrypted.InvalidEncryptionKey>) =>
    Either.match(result, {
      onLeft: (error) => Effect.fail(new BackendUnavailable({ detail: error.message })),
      onRight: Effect.succeed
    })
  const folderKeySource = DataDir.blobEncryptionKeyFile(input.dataDir)
  const current = input.config.blobKey === undefined
    ? yield* orFail(BlobStoreEncrypted.keyFromBytes(yield* DataDir.blobEncryptionKey(input.dataDir), folderKeySource))
    : yield* orFail(BlobStoreEncrypted.keyFromBase64(input.config.blobKey, "--blob-key"))
  const previous: Array<BlobStoreEncrypted.EncryptionKey> = []
  for (const [index, key] of (input.config.blobPreviousKeys ?? []).entries()) {
    previous.push(yield* orFail(BlobStoreEncrypted.keyFromBase64(key, `--blob-previous-keys entry ${index + 1}`)))
  }
  if (input.config.blobKey !== undefined) {
    const folderKey = yield* DataDir.existingBlobEncryptionKey(input.dataDir)
    if (Option.isSome(folderKey)) previous.push(yield* orFail(BlobStoreEncrypted.keyFromBytes(folderKey.value, folderKeySource)))
  }
  const keyring = BlobStoreEncrypted.makeKeyring({
    current,
    previous,
    legacyIds: [legacyBlobKeyId],
    missingKeyAdvice: missingBlobKeyAdvice
  })
  yield* Effect.logInfo("blob keys").pipe(
    Effect.annotateLogs({ sealing: keyring.current.id, opening: keyring.previous.map((key) => key.id).join(",") })
  )
  return keyring
})

/** A Postgres URL without its password, for messages: `postgres://user@host:5432/database`. */
const withoutPassword = (url: Redacted.Redacted<string>): string => {
  const parsed = new URL(Redacted.value(url))
  return `${parsed.protocol}//${parsed.username === "" ? "" : `${parsed.username}@`}${parsed.host}${parsed.pathname}`
}

const causeText = (error: unknown): string => {
  const cause = typeof error === "object" && error !== null && "cause" in error ? error.cause : undefined
  const text = (value: unknown) => (value instanceof Error ? value.message : String(value))
  return cause === undefined ? text(error) : `${text(error)}: ${text(cause)}`
}

/**
 * The store the sealed blobs are kept in, under the encryption: the data
 * folder's `blobs/`, or the S3 bucket of the configuration.
 */
export const unsealedBlobStore = (config: {
  readonly blobs: ServerConfig["blobs"]
  readonly dataDir: string
}): Layer.Layer<BlobStore> => {
  const blobs = config.blobs ?? { _tag: "Filesystem" }
  return blobs._tag === "S3"
    ? BlobStoreS3.layer({
      bucket: blobs.bucket,
      region: blobs.region,
      endpoint: blobs.endpoint,
      keyPrefix: blobs.keyPrefix,
      forcePathStyle: blobs.forcePathStyle
    })
    : BlobStoreFs.layer({ directory: path.join(config.dataDir, "blobs") })
}

/**
 * Reads a key that does not exist, so that a missing bucket, a wrong endpoint
 * or region, or missing credentials stop the server at start with the fix,
 * not the first upload with a 2201.
 */
const probeBucket = (bucket: string) =>
  Layer.effectDiscard(
    Effect.flatMap(BlobStore, (blobs) => blobs.get(BlobKey.make("selfie-auth-start-up-probe/absent"))).pipe(
      Effect.catchTag("BlobNotFound", () => Effect.void),
      Effect.catchAllDefect((defect) =>
        Effect.fail(
          new BackendUnavailable({
            detail: `the S3 bucket ${JSON.stringify(bucket)} cannot be read (${causeText(defect)}); check --s3-bucket, ` +
              "--s3-region, --s3-endpoint and the AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile or a role)"
          })
        )
      )
    )
  )

/** Deliveries of a `public-only` partner: https to public addresses only, as its prep upload demands. */
const publicHttpsOnly: OutboundPolicy.OutboundPolicy = { ...OutboundPolicy.strict, schemes: ["https:"] }

/** The outbound policy that enforces a partner's callback policy at delivery. */
export const outboundPolicyOf = (policy: CallbackPolicy): OutboundPolicy.OutboundPolicy =>
  policy === "local-evaluation" ? OutboundPolicy.localEvaluation : publicHttpsOnly

export const ProductBackend = {
  /** The product's backend for a started configuration. */
  layer: (input: BackendInput): Layer.Layer<BackendServices, unknown> => {
    const apiKeyOf = (partnerId: string) =>
      Effect.succeed(Option.fromNullable(input.partners.find((partner) => partner.partnerId === partnerId)?.apiKey))
    // A partner's callback policy is checked on the URL's text at prep upload, and again at every delivery,
    // where the sender resolves the host and refuses addresses the partner's policy does not allow.
    const outboundPolicies = new Map<string, OutboundPolicy.OutboundPolicy>(
      input.partners.map((partner) => [partner.partnerId, outboundPolicyOf(partner.callbackPolicy)])
    )

    const databaseConfig = input.config.database ?? { _tag: "Sqlite" }
    const database: Layer.Layer<SqlClient.SqlClient, unknown> = databaseConfig._tag === "Postgres"
      ? SqlDatabase.layerPostgres({ url: databaseConfig.url }).pipe(
        Layer.mapError((error) =>
          new BackendUnavailable({
            detail: `the Postgres database ${withoutPassword(databaseConfig.url)} of --database-url cannot be reached ` +
              `(${causeText(error)}); check its host, port, user, password and database name, and that the server accepts connections`
          })
        )
      )
      : SqlDatabase.layerSqlite({ filename: path.join(input.dataDir, SqlDatabase.sqliteFileName) })
    const journal: WorkflowStorageConfig = databaseConfig._tag === "Postgres"
      ? { _tag: "Postgres", url: databaseConfig.url, disableAdvisoryLocks: true }
      : { _tag: "Sqlite", dataDirectory: input.dataDir, synchronous: input.config.journalSync }
    const stores = Layer.mergeAll(
      UserStoreSql.layer,
      JobStoreSql.layer,
      ReviewQueueSql.layer,
      DeliveryLogSql.layer,
      ReviewAuditSql.layer
    ).pipe(Layer.provide(database))

    const blobConfig = input.config.blobs ?? { _tag: "Filesystem" }
    const unsealed = unsealedBlobStore({ blobs: blobConfig, dataDir: input.dataDir })
    const plainBlobs = blobConfig._tag === "S3" ? probeBucket(blobConfig.bucket).pipe(Layer.provideMerge(unsealed)) : unsealed
    const blobs = Layer.unwrapEffect(Effect.map(blobKeyring(input), (ring) => BlobStoreEncrypted.layer(ring).pipe(Layer.provide(plainBlobs))))
    const callbacks = CallbackSenderHttp.layer({
      apiKeysFor: (partnerId) => Effect.map(apiKeyOf(partnerId), Option.toArray),
      policyFor: (partnerId) => outboundPolicies.get(partnerId),
      policy: publicHttpsOnly
    })
    const base = Layer.mergeAll(
      stores,
      blobs,
      IdGeneratorRandom.layer,
      ZipCodecFflate.layer(),
      FaceEngineHuman.layer(),
      callbacks
    ).pipe(Layer.provideMerge(SignerNode.layer))
    const steps = PipelineStepsLive.layer({ thresholds: Decision.defaultThresholds, apiKeyOf })
    const pipeline = JobPipelineWorkflow.layer({ storage: journal }).pipe(Layer.provide(steps))
    const sweep = UploadedJobsSweep.layer(input.partners.map((partner) => partner.partnerId))
    const retention = JournalRetention.layer({
      retentionDays: input.config.journalRetentionDays ?? defaultJournalRetentionDays
    })
    return Layer.merge(sweep, retention).pipe(Layer.provideMerge(pipeline.pipe(Layer.provideMerge(base))))
  }
}
