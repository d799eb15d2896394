/**
 * The partner's side of v1 signing, written with node:crypto directly (not
 * with the server's Signer), so a test's request and the server's check are
 * two independent implementations of WIRE.md's formula.
 */
import { createHmac } from "node:crypto"

export const sign = (partnerId: string, apiKey: string, timestamp: string): string =>
  createHmac("sha256", apiKey).update(`${timestamp}${partnerId}sid_request`).digest("base64")

/** `{ signature, timestamp }` for now (or for `at`). */
export const signed = (partnerId: string, apiKey: string, at: Date = new Date()) => {
  const timestamp = at.toISOString()
  return { signature: sign(partnerId, apiKey, timestamp), timestamp }
}
