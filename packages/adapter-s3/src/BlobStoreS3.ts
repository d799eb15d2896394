/**
 * `BlobStore` on S3 (or any S3-compatible service), chosen by configuration
 * when several server processes share blobs or the data folder is not durable.
 *
 * - Objects are stored under `keyPrefix` + the blob key in one bucket, so one
 *   bucket can hold several deployments (`keyPrefix: "selfie-auth/prod/"`).
 * - `put` is a single `PutObject`: S3 makes it visible whole or not at all.
 * - `deletePrefix` lists the prefix page by page and removes each page with
 *   one `DeleteObjects`, counting what S3 reports deleted; any key S3 refuses
 *   to delete is a defect naming it, so an erasure never reads as done when it
 *   is not. It is idempotent (the next run removes what is left).
 * - `list` is `ListObjectsV2` with `StartAfter`, in S3's order (UTF-8 bytes,
 *   the same as the port's for ASCII keys); objects outside `keyPrefix` are
 *   never seen.
 * - Missing bucket, bad credentials, network errors: defects, with the bucket
 *   in the message.
 *
 * Gotchas:
 * - Bucket versioning keeps deleted objects as non-current versions: erasure
 *   of biometric data then needs a lifecycle rule that expires non-current
 *   versions (or a bucket without versioning).
 * - Wrap the layer in `BlobStoreEncrypted` (`@selfie-auth/adapter-fs`) so the
 *   bucket holds only ciphertext; server-side encryption alone protects the
 *   disks, not against whoever can read the bucket.
 *
 * @example
 * const blobs = BlobStoreS3.layer({ bucket: "selfies", region: "eu-west-1", keyPrefix: "prod/" })
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client
} from "@aws-sdk/client-s3"
import type { S3ClientConfig } from "@aws-sdk/client-s3"
import type { BlobKey, BlobListPage, BlobPrefix } from "@selfie-auth/core"
import { BlobNotFound, BlobStore, checkListLimit } from "@selfie-auth/core"
import { Effect, Layer, Redacted } from "effect"

export interface BlobStoreS3Options {
  readonly bucket: string
  /** Prepended to every blob key; empty (the bucket's root) by default, else it must end with `/`. */
  readonly keyPrefix?: string | undefined
  /** The bucket's region; the SDK's default chain (`AWS_REGION`) when absent. */
  readonly region?: string | undefined
  /** An S3-compatible endpoint (MinIO, Ceph, R2...), e.g. `http://127.0.0.1:9000`. */
  readonly endpoint?: string | undefined
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint` (most S3-compatible services need it). */
  readonly forcePathStyle?: boolean | undefined
  /** Static credentials; the SDK's default chain (environment, profile, instance role) when absent. */
  readonly credentials?: {
    readonly accessKeyId: string
    readonly secretAccessKey: Redacted.Redacted<string>
  } | undefined
  /** Keys listed and deleted per request by `deletePrefix` (1..1000, S3's limit). Default 1000. */
  readonly pageSize?: number | undefined
}

/** The SDK client configuration from the options (credentials revealed only here). */
const clientConfig = (options: BlobStoreS3Options): S3ClientConfig => ({
  ...(options.region === undefined ? {} : { region: options.region }),
  ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
  ...(options.credentials === undefined ? {} : {
    credentials: {
      accessKeyId: options.credentials.accessKeyId,
      secretAccessKey: Redacted.value(options.credentials.secretAccessKey)
    }
  })
})

const isNoSuchKey = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "name" in error && (error.name === "NoSuchKey" || error.name === "NotFound")

/** The store on an existing client (the caller owns and closes it). */
export const make = (client: S3Client, options: BlobStoreS3Options): BlobStore["Type"] => {
  const keyPrefix = options.keyPrefix ?? ""
  if (keyPrefix !== "" && !keyPrefix.endsWith("/")) {
    throw new Error(`BlobStoreS3: keyPrefix ${JSON.stringify(keyPrefix)} must end with "/" (or be empty)`)
  }
  const pageSize = options.pageSize ?? 1000
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new Error(`BlobStoreS3: pageSize must be an integer from 1 to 1000, got ${pageSize}`)
  }
  const { bucket } = options

  /** Sends a command, keeping the SDK's error as the failure (turned into a value or a defect by the caller). */
  const send = <A>(run: (signal: AbortSignal) => Promise<A>) => Effect.tryPromise({ try: run, catch: (cause) => cause })
  /** An infrastructure failure, as a defect naming the bucket and the operation. */
  const defect = (what: string) => (cause: unknown) =>
    Effect.die(new Error(`S3 bucket ${JSON.stringify(bucket)}: ${what} failed: ${String(cause)}`))

  return {
    put: Effect.fn("BlobStore.put")(function*(key: BlobKey, bytes: Uint8Array, putOptions?: { readonly contentType?: string }) {
      yield* send((abortSignal) =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: keyPrefix + key,
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: putOptions?.contentType ?? "application/octet-stream"
          }),
          { abortSignal }
        )
      ).pipe(Effect.catchAll(defect(`putting ${key}`)))
    }),

    get: Effect.fn("BlobStore.get")(function*(key: BlobKey) {
      const response = yield* send((abortSignal) =>
        client.send(new GetObjectCommand({ Bucket: bucket, Key: keyPrefix + key }), { abortSignal })
          .then((output) => output.Body?.transformToByteArray() ?? new Uint8Array())
      ).pipe(
        Effect.catchAll((cause) => isNoSuchKey(cause) ? Effect.fail(new BlobNotFound({ key })) : defect(`getting ${key}`)(cause))
      )
      return response
    }),

    delete: Effect.fn("BlobStore.delete")(function*(key: BlobKey) {
      // S3 answers success for a missing key: delete is idempotent there too.
      yield* send((abortSignal) =>
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyPrefix + key }), { abortSignal })
      ).pipe(Effect.catchAll(defect(`deleting ${key}`)))
    }),

    deletePrefix: Effect.fn("BlobStore.deletePrefix")(function*(prefix: BlobPrefix) {
      let removed = 0
      // Listing again from the start after each deletion sees what is left, including late arrivals.
      while (true) {
        const page = yield* send((abortSignal) =>
          client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix + prefix, MaxKeys: pageSize }), { abortSignal })
        ).pipe(Effect.catchAll(defect(`listing ${prefix}`)))
        const keys = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]))
        if (keys.length === 0) return removed
        const result = yield* send((abortSignal) =>
          client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false } }),
            { abortSignal }
          )
        ).pipe(Effect.catchAll(defect(`deleting under ${prefix}`)))
        const refused = result.Errors ?? []
        if (refused.length > 0) {
          return yield* Effect.dieMessage(
            `S3 bucket ${JSON.stringify(bucket)} refused to delete ${refused.length} object(s) under ${prefix}, e.g. ` +
              `${refused[0]?.Key}: ${refused[0]?.Code} ${refused[0]?.Message}`
          )
        }
        const deleted = result.Deleted?.length ?? 0
        if (deleted === 0) {
          return yield* Effect.dieMessage(
            `S3 bucket ${JSON.stringify(bucket)} listed ${keys.length} object(s) under ${prefix} but deleted none; stopping`
          )
        }
        removed += deleted
      }
    }),
    list: Effect.fn("BlobStore.list")(function*(page: BlobListPage) {
      yield* checkListLimit(page.limit)
      const keys: Array<BlobKey> = []
      let startAfter = page.after === undefined ? undefined : keyPrefix + page.after
      while (keys.length < page.limit) {
        const wanted = Math.min(1000, page.limit - keys.length)
        const listed = yield* send((abortSignal) =>
          client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: keyPrefix + (page.prefix ?? ""),
              MaxKeys: wanted,
              ...(startAfter === undefined ? {} : { StartAfter: startAfter })
            }),
            { abortSignal }
          )
        ).pipe(Effect.catchAll(defect(`listing ${page.prefix ?? "the bucket"}`)))
        const objects = (listed.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]))
        for (const object of objects) keys.push(object.slice(keyPrefix.length) as BlobKey)
        if (objects.length < wanted || listed.IsTruncated !== true) break
        startAfter = objects[objects.length - 1]
      }
      return keys
    })
  }
}

/** The S3 `BlobStore`, with a client of its own closed when the layer is released. */
export const layer = (options: BlobStoreS3Options): Layer.Layer<BlobStore> =>
  Layer.scoped(
    BlobStore,
    Effect.gen(function*() {
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => new S3Client(clientConfig(options))),
        (client) => Effect.sync(() => client.destroy())
      )
      return yield* Effect.try(() => make(client, options)).pipe(Effect.orDie)
    })
  )
