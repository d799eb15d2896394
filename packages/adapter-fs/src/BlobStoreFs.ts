/**
 * `BlobStore` on the local filesystem: the default store of the reference
 * server, under its data folder.
 *
 * Layout under `directory`:
 * - `objects/<key>`: one file per blob, at the path its key spells
 *   (`objects/partners/001/users/u-1/selfies/0000000001.jpg`), so an operator
 *   can see what is stored and a prefix is a folder.
 * - `incoming/`: writes in progress. A `put` writes a temporary file there,
 *   flushes it to disk, then renames it over the blob: a reader sees the old
 *   bytes or the new, never half a file, and a crash leaves at most an orphan
 *   in `incoming/` (swept when the store starts, once older than an hour, so
 *   another process's write in progress is never touched).
 *
 * Keys are checked again here, not only by their brand: a key that fails
 * `BlobKey` or resolves outside `objects/` (`..`, an absolute path) is a
 * defect, never a file access.
 *
 * Gotchas:
 * - A key cannot name both a blob and a folder of blobs (`a/b` and `a/b/c`),
 *   which S3 allows; the keys our code builds never do. Such a `put` dies
 *   saying which part of the path is a file.
 * - On a case-insensitive filesystem (macOS, Windows defaults) keys differing
 *   only in case would share a file: keep the data folder on a case-sensitive
 *   filesystem (Linux), or use S3.
 * - `list` walks `objects/` depth first, each folder's entries sorted as the
 *   keys they start (a folder `a` as `a/`), which visits keys in ascending
 *   order, and skips every folder whose keys all sort before `after`; it
 *   stops at the page's limit.
 * - Renames are atomic only within one filesystem: `incoming/` and `objects/`
 *   are siblings for that reason; do not mount them apart.
 */
import type { BlobKey, BlobListPage, BlobPrefix } from "@selfie-auth/core"
import {
  BlobNotFound,
  BlobStore,
  BlobKey as BlobKeySchema,
  BlobPrefix as BlobPrefixSchema,
  checkListLimit,
  compareBlobKeys
} from "@selfie-auth/core"
import { Effect, Layer, Schema } from "effect"
import { randomUUID } from "node:crypto"
import type { Dirent } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"

export interface BlobStoreFsOptions {
  /** The store's folder (created when missing), e.g. `<data folder>/blobs`. */
  readonly directory: string
}

/** How old an orphaned temporary file must be before the start-up sweep removes it. */
const orphanAgeMillis = 60 * 60 * 1000

const isKey = Schema.is(BlobKeySchema)
const isPrefix = Schema.is(BlobPrefixSchema)

const codeOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined

/** Runs a filesystem call; any failure is a defect (infrastructure), the caller turns expected codes into values first. */
const io = <A>(what: string, run: () => Promise<A>): Effect.Effect<A> =>
  Effect.tryPromise({ try: run, catch: (cause) => new Error(`${what}: ${String(cause)}`, { cause }) }).pipe(Effect.orDie)

/** `undefined` when the call failed with one of `codes`, the result otherwise. */
const unless = async <A>(codes: ReadonlyArray<string>, run: () => Promise<A>): Promise<A | undefined> => {
  try {
    return await run()
  } catch (error) {
    if (codes.includes(codeOf(error) ?? "")) return undefined
    throw error
  }
}

