/**
 * BlobStore: bytes by key (selfies on file, uploaded job zips).
 *
 * Keys are `/`-separated paths without a leading `/`, empty segments, `.` or
 * `..` segments, backslashes or control characters, e.g.
 * `partners/001/users/u-1/selfies/0000000001.jpg` (see `User.blobPrefixOf`).
 * {@link BlobKey} checks a key; {@link BlobPrefix} checks a prefix, which must
 * end in `/` so that deleting `users/u-1/` cannot touch `users/u-10/`.
 *
 * Partner isolation lives in the keys: every key our code builds starts with
 * `partners/<partnerId>/`.
 *
 * `delete` and `deletePrefix` are idempotent (erasure runs at least once).
 * `list` walks the keys page by page in ascending order (for maintenance:
 * reporting which encryption keys the stored blobs still need).
 * Adapters: filesystem and S3 (`@selfie-auth/adapter-s3`), and
 * {@link BlobStore.layerMemory}. Infrastructure failures are defects.
 */
import { Context, Effect, Layer, Order, Ref, Schema } from "effect"

const keyProblem = (key: string): string | undefined => {
  if (key.length === 0) return "must not be empty"
  if (key.length > 1024) return "must be at most 1024 characters"
  if (key.startsWith("/")) return "must not start with /"
  if (key.includes("\\")) return "must not contain a backslash"
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return "must not contain control characters"
  const segments = key.split("/")
  const inner = key.endsWith("/") ? segments.slice(0, -1) : segments
  if (inner.some((segment) => segment === "")) return "must not contain empty segments (//)"
  if (inner.some((segment) => segment === "." || segment === "..")) return "must not contain . or .. segments"
  return undefined
}

/** A key of one blob. */
export const BlobKey = Schema.String.pipe(
  Schema.filter((key) => keyProblem(key) ?? (key.endsWith("/") ? "must not end with / (that is a prefix)" : undefined)),
  Schema.brand("BlobKey")
)
export type BlobKey = typeof BlobKey.Type

/** A prefix of keys: a key that ends with `/`. */
export const BlobPrefix = Schema.String.pipe(
  Schema.filter((prefix) => keyProblem(prefix) ?? (prefix.endsWith("/") ? undefined : "must end with / so that it names a folder")),
  Schema.brand("BlobPrefix")
)
export type BlobPrefix = typeof BlobPrefix.Type

/** No blob under this key. */
export class BlobNotFound extends Schema.TaggedError<BlobNotFound>()("BlobNotFound", { key: Schema.String }) {
  override get message(): string {
    return `No blob under ${JSON.stringify(this.key)}`
  }
}

/** One page of {@link BlobStoreService.list}. */
export interface BlobListPage {
  /** Only keys that start with this folder; every key when absent. */
  readonly prefix?: BlobPrefix | undefined
  /** Only keys after this one (exclusive): the last key of the previous page. */
  readonly after?: BlobKey | undefined
  /** At most this many keys (at least 1). */
  readonly limit: number
}

/**
 * Keys in the order `list` answers them: ascending by UTF-16 code units, which
 * for the ASCII keys this project builds is also S3's order (UTF-8 bytes).
 */
export const compareBlobKeys: Order.Order<string> = Order.string

/** A defect unless `limit` is a whole number of at least 1 (a caller's mistake, not a stored state). */
export const checkListLimit = (limit: number): Effect.Effect<void> =>
  Number.isInteger(limit) && limit >= 1
    ? Effect.void
    : Effect.dieMessage(`BlobStore.list: limit must be a whole number of at least 1, got ${limit}`)

export interface BlobStoreService {
  /** Stores `bytes` under `key`, replacing what was there. */
  readonly put: (key: BlobKey, bytes: Uint8Array, options?: { readonly contentType?: string }) => Effect.Effect<void>
  readonly get: (key: BlobKey) => Effect.Effect<Uint8Array, BlobNotFound>
  /** Removes the blob; removing a missing blob is not an error. */
  readonly delete: (key: BlobKey) => Effect.Effect<void>
  /** Removes every blob whose key starts with `prefix`; answers how many were removed. */
  readonly deletePrefix: (prefix: BlobPrefix) => Effect.Effect<number>
  /**
   * The keys of one page, ascending ({@link compareBlobKeys}): those under
   * `page.prefix`, after `page.after`, at most `page.limit`. Pass a page's
   * last key as the next page's `after`; a page shorter than the limit is the
   * last. A blob put or deleted meanwhile may or may not be seen, but a key
   * present throughout is listed exactly once.
   */
  readonly list: (page: BlobListPage) => Effect.Effect<ReadonlyArray<BlobKey>>
}

export class BlobStore extends Context.Tag("@selfie-auth/core/BlobStore")<BlobStore, BlobStoreService>() {
  /** Blobs in a map. Bytes are copied in and out, so callers cannot change a stored blob by mutating their array. */
  static readonly layerMemory: Layer.Layer<BlobStore> = Layer.effect(
    BlobStore,
    Effect.gen(function*() {
      const blobs = yield* Ref.make(new Map<string, Uint8Array>())
      return {
        put: Effect.fn("BlobStore.put")(function*(key: BlobKey, bytes: Uint8Array) {
          yield* Ref.update(blobs, (all) => new Map(all).set(key, bytes.slice()))
        }),
        get: Effect.fn("BlobStore.get")(function*(key: BlobKey) {
          const bytes = (yield* Ref.get(blobs)).get(key)
          if (bytes === undefined) return yield* new BlobNotFound({ key })
          return bytes.slice()
        }),
        delete: Effect.fn("BlobStore.delete")(function*(key: BlobKey) {
          yield* Ref.update(blobs, (all) => {
            const next = new Map(all)
            next.delete(key)
            return next
          })
        }),
        deletePrefix: Effect.fn("BlobStore.deletePrefix")(function*(prefix: BlobPrefix) {
          return yield* Ref.modify(blobs, (all) => {
            const kept = new Map([...all].filter(([key]) => !key.startsWith(prefix)))
            return [all.size - kept.size, kept] as const
          })
        }),
        list: Effect.fn("BlobStore.list")(function*(page: BlobListPage) {
          yield* checkListLimit(page.limit)
          const all = yield* Ref.get(blobs)
          return [...all.keys()]
            .filter((key) => (page.prefix === undefined || key.startsWith(page.prefix)) && (page.after === undefined || compareBlobKeys(key, page.after) > 0))
            .sort(compareBlobKeys)
            .slice(0, page.limit)
            .map((key) => key as BlobKey)
        })
      }
    })
  )
}
