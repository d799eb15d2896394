/**
 * `IdGenerator` on node:crypto's CSPRNG:
 * - `smileJobId`: ten uniformly drawn digits (the `JobStore` refuses the rare
 *   collision and the prep upload draws again);
 * - `refId`, `deliveryId`: 128 random bits, base64url;
 * - `uploadToken`: 256 random bits, base64url.
 */
import { IdGenerator, Ids } from "@selfie-auth/core"
import { Effect, Layer } from "effect"
import { randomBytes, randomInt } from "node:crypto"

const randomText = (bytes: number) => randomBytes(bytes).toString("base64url")

export const layer: Layer.Layer<IdGenerator> = Layer.succeed(
  IdGenerator,
  IdGenerator.of({
    // randomInt's range is at most 2^48: draw the ten digits as two halves of five.
    smileJobId: Effect.sync(() =>
      Ids.SmileJobId.make(`${String(randomInt(100_000)).padStart(5, "0")}${String(randomInt(100_000)).padStart(5, "0")}`)
    ).pipe(Effect.withSpan("IdGenerator.smileJobId")),
    refId: Effect.sync(() => randomText(16)).pipe(Effect.withSpan("IdGenerator.refId")),
    deliveryId: Effect.sync(() => randomText(16)).pipe(Effect.withSpan("IdGenerator.deliveryId")),
    uploadToken: Effect.sync(() => randomText(32)).pipe(Effect.withSpan("IdGenerator.uploadToken"))
  })
)
