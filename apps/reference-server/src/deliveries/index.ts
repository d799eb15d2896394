/** Callback deliveries: one recorded attempt (`ResultDelivery`) and the partner's list and replay routes (`DeliveryRoutes`). */
export * as DeliveryRoutes from "./DeliveryRoutes.js"
export * as ResultDelivery from "./ResultDelivery.js"
