import { assert, describe, it } from "@effect/vitest"
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { BlobKey, BlobStore } from "@selfie-auth/core"
import { Cause, Effect, Either, Exit, Layer, Option, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replaceAll(" ", ""), "hex"))
const base64Of = (bytes: Uint8Array) => Redacted.make(Buffer.from(bytes).toString("base64"))

const secretA = hex("000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f")
const secretB = hex("ff".repeat(32))
const keyA = Either.getOrThrow(BlobStoreEncrypted.keyFromBase64("key-a", base64Of(secretA)))
const keyB = Either.getOrThrow(BlobStoreEncrypted.keyFromBase64("key-b", base64Of(secretB)))
const ringA: BlobStoreEncrypted.Keyring = { current: keyA, previous: [] }

const selfieKey = "partners/001/users/u-1/selfies/0000000001.jpg"
const selfie = new TextEncoder().encode("\xff\xd8 pretend JPEG of a face")
const nonce = hex("cafebabefacedbaddecaf888")

/** Opens with WebCrypto, an implementation independent of the code under test, per the documented format. */
const openWithWebCrypto = async (secret: Uint8Array, blobKey: string, sealed: Uint8Array, headerLength: number) => {
  const cryptoKey = await crypto.subtle.importKey("raw", new Uint8Array(secret), "AES-GCM", false, ["decrypt"])
  const additionalData = new Uint8Array([...sealed.subarray(0, headerLength), ...new TextEncoder().encode(blobKey)])
  const iv = new Uint8Array(sealed.subarray(headerLength - 12, headerLength))
  const body = new Uint8Array(sealed.subarray(headerLength))
  return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData, tagLength: 128 }, cryptoKey, body))
}

const reasonOf = (result: Either.Either<Uint8Array, BlobStoreEncrypted.BlobUndecryptable>) =>
  Either.match(result, { onLeft: (error) => error.reason, onRight: () => "opened" })