/** Makes the store on `directory`, creating its folders and sweeping old orphans. */
export const make = (options: BlobStoreFsOptions): Effect.Effect<BlobStore["Type"]> =>
  Effect.gen(function*() {
    const root = path.resolve(options.directory)
    const objects = path.join(root, "objects")
    const incoming = path.join(root, "incoming")
    yield* io(`creating the blob folders under ${root}`, async () => {
      await fs.mkdir(objects, { recursive: true })
      await fs.mkdir(incoming, { recursive: true })
    })
    yield* io(`sweeping ${incoming}`, async () => {
      const now = Date.now()
      for (const name of await fs.readdir(incoming)) {
        const file = path.join(incoming, name)
        const stat = await unless(["ENOENT"], () => fs.stat(file))
        if (stat !== undefined && now - stat.mtimeMs > orphanAgeMillis) await fs.rm(file, { force: true })
      }
    })

    /** The file of a key, or a defect when the key is not one (whatever its brand says). */
    const fileOf = (key: string, check: (key: string) => boolean, kind: string) =>
      Effect.suspend(() => {
        const file = path.resolve(objects, key)
        if (!check(key) || !file.startsWith(objects + path.sep)) {
          return Effect.dieMessage(`BlobStoreFs: ${JSON.stringify(key)} is not a valid blob ${kind}; refusing to touch the filesystem`)
        }
        return Effect.succeed(file)
      })

    /** Flushes a folder's entries (the rename) to disk. */
    const syncFolder = async (folder: string) => {
      const handle = await fs.open(folder, "r")
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
    }

    const put = Effect.fn("BlobStore.put")(function*(key: BlobKey, bytes: Uint8Array) {
      const file = yield* fileOf(key, isKey, "key")
      yield* io(`writing blob ${key}`, async () => {
        const temporary = path.join(incoming, `${randomUUID()}.tmp`)
        try {
          const handle = await fs.open(temporary, "wx", 0o600)
          try {
            await handle.writeFile(bytes)
            await handle.sync()
          } finally {
            await handle.close()
          }
          const folder = path.dirname(file)
          await fs.mkdir(folder, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
            if (codeOf(error) === "ENOTDIR" || codeOf(error) === "EEXIST") {
              throw new Error(`a part of ${JSON.stringify(key)} is already a blob, so it cannot also be a folder of blobs`)
            }
            throw error
          })
          await fs.rename(temporary, file).catch((error: unknown) => {
            if (["EISDIR", "ENOTEMPTY", "EEXIST", "EPERM"].includes(codeOf(error) ?? "")) {
              throw new Error(`${JSON.stringify(key)} is already a folder of blobs, so it cannot also be a blob`)
            }
            throw error
          })
          await syncFolder(folder)
        } catch (error) {
          await fs.rm(temporary, { force: true })
          throw error
        }
      })
    })

    const get = Effect.fn("BlobStore.get")(function*(key: BlobKey) {
      const file = yield* fileOf(key, isKey, "key")
      // A missing file, a folder, or a path through a file: no blob under this key.
      const bytes = yield* io(`reading blob ${key}`, () => unless(["ENOENT", "EISDIR", "ENOTDIR"], () => fs.readFile(file)))
      if (bytes === undefined) return yield* new BlobNotFound({ key })
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    })

    const remove = Effect.fn("BlobStore.delete")(function*(key: BlobKey) {
      const file = yield* fileOf(key, isKey, "key")
      yield* io(`deleting blob ${key}`, () => unless(["ENOENT", "ENOTDIR", "EISDIR"], () => fs.unlink(file)))
    })

    /** Removes every file under `folder` (counting them), then the emptied folders. */
    const removeTree = async (folder: string): Promise<number> => {
      const entries: ReadonlyArray<Dirent> = (await unless(["ENOENT", "ENOTDIR"], () => fs.readdir(folder, { withFileTypes: true }))) ?? []
      let removed = 0
      for (const entry of entries) {
        const child = path.join(folder, entry.name)
        if (entry.isDirectory()) removed += await removeTree(child)
        else if (await unless(["ENOENT"], () => fs.unlink(child).then(() => true))) removed += 1
      }
      // A put racing with the erasure may have added a file: leave the folder then, the next erasure takes it.
      await unless(["ENOENT", "ENOTEMPTY", "EEXIST", "ENOTDIR"], () => fs.rmdir(folder))
      return removed
    }

    const deletePrefix = Effect.fn("BlobStore.deletePrefix")(function*(prefix: BlobPrefix) {
      const folder = yield* fileOf(prefix, isPrefix, "prefix")
      return yield* io(`deleting blobs under ${prefix}`, () => removeTree(folder))
    })

    /**
     * Up to `limit` keys under `folder` (whose keys start with `base`), in
     * ascending order, after `after`. A folder's entries are ordered by the
     * text their keys start with: `name/` for a folder, `name` for a file.
     */
    const walk = async (folder: string, base: string, after: string | undefined, limit: number, into: Array<BlobKey>) => {
      const entries: ReadonlyArray<Dirent> = (await unless(["ENOENT", "ENOTDIR"], () => fs.readdir(folder, { withFileTypes: true }))) ?? []
      const ordered = entries
        .map((entry) => ({ entry, start: base + entry.name + (entry.isDirectory() ? "/" : "") }))
        .sort((a, b) => compareBlobKeys(a.start, b.start))
      for (const { entry, start } of ordered) {
        if (into.length >= limit) return
        if (entry.isDirectory()) {
          // Every key in it starts with `start`: skip it when they all sort at or before `after`.
          if (after !== undefined && compareBlobKeys(start, after) < 0 && !after.startsWith(start)) continue
          await walk(path.join(folder, entry.name), start, after, limit, into)
        } else if (entry.isFile() && (after === undefined || compareBlobKeys(start, after) > 0) && isKey(start)) {
          into.push(start as BlobKey)
        }
      }
    }

    const list = Effect.fn("BlobStore.list")(function*(page: BlobListPage) {
      yield* checkListLimit(page.limit)
      const folder = page.prefix === undefined ? objects : yield* fileOf(page.prefix, isPrefix, "prefix")
      const base = page.prefix ?? ""
      return yield* io(`listing blobs under ${base === "" ? "the store" : base}`, async () => {
        const keys: Array<BlobKey> = []
        await walk(folder, base, page.after, page.limit, keys)
        return keys
      })
    })

    return { put, get, delete: remove, deletePrefix, list }
  })

/** The filesystem `BlobStore` on `options.directory`. */
export const layer = (options: BlobStoreFsOptions): Layer.Layer<BlobStore> => Layer.effect(BlobStore, make(options))
