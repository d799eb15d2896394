/**
 * TLS material for the HTTPS listener.
 *
 * By default the server makes its own certificate on first start: an ECDSA
 * P-256 key and a self-signed certificate for `localhost`, `127.0.0.1` and
 * `::1`, stored in `<data>/tls/` and reused on every later start (a new one is
 * made only when the stored one expires within a week). Clients trust it by
 * pointing `NODE_EXTRA_CA_CERTS` at `certificate.pem`: the certificate is its
 * own issuer and is marked as a CA, which is what Node's verifier needs to
 * accept it as a trust anchor.
 *
 * The official Node SDK forces `https://` on every base URL, which is why
 * HTTPS is the default and plain HTTP an explicit `--http`.
 */
import "reflect-metadata"
import * as x509 from "@peculiar/x509"
import { Effect, Schema } from "effect"
import { webcrypto, X509Certificate } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"

x509.cryptoProvider.set(webcrypto as unknown as Crypto)

/** Certificate and key, PEM, as `https.createServer` takes them. */
export interface TlsMaterial {
  readonly cert: string
  readonly key: string
  /** Where the certificate lives, for the "how to trust it" line; absent for operator-provided files. */
  readonly certificateFile: string
  /** Whether this start created the certificate. */
  readonly created: boolean
}

/** The TLS files cannot be read or made; `message` says which and what to do. */
export class TlsUnavailable extends Schema.TaggedError<TlsUnavailable>()("TlsUnavailable", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

const validityDays = 365
const renewWithinMillis = 7 * 24 * 3600 * 1000
const subjectAltNames = [
  { type: "dns", value: "localhost" },
  { type: "ip", value: "127.0.0.1" },
  { type: "ip", value: "::1" }
] as const

/** The files of the self-signed certificate inside a data dir. */
export const selfSignedPaths = (dataDir: string) => ({
  certificateFile: path.join(dataDir, "tls", "certificate.pem"),
  keyFile: path.join(dataDir, "tls", "private-key.pem")
})

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Makes a fresh key pair and self-signed certificate, PEM encoded. */
export const generateSelfSigned = (now: Date): Effect.Effect<{ readonly cert: string; readonly key: string }> =>
  Effect.promise(async () => {
    const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" }
    const keys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])
    const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    serial[0] = (serial[0] ?? 0) & 0x7f // a positive INTEGER
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial.toString("hex"),
      name: "CN=selfie-auth reference server (self-signed)",
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + validityDays * 24 * 3600 * 1000),
      keys: keys as unknown as CryptoKeyPair,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(subjectAltNames.map((name) => ({ type: name.type, value: name.value })))
      ]
    })
    const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)
    return { cert: certificate.toString("pem") + "\n", key: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n" }
  }).pipe(Effect.withSpan("Tls.generateSelfSigned"))

const readIfPresent = (file: string) =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (error) => error
  }).pipe(
    Effect.map((text): string | undefined => text),
    Effect.catchIf(
      (error) => (error as NodeJS.ErrnoException).code === "ENOENT",
      () => Effect.succeed(undefined)
    ),
    Effect.mapError((error) => new TlsUnavailable({ detail: `cannot read ${file}: ${errorText(error)}; check its permissions` }))
  )

/**
 * The self-signed certificate of a data dir: the stored one while it is valid
 * for more than a week, otherwise a new one (written with the key readable by
 * the owner only).
 */
export const selfSigned = Effect.fn("Tls.selfSigned")(function*(dataDir: string, now: Date) {
  const { certificateFile, keyFile } = selfSignedPaths(dataDir)
  const storedCert = yield* readIfPresent(certificateFile)
  const storedKey = yield* readIfPresent(keyFile)
  if (storedCert !== undefined && storedKey !== undefined) {
    const validTo = yield* Effect.try({
      try: () => new X509Certificate(storedCert).validTo,
      catch: (error) =>
        new TlsUnavailable({
          detail: `${certificateFile} is not a PEM certificate (${errorText(error)}); delete ${path.dirname(certificateFile)} to make a new one`
        })
    })
    if (Date.parse(validTo) - now.getTime() > renewWithinMillis) {
      return { cert: storedCert, key: storedKey, certificateFile, created: false } satisfies TlsMaterial
    }
  }
  const fresh = yield* generateSelfSigned(now)
  yield* Effect.tryPromise({
    try: async () => {
      await fs.mkdir(path.dirname(certificateFile), { recursive: true, mode: 0o700 })
      await fs.writeFile(keyFile, fresh.key, { mode: 0o600 })
      await fs.writeFile(certificateFile, fresh.cert, { mode: 0o644 })
    },
    catch: (error) =>
      new TlsUnavailable({ detail: `cannot write the certificate to ${path.dirname(certificateFile)}: ${errorText(error)}; make --data writable` })
  })
  return { ...fresh, certificateFile, created: true } satisfies TlsMaterial
})

/** The operator's certificate and key files. */
export const fromFiles = Effect.fn("Tls.fromFiles")(function*(certFile: string, keyFile: string) {
  const read = (file: string, what: string) =>
    Effect.tryPromise({
      try: () => fs.readFile(file, "utf8"),
      catch: (error) => new TlsUnavailable({ detail: `cannot read the ${what} ${file}: ${errorText(error)}` })
    })
  const cert = yield* read(certFile, "certificate (--cert)")
  const key = yield* read(keyFile, "private key (--key)")
  yield* Effect.try({
    try: () => new X509Certificate(cert),
    catch: (error) => new TlsUnavailable({ detail: `--cert ${certFile} is not a PEM certificate: ${errorText(error)}` })
  })
  return { cert, key, certificateFile: certFile, created: false } satisfies TlsMaterial
})
