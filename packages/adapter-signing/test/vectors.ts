/**
 * Known-answer vectors. The first four are WIRE.md's (partner "001", key
 * "test-api-key"); the rest were computed independently of this project with
 * `openssl dgst -sha256 -hmac <key> -binary | base64` or taken from RFC 4231.
 */
export const partnerId = "001"
export const apiKey = "test-api-key"

export interface SignatureVector {
  readonly style: string
  readonly timestamp: string
  readonly partnerId: string
  readonly apiKey: string
  readonly signature: string
}

const wire = (style: string, timestamp: string, signature: string): SignatureVector => ({
  style,
  timestamp,
  partnerId,
  apiKey,
  signature
})

export const wireVectors: ReadonlyArray<SignatureVector> = [
  wire("Node", "2024-01-02T03:04:05.678Z", "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8="),
  wire("Python", "2024-01-02T03:04:05.678000+00:00", "0NElf/mhIsYvaZ6Uq3QE4JLbZ/Ja6WLeUKzFogbHCGI="),
  wire("Ruby", "2024-01-02 03:04:05 +0000", "8vEjRkg3nlIGRgkPSaJH6XJZm1Dgwl+0ZLehGgZYJbc="),
  wire("PHP", "2024-01-02T03:04:05+00:00", "0NMpD9uQ3s+hkmRj85sBQY53yQdG9znlSqfiIFd+yj4=")
]

/** Further vectors by openssl. */
export const opensslVectors: ReadonlyArray<SignatureVector> = [
  wire("Java, nine fraction digits", "2024-01-02T03:04:05.678900123Z", "vb8S6gn0Rvp4OLqcaa09CJ+Sfa22M9WQ26Ao1ykOpeM="),
  wire("zone-less (must never authenticate)", "2024-01-02T03:04:05.678000", "kif9gn6M0Q0S1jDytgx2KmB5/5ReuHKCQYXgkgh62MY="),
  { ...wire("partner \"1\"", "2024-01-02T03:04:05.678Z", "H8BUnGYlFzKaAnfOrfaH+5dJLL3NQMR8DHVPkuxaF1s="), partnerId: "1" },
  { ...wire("another key", "2024-01-02T03:04:05.678Z", "En+wqHt8EPftjuygd6T/cnFEBBB+nLX1b4suHuMNJV4="), apiKey: "other-key" }
]

/** The instant of the Node vector, written out: 2024-01-02T03:04:05.678Z. */
export const nodeVectorMillis = 1_704_164_645_678

/** HMAC-SHA256 vectors: RFC 4231 test cases 1, 2 and 6, and the empty key over the empty message. */
export const hmacVectors: ReadonlyArray<{
  readonly name: string
  readonly key: Uint8Array
  readonly message: Uint8Array
  readonly digest: string
}> = [
  {
    name: "RFC 4231 case 1",
    key: new Uint8Array(20).fill(0x0b),
    message: new TextEncoder().encode("Hi There"),
    digest: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
  },
  {
    name: "RFC 4231 case 2",
    key: new TextEncoder().encode("Jefe"),
    message: new TextEncoder().encode("what do ya want for nothing?"),
    digest: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
  },
  {
    name: "RFC 4231 case 6 (key longer than a block)",
    key: new Uint8Array(131).fill(0xaa),
    message: new TextEncoder().encode("Test Using Larger Than Block-Size Key - Hash Key First"),
    digest: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
  },
  {
    name: "empty key, empty message",
    key: new Uint8Array(0),
    message: new Uint8Array(0),
    digest: "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
  }
]

export const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")
