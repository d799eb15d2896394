/**
 * Callbacks, both sides.
 *
 * - Server side: `CallbackDelivery` (signed delivery with retries),
 *   `RetrySchedule`, `DeliveryAttempt`, `OutboundPolicy`, and
 *   `CallbackSenderHttp.layer` for the core `CallbackSender` port.
 * - Partner side: `VerifyCallback` (verify, then decode), `SeenDeliveries`
 *   (run handlers once per delivery) and `CallbackHandler` (node:http,
 *   Effect HttpApp and fetch-style handlers).
 * - Both: `WebhookSignature`, the body-binding signature.
 */
export * as CallbackDelivery from "./CallbackDelivery.js"
export * as DeliveryAttempt from "./DeliveryAttempt.js"
export * as OutboundPolicy from "./OutboundPolicy.js"
export * as RetrySchedule from "./RetrySchedule.js"
export * as WebhookSignature from "./WebhookSignature.js"
export * as VerifyCallback from "./VerifyCallback.js"
export { SeenDeliveries } from "./SeenDeliveries.js"
export type { ClaimResult, SeenDeliveriesOptions, SeenDeliveriesService } from "./SeenDeliveries.js"
export * as SeenDeliveriesSql from "./SeenDeliveriesSql.js"
export * as CallbackHandler from "./CallbackHandler.js"
export * as CallbackSenderHttp from "./CallbackSenderHttp.js"
