/**
 * `@selfie-auth/adapter-fs`: blobs on the local filesystem, and encryption at
 * rest for any `BlobStore`.
 *
 * - `BlobStoreFs.layer`: the default store, under the server's data folder.
 * - `BlobStoreEncrypted`: AES-256-GCM over any `BlobStore` (this one, S3),
 *   with key ids for rotation and the blob key bound to its bytes.
 * - `BlobKeyInventory`: which keys the stored blobs need, and re-sealing
 *   them under the current key so that an old key can be retired.
 */
export * as BlobStoreFs from "./BlobStoreFs.js"
export * as BlobStoreEncrypted from "./BlobStoreEncrypted.js"
export * as BlobKeyInventory from "./BlobKeyInventory.js"
