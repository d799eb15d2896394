/**
 * `image_type_id` of an info.json image entry. Only selfies (0, 2) and liveness
 * frames (4, 6) take part in SmartSelfie; ID card images are accepted on input
 * and ignored.
 */
import { Schema } from "effect"

export const ImageTypeId = Schema.Literal(0, 1, 2, 3, 4, 5, 6, 7)
export type ImageTypeId = typeof ImageTypeId.Type

/** `image_type_id` as it arrives: `0` or `"0"`. */
export const WireImageTypeId = Schema.compose(
  Schema.Union(Schema.Int, Schema.compose(Schema.Trim, Schema.NumberFromString).pipe(Schema.int())),
  ImageTypeId
)

export type ImageRole = "selfie" | "liveness" | "id_card_front" | "id_card_back"
export type ImageSource = "file" | "base64"

export interface ImageTypeInfo {
  readonly role: ImageRole
  readonly source: ImageSource
}

/** The meaning of each image type id, from the v1 image type table. */
export const table: { readonly [K in ImageTypeId]: ImageTypeInfo } = {
  0: { role: "selfie", source: "file" },
  1: { role: "id_card_front", source: "file" },
  2: { role: "selfie", source: "base64" },
  3: { role: "id_card_front", source: "base64" },
  4: { role: "liveness", source: "file" },
  5: { role: "id_card_back", source: "file" },
  6: { role: "liveness", source: "base64" },
  7: { role: "id_card_back", source: "base64" }
}

export const info = (id: ImageTypeId): ImageTypeInfo => table[id]

/** The image type id for a role and a source (only selfie and liveness are produced by our client). */
export const idFor = (role: "selfie" | "liveness", source: ImageSource): ImageTypeId =>
  role === "selfie" ? (source === "file" ? 0 : 2) : source === "file" ? 4 : 6
