/**
 * `@selfie-auth/adapter-s3`: S3 on both sides of the upload.
 *
 * - `ZipUpload`: the partner-side zip `PUT` to a pre-signed URL, on any
 *   `HttpClient` (no AWS SDK needed, loadable in browsers).
 */
export * as ZipUpload from "./ZipUpload.js"
export * as BlobStoreS3 from "./BlobStoreS3.js"
