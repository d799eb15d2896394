/**
 * Reviewers' password hashes: scrypt (`node:crypto`), stored as PHC strings
 *
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (salt and hash in base64
 * without padding), the form most password libraries read and write.
 * Verification compares in constant time, and an unknown reviewer is checked
 * against a fixed dummy hash of the same cost, so the time a sign-in takes
 * does not say whether the name exists.
 *
 * Make a hash for the reviewers file with {@link hashPassword}, or with the
 * one-liner in `docs/human-review.md`.
 */
import { Effect, Either, Schema } from "effect"
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto"

/** The cost of new hashes: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s on one core). */
export const defaultCost = { logN: 15, r: 8, p: 1 } as const

/** A decoded PHC scrypt string. */
export interface ScryptHash {
  readonly logN: number
  readonly r: number
  readonly p: number
  readonly salt: Uint8Array
  readonly hash: Uint8Array
}

/** The text is not a usable scrypt PHC string; `detail` says what is wrong. */
export class InvalidPasswordHash extends Schema.TaggedError<InvalidPasswordHash>()("InvalidPasswordHash", {
  detail: Schema.String
}) {
  override get message(): string {
    return `invalid password hash: ${this.detail}`
  }
}

const base64Pattern = /^[A-Za-z0-9+/]+$/

/** Decodes `$scrypt$ln=..,r=..,p=..$salt$hash`. Pure. */
export const parseHash = (text: string): Either.Either<ScryptHash, InvalidPasswordHash> => {
  const refuse = (detail: string) => Either.left(new InvalidPasswordHash({ detail }))
  const parts = text.split("$")
  if (parts.length !== 5 || parts[0] !== "" || parts[1] !== "scrypt") {
    return refuse("expected $scrypt$ln=<n>,r=<n>,p=<n>$<salt base64>$<hash base64>")
  }
  const params = /^ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})$/.exec(parts[2] ?? "")
  if (params === null) return refuse(`parameters ${JSON.stringify(parts[2])} must read ln=<n>,r=<n>,p=<n>`)
  const [logN, r, p] = [Number(params[1]), Number(params[2]), Number(params[3])]
  if (logN < 10 || logN > 22) return refuse(`ln=${logN} is out of range (10 to 22; 15 is the default)`)
  if (r < 1 || p < 1) return refuse("r and p must be at least 1")
  const salt = parts[3] ?? ""
  const hash = parts[4] ?? ""
  if (!base64Pattern.test(salt) || !base64Pattern.test(hash)) return refuse("salt and hash must be base64 without padding")
  const decodedSalt = new Uint8Array(Buffer.from(salt, "base64"))
  const decodedHash = new Uint8Array(Buffer.from(hash, "base64"))
  if (decodedSalt.length < 8) return refuse(`the salt has ${decodedSalt.length} bytes; use at least 16`)
  if (decodedHash.length < 16 || decodedHash.length > 128) return refuse(`the hash has ${decodedHash.length} bytes; expected 16 to 128 (32 is usual)`)
  return Either.right({ logN, r, p, salt: decodedSalt, hash: decodedHash })
}

const unpadded = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64").replace(/=+$/, "")

/** The PHC string of a hash. Pure. */
export const formatHash = (hash: ScryptHash): string =>
  `$scrypt$ln=${hash.logN},r=${hash.r},p=${hash.p}$${unpadded(hash.salt)}$${unpadded(hash.hash)}`

const derive = (password: string, salt: Uint8Array, cost: { readonly logN: number; readonly r: number; readonly p: number }, length: number) =>
  Effect.async<Uint8Array>((resume) => {
    const N = 2 ** cost.logN
    scrypt(password.normalize("NFC"), salt, length, { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 16 * 1024 * 1024 }, (error, key) => {
      resume(error === null ? Effect.succeed(new Uint8Array(key)) : Effect.die(error))
    })
  })

/** A new PHC hash of `password` with a random 16-byte salt. */
export const hashPassword = Effect.fn("Password.hashPassword")(function*(
  password: string,
  cost: { readonly logN: number; readonly r: number; readonly p: number } = defaultCost
) {
  const salt = new Uint8Array(randomBytes(16))
  const hash = yield* derive(password, salt, cost, 32)
  return formatHash({ ...cost, salt, hash })
})

/** Whether `password` matches `stored`, compared in constant time. */
export const verifyPassword = Effect.fn("Password.verifyPassword")(function*(password: string, stored: ScryptHash) {
  const derived = yield* derive(password, stored.salt, stored, stored.hash.length)
  return timingSafeEqual(derived, stored.hash)
})

/**
 * A hash no password is known to match, as costly as the costliest of
 * `hashes` (the default cost when there are none): checked when a sign-in
 * names no configured reviewer, so that case takes as long as a real one.
 */
export const dummyLike = (hashes: ReadonlyArray<ScryptHash>): ScryptHash => {
  const costliest = hashes.reduce<{ logN: number; r: number; p: number }>(
    (most, hash) => (2 ** hash.logN * hash.r * hash.p > 2 ** most.logN * most.r * most.p ? hash : most),
    hashes.length === 0 ? defaultCost : { logN: 0, r: 1, p: 1 }
  )
  return { logN: costliest.logN, r: costliest.r, p: costliest.p, salt: new Uint8Array(randomBytes(16)), hash: new Uint8Array(randomBytes(32)) }
}
