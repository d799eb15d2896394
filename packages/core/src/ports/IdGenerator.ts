/**
 * IdGenerator: the identifiers the service makes up.
 *
 * - `smileJobId`: ten digits (`SmileJobID`), unique across partners; the
 *   `JobStore` refuses a duplicate (`SmileJobIdInUse`), so a random adapter
 *   draws again on collision.
 * - `refId`: the `ref_id` of a prep-upload response.
 * - `deliveryId`: one per callback delivery, for the partner to de-duplicate.
 * - `uploadToken`: the secret part of an upload URL; unguessable in a real
 *   adapter (at least 128 bits from a CSPRNG).
 *
 * The real adapter draws from `crypto.getRandomValues`; {@link IdGenerator.layerMemory}
 * counts, so tests know every id in advance.
 */
import { Context, Effect, Layer, Ref } from "effect"
import * as Ids from "../Ids.js"

export interface IdGeneratorService {
  readonly smileJobId: Effect.Effect<Ids.SmileJobId>
  readonly refId: Effect.Effect<string>
  readonly deliveryId: Effect.Effect<string>
  readonly uploadToken: Effect.Effect<string>
}

export class IdGenerator extends Context.Tag("@selfie-auth/core/IdGenerator")<IdGenerator, IdGeneratorService>() {
  /**
   * A deterministic sequence, one counter per kind starting at 1:
   * `0000000001`, `ref-000001`, `delivery-000001`, `upload-token-000001`.
   * Not for production: the upload tokens are guessable.
   */
  static readonly layerMemory: Layer.Layer<IdGenerator> = Layer.effect(
    IdGenerator,
    Effect.gen(function*() {
      const counter = yield* Ref.make({ smileJobId: 0, refId: 0, deliveryId: 0, uploadToken: 0 })
      const next = (kind: "smileJobId" | "refId" | "deliveryId" | "uploadToken") =>
        Ref.modify(counter, (counts) => [counts[kind] + 1, { ...counts, [kind]: counts[kind] + 1 }] as const)
      const padded = (n: number, width: number) => String(n).padStart(width, "0")
      return {
        smileJobId: next("smileJobId").pipe(
          Effect.map((n) => Ids.SmileJobId.make(padded(n, 10))),
          Effect.withSpan("IdGenerator.smileJobId")
        ),
        refId: next("refId").pipe(Effect.map((n) => `ref-${padded(n, 6)}`), Effect.withSpan("IdGenerator.refId")),
        deliveryId: next("deliveryId").pipe(Effect.map((n) => `delivery-${padded(n, 6)}`), Effect.withSpan("IdGenerator.deliveryId")),
        uploadToken: next("uploadToken").pipe(Effect.map((n) => `upload-token-${padded(n, 6)}`), Effect.withSpan("IdGenerator.uploadToken"))
      }
    })
  )
}
