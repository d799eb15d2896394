/**
 * The v1 request signature, as pure data:
 *
 *     signature = base64(HMAC-SHA256(key = api key as UTF-8,
 *                                    message = timestamp + partner id + "sid_request"))
 *
 * standard base64 with padding, over the literal `timestamp` string sent in the
 * body. The same scheme signs requests (partner to API), job_status responses
 * and callbacks (API to partner). It covers no body bytes: a signature proves
 * who signed and when, not what was sent.
 *
 * This module builds the exact message bytes and reads and writes the base64
 * form; the HMAC itself is computed by the `Signer` port.
 *
 * @example
 * Signature.messageText({ timestamp: "2024-01-02T03:04:05.678Z", partnerId: "001" })
 * // "2024-01-02T03:04:05.678Z001sid_request"
 */
import { Either, Encoding, Schema } from "effect"

/** The constant that ends every signed message. */
export const requestSuffix = "sid_request"

/** Length in bytes of an HMAC-SHA256 digest, so of every decoded signature. */
export const digestLength = 32

/** The two fields every signed v1 body carries (request, job_status response, callback). */
export const SignedFields = Schema.Struct({
  /** base64 of the HMAC-SHA256 digest. */
  signature: Schema.String,
  /** The exact string that was signed; parse it with `Timestamp.parse`. */
  timestamp: Schema.String
})
export type SignedFields = typeof SignedFields.Type

/** What a signature is computed over. */
export interface SignedMessageInput {
  /** The timestamp exactly as sent in the body, never re-formatted. */
  readonly timestamp: string
  /** The partner id exactly as issued: leading zeros count (`"001"` is not `"1"`). */
  readonly partnerId: string
}

/** The signed message as text: `timestamp + partnerId + "sid_request"`. */
export const messageText = ({ partnerId, timestamp }: SignedMessageInput): string =>
  `${timestamp}${partnerId}${requestSuffix}`

/** The signed message as the UTF-8 bytes the HMAC runs over. */
export const message = (input: SignedMessageInput): Uint8Array => utf8Encode(messageText(input))

/** Writes a digest as a signature: standard base64 with padding (44 characters for 32 bytes). */
export const encode = (digest: Uint8Array): string => Encoding.encodeBase64(digest)

/** Why a `signature` field cannot be a v1 signature, with what to send instead. */
export class MalformedSignature extends Schema.TaggedError<MalformedSignature>()("MalformedSignature", {
  detail: Schema.String
}) {
  override get message(): string {
    return this.detail
  }
}

const expectedForm = `send standard base64 with padding of the ${digestLength}-byte HMAC-SHA256 digest (44 characters)`

/**
 * Reads a signature into the digest bytes it carries. Only the canonical form
 * is accepted, the one every official SDK writes: the standard alphabet, `=`
 * padding, zero padding bits, no whitespace, exactly 32 bytes. Anything else
 * fails with a detail that names the mistake (hex, URL-safe alphabet, missing
 * padding, wrong length).
 */
export const decode = (signature: string): Either.Either<Uint8Array, MalformedSignature> => {
  // Every request's signature is read here: the canonical form is decoded directly, anything else is diagnosed.
  if (!canonical.test(signature)) return decodeChecked(signature)
  const decoded = Encoding.decodeBase64(signature)
  return Either.isRight(decoded) ? Either.right(decoded.right) : decodeChecked(signature)
}

/**
 * `decode` without its direct path for the canonical form: every check runs
 * on every input. Same result as `decode` for any string, only slower; kept
 * exported so that the two paths can be held to each other.
 */
export const decodeChecked = (signature: string): Either.Either<Uint8Array, MalformedSignature> => {
  const reject = (problem: string) => Either.left(new MalformedSignature({ detail: `signature ${problem}; ${expectedForm}` }))
  if (signature.length === 0) return reject("is empty")
  if (/^[0-9a-fA-F]{64}$/.test(signature)) return reject("looks like hex")
  if (/[-_]/.test(signature)) return reject("uses the URL-safe base64 alphabet (- and _)")
  if (signature.length % 4 !== 0 && /^[A-Za-z0-9+/]+$/.test(signature)) return reject("lacks its = padding")
  const decoded = Encoding.decodeBase64(signature)
  // Re-encoding must give the input back: this rejects whitespace, misplaced
  // padding and non-zero padding bits, which a lenient decoder would ignore.
  if (Either.isLeft(decoded) || Encoding.encodeBase64(decoded.right) !== signature) {
    return reject("is not canonical base64")
  }
  if (decoded.right.length !== digestLength) return reject(`decodes to ${decoded.right.length} bytes`)
  return Either.right(decoded.right)
}

/**
 * The canonical form of a signature: 43 characters of the standard alphabet,
 * the last with its two padding bits zero, then `=`. A string of this form is
 * canonical base64 of 32 bytes by construction, so it needs no re-encoding to
 * prove it.
 */
const canonical = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/

/**
 * UTF-8 bytes of a string, as `TextEncoder` writes them (a lone surrogate
 * becomes U+FFFD). Written out because core is compiled without DOM or Node
 * typings; the tests hold it to `TextEncoder`.
 */
export const utf8Encode = (text: string): Uint8Array => {
  // Signed messages are nearly always ASCII: one byte per code unit, written straight into the result.
  const length = text.length
  const bytes = new Uint8Array(length)
  for (let index = 0; index < length; index++) {
    const unit = text.charCodeAt(index)
    if (unit >= 0x80) return utf8EncodeAny(text)
    bytes[index] = unit
  }
  return bytes
}

/** `utf8Encode` for any string, code point by code point. */
const utf8EncodeAny = (text: string): Uint8Array => {
  const bytes: Array<number> = []
  for (let index = 0; index < text.length; index++) {
    let codePoint = text.charCodeAt(index)
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      const low = text.charCodeAt(index + 1)
      if (codePoint <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (low - 0xdc00)
        index++
      } else {
        codePoint = 0xfffd
      }
    }
    if (codePoint < 0x80) {
      bytes.push(codePoint)
    } else if (codePoint < 0x800) {
      bytes.push(0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f))
    } else if (codePoint < 0x10000) {
      bytes.push(0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f))
    } else {
      bytes.push(
        0xf0 | (codePoint >> 18),
        0x80 | ((codePoint >> 12) & 0x3f),
        0x80 | ((codePoint >> 6) & 0x3f),
        0x80 | (codePoint & 0x3f)
      )
    }
  }
  return Uint8Array.from(bytes)
}
