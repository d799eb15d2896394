/**
 * `@selfie-auth/adapter-fs`: blobs on the local filesystem, and encryption at
 * rest for any `BlobStore`.
 *
 * - `BlobStoreFs.layer`: the default store, under the server's data folder.
 * - `BlobStoreEncrypted`: AES-256-GCM over any `BlobStore` (this one, S3),
 *   with key ids for rotation and the blob key bound to its bytes.
 */
export * as BlobStoreFs from "./BlobStoreFs.js"
export * as BlobStoreEncrypted from "./BlobStoreEncrypted.js"
