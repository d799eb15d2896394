/**
 * Which encryption keys the stored blobs still need, and moving them all to
 * the current key: what an operator needs before retiring a key (a leaked
 * one, or simply an old one).
 *
 * Both walk the store underneath the encryption (`inner`, the store
 * `BlobStoreEncrypted` wraps), page by page in key order:
 * - {@link inventory} reads every blob, counts blobs per key id (the id in
 *   each blob's header) and opens each one with the keyring, so it also
 *   finds every blob the configured keys cannot open (a key missing from the
 *   configuration, changed bytes, something that was never sealed);
 * - {@link reseal} opens every blob not sealed with the current key and puts
 *   it back sealed with it, under the same blob key. A blob that does not
 *   open is left as it is and reported.
 *
 * Re-sealing is safe to interrupt and to run again: each blob is replaced
 * whole (the store's `put`), and a blob already under the current key is
 * left alone. It must not run beside a server using the store: a blob
 * erased (a user deleted) between its read and its re-sealed write would be
 * written back. The reference server's `blob-keys --reseal` holds the
 * pipeline's lock for that reason.
 */
import type { BlobKey, BlobStoreService } from "@selfie-auth/core"
import { Effect, Either, Option, Order } from "effect"
import type { BlobUndecryptable, Keyring } from "./BlobStoreEncrypted.js"
import { open, seal, sealedKeyId } from "./BlobStoreEncrypted.js"

/** How a key id found in the store relates to the keyring. */
export type KeyRole =
  /** The keyring's current key: it seals every new blob. */
  | "current"
  /** One of the keyring's previous keys: it only opens what it sealed. */
  | "previous"
  /** An id from before ids were derived from keys (`Keyring.legacyIds`): any key of the ring may open it. */
  | "legacy"
  /** No configured key has this id: its blobs do not open until the key is configured again. */
  | "missing"

export interface KeyUsage {
  readonly keyId: string
  readonly role: KeyRole
  /** Blobs whose header names this id. */
  readonly blobs: number
}

export interface Inventory {
  /** Blobs read. */
  readonly blobs: number
  /** Every key id found, with the configured keys that no blob uses (0 blobs): current first, then by id. */
  readonly keys: ReadonlyArray<KeyUsage>
  /** Blobs the keyring cannot open, with the reason of each. */
  readonly unopenable: ReadonlyArray<BlobUndecryptable>
}

export interface ResealReport {
  /** Blobs read. */
  readonly blobs: number
  /** Blobs re-sealed with the current key. */
  readonly resealed: number
  /** Blobs already sealed with the current key, left as they were. */
  readonly alreadyCurrent: number
  /** Blobs that did not open, left as they were. */
  readonly unopenable: ReadonlyArray<BlobUndecryptable>
}

export interface WalkOptions {
  /** Keys listed per page (default 500). */
  readonly pageSize?: number | undefined
  /** Called after each page with the blobs read so far (progress for long runs). */
  readonly onPage?: ((blobsSoFar: number) => Effect.Effect<void>) | undefined
}

/** Every blob of `store`, in key order, page by page; `visit` gets each key and its bytes. A blob gone since it was listed is skipped. */
const eachBlob = (
  store: BlobStoreService,
  options: WalkOptions,
  visit: (key: BlobKey, bytes: Uint8Array) => Effect.Effect<void>
): Effect.Effect<number> =>
  Effect.gen(function*() {
    const limit = options.pageSize ?? 500
    let after: BlobKey | undefined
    let read = 0
    for (;;) {
      const keys = yield* store.list({ after, limit })
      for (const key of keys) {
        const bytes = yield* Effect.option(store.get(key))
        if (bytes._tag === "None") continue
        read++
        yield* visit(key, bytes.value)
      }
      if (options.onPage !== undefined) yield* options.onPage(read)
      if (keys.length < limit) return read
      after = keys[keys.length - 1]
    }
  })

const roleOf = (keyring: Keyring, keyId: string): KeyRole =>
  keyId === keyring.current.id
    ? "current"
    : keyring.previous.some((key) => key.id === keyId)
    ? "previous"
    : keyring.legacyIds?.includes(keyId) === true
    ? "legacy"
    : "missing"

/** Counts blobs per key id and opens each one; see the module comment. `store` is the store under the encryption. */
export const inventory = (store: BlobStoreService, keyring: Keyring, options: WalkOptions = {}): Effect.Effect<Inventory> =>
  Effect.gen(function*() {
    const counts = new Map<string, number>([[keyring.current.id, 0], ...keyring.previous.map((key) => [key.id, 0] as const)])
    const unopenable: Array<BlobUndecryptable> = []
    const blobs = yield* eachBlob(store, options, (key, bytes) =>
      Effect.sync(() => {
        const keyId = sealedKeyId(key, bytes)
        if (Either.isRight(keyId)) counts.set(keyId.right, (counts.get(keyId.right) ?? 0) + 1)
        const opened = open(keyring, key, bytes)
        if (Either.isLeft(opened)) unopenable.push(opened.left)
      }))
    const rank: Record<KeyRole, number> = { current: 0, previous: 1, legacy: 2, missing: 3 }
    const keys = [...counts]
      .map(([keyId, count]): KeyUsage => ({ keyId, role: roleOf(keyring, keyId), blobs: count }))
      .sort((a, b) => rank[a.role] - rank[b.role] || Order.string(a.keyId, b.keyId))
    return { blobs, keys, unopenable }
  }).pipe(Effect.withSpan("BlobKeyInventory.inventory"))

/** Re-seals every blob not under the current key with it; see the module comment. `store` is the store under the encryption. */
export const reseal = (store: BlobStoreService, keyring: Keyring, options: WalkOptions = {}): Effect.Effect<ResealReport> =>
  Effect.gen(function*() {
    let resealed = 0
    let alreadyCurrent = 0
    const unopenable: Array<BlobUndecryptable> = []
    const blobs = yield* eachBlob(store, options, (key, bytes) =>
      Effect.gen(function*() {
        // Every blob is opened, so one that claims the current key but does not open is reported, not skipped.
        const opened = open(keyring, key, bytes)
        if (Either.isLeft(opened)) {
          unopenable.push(opened.left)
          return
        }
        if (Either.getRight(sealedKeyId(key, bytes)).pipe(Option.contains(keyring.current.id))) {
          alreadyCurrent++
          return
        }
        yield* store.put(key, seal(keyring.current, key, opened.right), { contentType: "application/octet-stream" })
        resealed++
      }))
    return { blobs, resealed, alreadyCurrent, unopenable }
  }).pipe(Effect.withSpan("BlobKeyInventory.reseal"))