describe("BlobStoreEncrypted format", () => {
  it.effect("writes the documented header and AES-256-GCM body that another implementation opens", () =>
    Effect.gen(function*() {
      const sealed = BlobStoreEncrypted.seal(keyA, selfieKey, selfie, nonce)
      // "SAB", version 1, id length 5, "key-a", the nonce
      assert.deepStrictEqual(sealed.subarray(0, 22), new Uint8Array([...hex("534142 01 05"), ...new TextEncoder().encode("key-a"), ...nonce]))
      assert.strictEqual(sealed.length, 22 + selfie.length + 16)
      assert.deepStrictEqual(yield* Effect.promise(() => openWithWebCrypto(secretA, selfieKey, sealed, 22)), selfie)
      assert.deepStrictEqual(BlobStoreEncrypted.open(ringA, selfieKey, sealed), Either.right(selfie))
    }))

  it("draws a fresh nonce for every seal", () => {
    const nonces = new Set(Array.from({ length: 200 }, () => Buffer.from(BlobStoreEncrypted.seal(keyA, selfieKey, selfie).subarray(10, 22)).toString("hex")))
    assert.strictEqual(nonces.size, 200)
  })

  it("refuses a blob moved to another key, any changed byte, and bytes it did not seal", () => {
    const sealed = BlobStoreEncrypted.seal(keyA, selfieKey, selfie, nonce)
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open(ringA, "partners/001/users/u-2/selfies/0000000001.jpg", sealed)), "Tampered")
    for (const index of [5, 10, 21, 22, sealed.length - 20, sealed.length - 1]) {
      const changed = sealed.slice()
      changed[index]! ^= 0x01
      const reason = reasonOf(BlobStoreEncrypted.open(ringA, selfieKey, changed))
      assert.include(["Tampered", "UnknownKey"], reason, `byte ${index}`)
    }
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open(ringA, selfieKey, selfie)), "NotSealed")
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open(ringA, selfieKey, sealed.subarray(0, 30))), "NotSealed")
    const future = sealed.slice()
    future[3] = 2
    const error = BlobStoreEncrypted.open(ringA, selfieKey, future)
    assert.strictEqual(reasonOf(error), "UnsupportedVersion")
    assert.include(Either.isLeft(error) ? error.left.message : "", selfieKey)
  })

  it("rotates keys: new blobs use the current key, old ones open while their key is kept", () => {
    const old = BlobStoreEncrypted.seal(keyA, selfieKey, selfie)
    const rotated: BlobStoreEncrypted.Keyring = { current: keyB, previous: [keyA] }
    assert.deepStrictEqual(BlobStoreEncrypted.open(rotated, selfieKey, old), Either.right(selfie))
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open({ current: keyB, previous: [] }, selfieKey, old)), "UnknownKey")
    // Other key material under the same id does not open it either.
    const impostor = Either.getOrThrow(BlobStoreEncrypted.keyFromBase64("key-a", base64Of(secretB)))
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open({ current: impostor, previous: [] }, selfieKey, old)), "Tampered")
  })

  it("reads keys from configuration and says what is wrong without printing them", () => {
    const refused = (id: string, base64: string) =>
      Either.match(BlobStoreEncrypted.keyFromBase64(id, Redacted.make(base64)), { onLeft: (error) => error.message, onRight: () => "accepted" })
    const short = Buffer.alloc(16, 1).toString("base64")
    assert.include(refused("k", short), "decodes to 16 bytes; AES-256 needs exactly 32")
    assert.notInclude(refused("k", short), short)
    assert.include(refused("k", "not base64 at all!"), "is not base64")
    assert.include(refused("a key", Buffer.alloc(32).toString("base64")), "the id must be")
    const twice = BlobStoreEncrypted.keyringFromBase64({
      current: { id: "k", key: base64Of(secretA) },
      previous: [{ id: "k", key: base64Of(secretB) }]
    })
    assert.include(Either.isLeft(twice) ? twice.left.message : "", "is configured twice")
    assert.notInclude(String(keyA.secret), Buffer.from(secretA).toString("base64"))
  })
})

describe("BlobStoreEncrypted over the filesystem store", () => {
  it.scoped("stores only ciphertext on disk, and dies with BlobUndecryptable when a file is tampered with or moved", () =>
    Effect.gen(function*() {
      const directory = yield* Effect.acquireRelease(
        Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-sealed-"))),
        (folder) => Effect.sync(() => fs.rmSync(folder, { recursive: true, force: true }))
      )
      const store = yield* Effect.provide(BlobStore, BlobStoreEncrypted.layer(ringA).pipe(Layer.provide(BlobStoreFs.layer({ directory }))))
      const key = BlobKey.make(selfieKey)
      yield* store.put(key, selfie)
      const file = path.join(directory, "objects", selfieKey)
      const onDisk = fs.readFileSync(file)
      assert.isFalse(onDisk.includes(Buffer.from("pretend JPEG")), "no plaintext on disk")
      assert.deepStrictEqual(yield* store.get(key), selfie)

      const defectOf = Effect.map(Effect.exit(store.get(key)), (exit) =>
        Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined)
      onDisk[onDisk.length - 1]! ^= 0x80
      fs.writeFileSync(file, onDisk)
      const tampered = yield* defectOf
      assert.instanceOf(tampered, BlobStoreEncrypted.BlobUndecryptable)
      assert.strictEqual((tampered as BlobStoreEncrypted.BlobUndecryptable).reason, "Tampered")

      const other = BlobKey.make("partners/001/users/u-2/selfies/0000000001.jpg")
      yield* store.put(other, selfie)
      fs.copyFileSync(path.join(directory, "objects", other), file)
      assert.strictEqual(((yield* defectOf) as BlobStoreEncrypted.BlobUndecryptable).reason, "Tampered", "a blob moved to another key")
    }))
})
