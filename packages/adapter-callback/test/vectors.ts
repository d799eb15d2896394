/**
 * Known answers, computed once with Python's `hmac` module (and the key
 * derivation cross-checked with `openssl dgst -sha256 -hmac`), never with the
 * code under test:
 *
 *   python3 -c 'import hmac,hashlib,base64; k=hmac.new(b"test-api-key", b"selfie-auth:webhook-signature:v1", hashlib.sha256).digest(); ...'
 *   echo -n "selfie-auth:webhook-signature:v1" | openssl dgst -sha256 -hmac "test-api-key" -binary | base64
 */
import { Wire } from "@selfie-auth/core"
import { Redacted, Schema } from "effect"

export const partnerId = "001"
export const apiKey = Redacted.make("test-api-key")
export const newApiKey = Redacted.make("new-api-key")

/** HMAC-SHA256(key = "test-api-key", "selfie-auth:webhook-signature:v1"), hex. */
export const derivedKeyHex = "d40af78b636865c926c7c229ef0f774adeba0bcb4aaea80fa0329d22b501ca6c"
/** The same key as a Standard Webhooks secret. */
export const webhookSecret = "whsec_1Ar3i2NoZckmx8Ip7w93St66C8tKrqgPoDKdIrUBymw="
export const newWebhookSecret = "whsec_PltydRmqCbEjeldjThyP6a71uEKXB398GypNKyAWtSo="

/** The example of the Standard Webhooks specification: raw secret, content, signature. */
export const standardWebhooksExample = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestampSeconds: 1614265330,
  body: "{\"test\": 2432232314}",
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
}

/** The instant of the sample callback's signature (WIRE.md's Node vector). */
export const signedAt = "2024-01-02T03:04:05.678Z"
export const signedAtMillis = Date.UTC(2024, 0, 2, 3, 4, 5, 678)
/** v1 signature of `signedAt` for partner "001" under "test-api-key" (WIRE.md). */
export const v1Signature = "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8="

export const deliveryId = "dlv_0000000001_0840"
export const webhookTimestamp = 1704164645

/** The exact callback body this project's server writes for the sample result signed at `signedAt`. */
export const callbackBody =
  "{\"Actions\":{\"Human_Review_Liveness_Check\":\"Not Applicable\",\"Human_Review_Selfie_Check\":\"Not Applicable\"," +
  "\"Liveness_Check\":\"Passed\",\"Register_Selfie\":\"Approved\",\"Selfie_Check\":\"Passed\",\"Selfie_Provided\":\"Passed\"}," +
  "\"ConfidenceValue\":\"99\",\"PartnerParams\":{\"user_id\":\"user-1\",\"job_id\":\"job-1\",\"job_type\":4,\"branch\":\"lagos\"}," +
  "\"ResultCode\":\"0840\",\"ResultText\":\"Enroll User\",\"ResultType\":\"SAIA\",\"SmileJobID\":\"0000000001\",\"Source\":\"WebAPI\"," +
  "\"JSONVersion\":\"1.0.0\",\"IsFinalResult\":\"true\",\"IsMachineResult\":\"true\"," +
  "\"signature\":\"pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8=\",\"timestamp\":\"2024-01-02T03:04:05.678Z\"}"

/** `webhook-signature` entries of `deliveryId.webhookTimestamp.callbackBody`. */
export const bodySignature = "v1,hJqYQiAc+0pBMtQKwfd1nSIukIZznKIpD9f/Le4bB3A="
export const bodySignatureNewKey = "v1,hN/0QiwFB1QKGSY3I2Gjkj/69SVqFLdHMnBuQ+6wVA0="

/** The sample result object (decoded, as the server holds it). */
export const sampleResult: Wire.ResultObject.ResultObject = (() => {
  const { signature: _signature, timestamp: _timestamp, ...result } = JSON.parse(callbackBody) as Record<string, unknown>
  return Schema.decodeUnknownSync(Wire.ResultObject.ResultObject)(result)
})()

/** Headers of the sample delivery. */
export const sampleHeaders = {
  "webhook-id": deliveryId,
  "webhook-timestamp": String(webhookTimestamp),
  "webhook-signature": bodySignature
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex")
