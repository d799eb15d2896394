import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { X509Certificate } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Tls from "../src/Tls.js"
import { makeDataDir } from "./support/TestServer.js"

describe("Tls", () => {
  it.effect("makes a self-signed EC certificate for localhost, 127.0.0.1 and ::1, and reuses it", () =>
    Effect.gen(function*() {
      const dataDir = makeDataDir()
      const now = new Date()
      const first = yield* Tls.selfSigned(dataDir, now)
      assert.isTrue(first.created)
      assert.strictEqual(first.certificateFile, path.join(dataDir, "tls", "certificate.pem"))
      const certificate = new X509Certificate(first.cert)
      assert.strictEqual(certificate.subjectAltName, "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1")
      assert.isTrue(certificate.ca, "a CA, so NODE_EXTRA_CA_CERTS can anchor it")
      assert.isTrue(certificate.checkIssued(certificate), "its own issuer")
      assert.strictEqual(certificate.publicKey.asymmetricKeyType, "ec")
      assert.isAbove(Date.parse(certificate.validTo) - now.getTime(), 300 * 24 * 3600 * 1000)
      assert.strictEqual(fs.statSync(path.join(dataDir, "tls", "private-key.pem")).mode & 0o777, 0o600)

      const second = yield* Tls.selfSigned(dataDir, now)
      assert.isFalse(second.created)
      assert.strictEqual(second.cert, first.cert)
      assert.strictEqual(second.key, first.key)
    }))

  it.effect("makes a new certificate when the stored one expires within a week", () =>
    Effect.gen(function*() {
      const dataDir = makeDataDir()
      const first = yield* Tls.selfSigned(dataDir, new Date())
      const later = new Date(Date.now() + 360 * 24 * 3600 * 1000)
      const renewed = yield* Tls.selfSigned(dataDir, later)
      assert.isTrue(renewed.created)
      assert.notStrictEqual(renewed.cert, first.cert)
    }))

  it.effect("says which file is wrong and how to recover", () =>
    Effect.gen(function*() {
      const dataDir = makeDataDir()
      fs.mkdirSync(path.join(dataDir, "tls"))
      fs.writeFileSync(path.join(dataDir, "tls", "certificate.pem"), "not a certificate")
      fs.writeFileSync(path.join(dataDir, "tls", "private-key.pem"), "not a key")
      const broken = yield* Effect.flip(Tls.selfSigned(dataDir, new Date()))
      assert.match(broken.message, /certificate\.pem is not a PEM certificate .*; delete .*tls to make a new one/)
      const missing = yield* Effect.flip(Tls.fromFiles(path.join(dataDir, "nope.pem"), path.join(dataDir, "key.pem")))
      assert.match(missing.message, /cannot read the certificate \(--cert\) .*nope\.pem/)
    }))
})
