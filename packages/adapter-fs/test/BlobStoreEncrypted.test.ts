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
const keyA = Either.getOrThrow(BlobStoreEncrypted.keyFromBase64(base64Of(secretA)))
const keyB = Either.getOrThrow(BlobStoreEncrypted.keyFromBase64(base64Of(secretB)))
const ringA = BlobStoreEncrypted.makeKeyring({ current: keyA })
// Known answers from `sha256sum` of "selfie-auth blob key id v1\0" followed by the key, first 16 hex digits.
const idA = "fp-13832d2dbe079c8c"
const idB = "fp-ed7d04c57af0389f"
/** "SAB", version, id length, id, nonce. */
const headerLength = 5 + idA.length + 12

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
      // "SAB", version 1, id length 19, the key's id, the nonce
      assert.deepStrictEqual(sealed.subarray(0, headerLength), new Uint8Array([...hex("534142 01 13"), ...new TextEncoder().encode(idA), ...nonce]))
      assert.strictEqual(sealed.length, headerLength + selfie.length + 16)
      assert.deepStrictEqual(yield* Effect.promise(() => openWithWebCrypto(secretA, selfieKey, sealed, headerLength)), selfie)
      assert.deepStrictEqual(BlobStoreEncrypted.open(ringA, selfieKey, sealed), Either.right(selfie))
    }))

  it("draws a fresh nonce for every seal", () => {
    const nonces = new Set(Array.from({ length: 200 }, () => Buffer.from(BlobStoreEncrypted.seal(keyA, selfieKey, selfie).subarray(headerLength - 12, headerLength)).toString("hex")))
    assert.strictEqual(nonces.size, 200)
  })

  it("refuses a blob moved to another key, any changed byte, and bytes it did not seal", () => {
    const sealed = BlobStoreEncrypted.seal(keyA, selfieKey, selfie, nonce)
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open(ringA, "partners/001/users/u-2/selfies/0000000001.jpg", sealed)), "Tampered")
    for (const index of [5, 10, headerLength - 1, headerLength, sealed.length - 20, sealed.length - 1]) {
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

  it("names every key by a fingerprint of the key, never the key", () => {
    assert.strictEqual(keyA.id, idA)
    assert.strictEqual(keyB.id, idB)
    assert.strictEqual(BlobStoreEncrypted.keyIdOf(secretA), idA)
    for (const key of [keyA, keyB]) {
      const secret = Buffer.from(Redacted.value(key.secret))
      assert.notInclude(key.id, secret.toString("hex").slice(0, 8))
      assert.notInclude(key.id, secret.toString("base64").slice(0, 8))
    }
    // The same key read from its bytes or from base64 has the same id, on every start.
    assert.strictEqual(Either.getOrThrow(BlobStoreEncrypted.keyFromBytes(Redacted.make(secretA.slice()))).id, idA)
  })

  it("rotates keys: new blobs use the current key, old ones open while their key is kept", () => {
    const old = BlobStoreEncrypted.seal(keyA, selfieKey, selfie)
    const rotated = BlobStoreEncrypted.makeKeyring({ current: keyB, previous: [keyA] })
    assert.deepStrictEqual(BlobStoreEncrypted.open(rotated, selfieKey, old), Either.right(selfie))
    const fresh = BlobStoreEncrypted.seal(rotated.current, selfieKey, selfie)
    assert.strictEqual(new TextDecoder().decode(fresh.subarray(5, 5 + idB.length)), idB)
    assert.deepStrictEqual(BlobStoreEncrypted.open(rotated, selfieKey, fresh), Either.right(selfie))
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open(ringA, selfieKey, fresh)), "UnknownKey")
  })

  it("names the missing key id, the configured ones and the advice when a blob's key is not configured", () => {
    const old = BlobStoreEncrypted.seal(keyA, selfieKey, selfie)
    const ring = BlobStoreEncrypted.makeKeyring({ current: keyB, missingKeyAdvice: "supply it with --blob-previous-keys" })
    const error = BlobStoreEncrypted.open(ring, selfieKey, old)
    assert.strictEqual(reasonOf(error), "UnknownKey")
    const message = Either.isLeft(error) ? error.left.message : ""
    assert.include(message, `sealed with key id "${idA}"`)
    assert.include(message, `${idB} (current)`)
    assert.include(message, "supply it with --blob-previous-keys")
    assert.include(message, selfieKey)
  })

  it("opens blobs sealed under a legacy id with whichever configured key authenticates them", () => {
    // What the reference server wrote before ids were derived from keys: "k1" whatever the key.
    const legacyA = BlobStoreEncrypted.seal({ id: "k1", secret: keyA.secret }, selfieKey, selfie)
    const legacyB = BlobStoreEncrypted.seal({ id: "k1", secret: keyB.secret }, selfieKey, new TextEncoder().encode("other"))
    const ring = BlobStoreEncrypted.makeKeyring({ current: keyB, previous: [keyA], legacyIds: ["k1"] })
    assert.deepStrictEqual(BlobStoreEncrypted.open(ring, selfieKey, legacyA), Either.right(selfie))
    assert.deepStrictEqual(BlobStoreEncrypted.open(ring, selfieKey, legacyB), Either.right(new TextEncoder().encode("other")))

    // Without the key that sealed it, or with a byte changed, no key opens it; the message says both causes.
    const withoutA = BlobStoreEncrypted.open({ ...ring, previous: [] }, selfieKey, legacyA)
    assert.strictEqual(reasonOf(withoutA), "NoLegacyKeyOpens")
    assert.include(Either.isLeft(withoutA) ? withoutA.left.message : "", `legacy key id "k1"`)
    const changed = legacyA.slice()
    changed[changed.length - 1]! ^= 0x01
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open(ring, selfieKey, changed)), "NoLegacyKeyOpens")
    // An id that is not declared legacy is an unknown key, never tried against every key.
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open({ ...ring, legacyIds: [] }, selfieKey, legacyA)), "UnknownKey")
  })

  it("still refuses a blob whose id was swapped for another configured key's", () => {
    const sealed = BlobStoreEncrypted.seal(keyA, selfieKey, selfie)
    const swapped = sealed.slice()
    swapped.set(new TextEncoder().encode(idB), 5)
    const ring = BlobStoreEncrypted.makeKeyring({ current: keyB, previous: [keyA] })
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open(ring, selfieKey, swapped)), "Tampered")
    // Other key material presented under A's id does not open it either.
    const impostor: BlobStoreEncrypted.EncryptionKey = { id: idA, secret: keyB.secret }
    assert.strictEqual(reasonOf(BlobStoreEncrypted.open({ current: impostor, previous: [] }, selfieKey, sealed)), "Tampered")
  })

  it("reads keys from configuration and says what is wrong without printing them", () => {
    const refused = (base64: string) =>
      Either.match(BlobStoreEncrypted.keyFromBase64(Redacted.make(base64), "--blob-key"), { onLeft: (error) => error.message, onRight: () => "accepted" })
    const short = Buffer.alloc(16, 1).toString("base64")
    assert.include(refused(short), "--blob-key: decodes to 16 bytes; AES-256 needs exactly 32")
    assert.notInclude(refused(short), short)
    assert.include(refused("not base64 at all!"), "is not base64")
    const badPrevious = BlobStoreEncrypted.keyringFromBase64({ current: base64Of(secretA), previous: [base64Of(secretB), Redacted.make(short)] })
    assert.include(Either.isLeft(badPrevious) ? badPrevious.left.message : "", "previous key 2: decodes to 16 bytes")
    // A key listed twice, or the current key listed again as previous, is kept once.
    const generous = Either.getOrThrow(BlobStoreEncrypted.keyringFromBase64({
      current: base64Of(secretA),
      previous: [base64Of(secretB), base64Of(secretA), base64Of(secretB)]
    }))
    assert.deepStrictEqual(generous.previous.map((key) => key.id), [idB])
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
