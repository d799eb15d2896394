/**
 * What storing a selfie costs: a 200 KB blob sealed and opened with
 * AES-256-GCM, and put/get on the filesystem store (each put is flushed to
 * disk), plain and encrypted.
 *
 * Run: `cd packages/adapter-fs && npx vitest bench --run`. vitest runs no
 * hooks around benchmarks, so the store's folder has a fixed name
 * (`selfie-auth-blob-bench/` in the temporary folder), replaced on each run.
 */
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { BlobKey, BlobStore } from "@selfie-auth/core"
import { Effect, Either, Layer, ManagedRuntime, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { bench, describe } from "vitest"

const selfie = randomBytes(200 * 1024)
const key = BlobKey.make("partners/001/users/u-1/selfies/0000000001.jpg")
const keyring = Either.getOrThrow(BlobStoreEncrypted.keyringFromBase64({ current: Redacted.make(randomBytes(32).toString("base64")) }))
const sealed = BlobStoreEncrypted.seal(keyring.current, key, selfie)
const oldKey = Either.getOrThrow(BlobStoreEncrypted.keyFromBytes(Redacted.make(randomBytes(32))))
const legacyRing = BlobStoreEncrypted.makeKeyring({ current: keyring.current, previous: [oldKey], legacyIds: ["k1"] })
const legacySealed = BlobStoreEncrypted.seal({ id: "k1", secret: oldKey.secret }, key, selfie)

describe("AES-256-GCM, 200 KB", () => {
  bench("seal", () => {
    BlobStoreEncrypted.seal(keyring.current, key, selfie)
  })
  bench("open", () => {
    BlobStoreEncrypted.open(keyring, key, sealed)
  })
  // A blob of an earlier server, under the fixed id "k1", sealed with the second key of the ring: one failed
  // authentication with the current key, then the one that opens it.
  bench("open legacy k1, second of two keys", () => {
    BlobStoreEncrypted.open(legacyRing, key, legacySealed)
  })
})

const folder = path.join(os.tmpdir(), "selfie-auth-blob-bench")
fs.rmSync(folder, { recursive: true, force: true })
const plain = ManagedRuntime.make(BlobStoreFs.layer({ directory: path.join(folder, "plain") }))
const encrypted = ManagedRuntime.make(
  BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(BlobStoreFs.layer({ directory: path.join(folder, "encrypted") })))
)

describe("BlobStoreFs, 200 KB", () => {
  for (const [name, runtime] of [["plain", plain], ["encrypted", encrypted]] as const) {
    bench(`put (${name}, flushed)`, async () => {
      await runtime.runPromise(Effect.flatMap(BlobStore, (store) => store.put(key, selfie)))
    })
    // Runs after the put benchmark of the same store, so the blob is there.
    bench(`get (${name})`, async () => {
      await runtime.runPromise(Effect.flatMap(BlobStore, (store) => store.get(key)))
    })
  }
})
