/**
 * The distributed configuration of ARCHITECTURE.md, for real: the server
 * started as a process with `--database-url` (a fresh schema in database
 * `test` on 127.0.0.1:5432, dropped after) and `--s3-*` (an in-process
 * s3rver; it does not check SigV4 signatures), running registrations through
 * the real pipeline and face engine on the demo photos.
 *
 * - A job submitted by the partner client ends approved (0840); its rows are
 *   in Postgres (stores, review-free job, workflow journal), nothing is in
 *   the data folder but the secrets and certificate, and every object in the
 *   bucket is AES-256-GCM ciphertext that opens with the configured key to
 *   the bytes uploaded.
 * - The crash window between upload and pipeline start: a zip accepted (the
 *   server's own `acceptUpload`, on the same Postgres and bucket) whose
 *   workflow was never started is processed after a restart, without any
 *   job_status poll, by the start-up sweep.
 */
import { PgClient } from "@effect/sql-pg"
import { createClient, JobPackage } from "@selfie-auth/adapter-http"
import { BlobStoreEncrypted } from "@selfie-auth/adapter-fs"
import { BlobStoreS3 } from "@selfie-auth/adapter-s3"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { JobStoreSql, SqlDatabase } from "@selfie-auth/adapter-sql"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { Ids, JobStore, UseCases, ZipCodec } from "@selfie-auth/core"
import { readDemo } from "@selfie-auth/test-fixtures"
import { Effect, Either, Layer, Option, Redacted } from "effect"
import * as fs from "node:fs"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
// @ts-expect-error s3rver ships no declaration file
import S3rver from "s3rver"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as DataDir from "../../src/DataDir.js"
import * as UploadTargetHmac from "../../src/UploadTargetHmac.js"
import * as PostgresSchema from "../pipeline/PostgresSchema.js"
import * as ServerProcess from "./ServerProcess.js"

const partnerId = "001"
const apiKey = "distributed-test-api-key"
const bucket = "selfie-auth-test"
const keyPrefix = "deployment-a/"
const blobKeyBase64 = Buffer.alloc(32, 42).toString("base64")
const keyring = Either.getOrThrow(BlobStoreEncrypted.keyringFromBase64({ current: Redacted.make(blobKeyBase64) }))
const selfie = readDemo("jolie-1.jpg")
const frames = ["jolie-2.jpg", "jolie-3.jpg", "jolie-4.jpg", "jolie-5.jpg"].map(readDemo)

let schema: { readonly schema: string; readonly url: string }
let s3: { readonly close: () => Promise<void>; readonly endpoint: string; readonly directory: string }
let dataDir: string
let server: ServerProcess.ServerProcess | undefined

/** The test's own view of the bucket (static credentials; s3rver accepts any). */
const s3Options = () => ({
  bucket,
  keyPrefix,
  region: "us-east-1",
  endpoint: s3.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: "S3RVER", secretAccessKey: Redacted.make("S3RVER") }
})

const startServer = (overrides: { readonly databaseUrl?: string; readonly bucket?: string } = {}) =>
  ServerProcess.start([
    "--port", "0", "--http", "--data", dataDir, "--partners", path.join(dataDir, "partners.json"),
    "--database-url", overrides.databaseUrl ?? schema.url,
    "--s3-bucket", overrides.bucket ?? bucket, "--s3-endpoint", s3.endpoint, "--s3-region", "us-east-1", "--s3-prefix", keyPrefix,
    "--s3-force-path-style"
  ], {
    SELFIE_AUTH_BLOB_KEY: blobKeyBase64,
    // s3rver accepts any credentials; the server takes them from the AWS SDK's standard variables.
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER"
  })

/** Runs statements on the test's schema. */
const onSchema = <A, E>(effect: Effect.Effect<A, E, PgClient.PgClient>) =>
  Effect.runPromise(Effect.provide(effect, PgClient.layer({ url: Redacted.make(schema.url), maxConnections: 1 })).pipe(Effect.orDie))

/** The bucket's keys and bytes, read without the server's code (s3rver answers unsigned requests). */
const bucketObjects = async (): Promise<Map<string, Uint8Array>> => {
  const listing = await (await fetch(`${s3.endpoint}/${bucket}?list-type=2&max-keys=1000`)).text()
  expect(listing).not.toMatch(/<IsTruncated>true</)
  const keys = [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((match) => match[1] ?? "")
  const objects = new Map<string, Uint8Array>()
  for (const key of keys) objects.set(key, new Uint8Array(await (await fetch(`${s3.endpoint}/${bucket}/${key}`)).arrayBuffer()))
  return objects
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

beforeAll(async () => {
  schema = await Effect.runPromise(PostgresSchema.create)
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-distributed-s3-"))
  const s3server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: bucket }] })
  const address = (await s3server.run()) as AddressInfo
  s3 = { close: () => s3server.close(), endpoint: `http://127.0.0.1:${address.port}`, directory }
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-distributed-"))
  fs.writeFileSync(path.join(dataDir, "partners.json"), JSON.stringify([{ partnerId, apiKey, callbackPolicy: "local-evaluation" }]))
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await s3?.close()
  if (schema !== undefined) await Effect.runPromise(PostgresSchema.drop(schema.schema))
  for (const folder of [dataDir, s3?.directory]) if (folder !== undefined) fs.rmSync(folder, { recursive: true, force: true })
}, 60_000)

describe("the reference server on Postgres and S3", () => {
  it("does not start, and says what to fix, when the database cannot be reached or the bucket does not exist", async () => {
    const unreachable = await startServer({ databaseUrl: "postgres://postgres:hunter2@127.0.0.1:1/test" }).then(
      () => expect.fail("started without a database"),
      (error: Error) => error.message
    )
    expect(unreachable).toContain("exited with 1")
    expect(unreachable).toMatch(/the Postgres database postgres:\/\/postgres@127\.0\.0\.1:1\/test of --database-url cannot be reached .*check its host, port, user, password/)
    expect(unreachable).not.toContain("hunter2")
    const noBucket = await startServer({ bucket: "no-such-bucket" }).then(
      () => expect.fail("started without a bucket"),
      (error: Error) => error.message
    )
    expect(noBucket).toMatch(/the S3 bucket "no-such-bucket" cannot be read .*NoSuchBucket.*check --s3-bucket, --s3-region, --s3-endpoint and the AWS credentials/s)
  }, 120_000)

  it("registers a user through the real pipeline; rows in Postgres, blobs sealed in the bucket", async () => {
    server = await startServer()
    const client = createClient({ partnerId, apiKey, baseUrl: `${server.url}/v1` })
    try {
      const outcome = await client.submitJob(4, {
        userId: "user-distributed",
        jobId: "job-distributed-1",
        selfie,
        livenessFrames: frames,
        waitForResult: true
      })
      const result = outcome.status?.result
      if (result === undefined || typeof result === "string") return expect.fail(`no result object: ${JSON.stringify(outcome.status)}`)
      expect(result.ResultCode).toBe("0840")
      expect(outcome.status?.jobSuccess).toBe(true)
    } finally {
      await client.dispose()
    }

    // Every store and the workflow journal are on Postgres; the data folder keeps only secrets and the certificate.
    const rows = await onSchema(Effect.gen(function*() {
      const sql = yield* PgClient.PgClient
      const jobs = yield* sql<{ state: string }>`SELECT state FROM selfie_auth_jobs WHERE job_id = 'job-distributed-1'`
      const users = yield* sql<{ user_id: string }>`SELECT user_id FROM selfie_auth_users`
      const journal = yield* sql<{ count: string }>`SELECT count(*) AS count FROM cluster_messages`
      const started = yield* sql<{ smile_job_id: string }>`SELECT smile_job_id FROM pipeline_jobs`
      const deliveries = yield* sql`SELECT 1 FROM selfie_auth_reviews`
      return { jobs, users, journal, started, deliveries }
    }))
    expect(rows.jobs.map((row) => row.state)).toEqual(["Completed"])
    expect(rows.users.map((row) => row.user_id)).toEqual(["user-distributed"])
    expect(Number(rows.journal[0]?.count)).toBeGreaterThan(0)
    expect(rows.started).toHaveLength(1)
    expect(fs.readdirSync(dataDir).filter((name) => /sqlite|^blobs$/.test(name))).toEqual([])

    // The bucket holds the zip and the registered selfie, each sealed: no plaintext, and the key opens them.
    const objects = await bucketObjects()
    const keys = [...objects.keys()]
    expect(keys.some((key) => key.endsWith("/attachments.zip"))).toBe(true)
    expect(keys.every((key) => key.startsWith(`${keyPrefix}partners/${partnerId}/users/user-distributed/`))).toBe(true)
    const opened = [...objects].map(([key, sealed]) => {
      expect(Buffer.from(sealed.subarray(0, 3)).toString("latin1")).toBe("SAB")
      expect(Buffer.from(sealed).includes(Buffer.from(selfie.subarray(0, 64)))).toBe(false)
      return Either.getOrThrow(BlobStoreEncrypted.open(keyring, key.slice(keyPrefix.length), sealed))
    })
    expect(opened.some((plaintext) => sameBytes(plaintext, selfie))).toBe(true)
    expect(opened.some((plaintext) => sameBytes(plaintext.subarray(0, 2), new Uint8Array([0x50, 0x4b])))).toBe(true)
  }, 240_000)

  it("after a crash between upload and pipeline start, the restarted server processes the job without being polled", async () => {
    if (server === undefined) return expect.fail("the first test starts the server")
    const client = createClient({ partnerId, apiKey, baseUrl: `${server.url}/v1` })
    const jobId = "job-distributed-2"
    const prepared = await client.prepUpload({ jobType: 4, userId: "user-swept", jobId }).finally(() => client.dispose())
    expect(await server.stop()).toBe(0)
    server = undefined

    // What the file route does with a PUT up to the crash: accept the zip (stored, job Uploaded), never start it.
    const zip = await Effect.runPromise(Effect.flatMap(ZipCodec, (codec) =>
      codec.pack(JobPackage.entries({
        info: {
          partnerId,
          partnerParams: { user_id: "user-swept", job_id: jobId, job_type: 4 },
          timestamp: new Date().toISOString(),
          callbackUrl: "",
          serverInformation: prepared.responseJson
        },
        selfie: { field: "selfie", bytes: selfie, extension: "jpg" },
        livenessFrames: frames.map((bytes, index) => ({ field: `livenessFrames[${index}]`, bytes, extension: "jpg" as const }))
      }))).pipe(Effect.provide(ZipCodecFflate.layer())))
    const secret = await Effect.runPromise(DataDir.uploadUrlSecret(dataDir))
    const stores = Layer.mergeAll(
      JobStoreSql.layer.pipe(Layer.provide(SqlDatabase.layerPostgres({ url: Redacted.make(schema.url), maxConnections: 2 }))),
      BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(BlobStoreS3.layer(s3Options()))),
      ZipCodecFflate.layer(),
      UploadTargetHmac.layer({ baseUrl: new URL(prepared.response.uploadUrl).origin, secret }).pipe(Layer.provide(SignerNode.layer))
    )
    const smileJobId = prepared.response.smileJobId
    const readJob = Effect.flatMap(JobStore, (jobs) => jobs.findBySmileJobId(Ids.PartnerId.make(partnerId), smileJobId))
    const accepted = await Effect.runPromise(
      UseCases.AcceptUpload.acceptUpload({ url: prepared.response.uploadUrl, zip }).pipe(Effect.provide(stores), Effect.orDie)
    )
    expect(accepted.state).toBe("Uploaded")

    server = await startServer()
    const deadline = Date.now() + 120_000
    let state = "Uploaded"
    while (Date.now() < deadline && state !== "Completed" && state !== "Failed") {
      await new Promise((resolve) => setTimeout(resolve, 500))
      const job = await Effect.runPromise(readJob.pipe(Effect.provide(stores), Effect.orDie))
      state = Option.match(job, { onNone: () => "missing", onSome: (found) => found.state })
    }
    expect(state).toBe("Completed")
    const job = Option.getOrThrow(await Effect.runPromise(readJob.pipe(Effect.provide(stores), Effect.orDie)))
    expect(job.results.map((result) => result.resultCode)).toEqual(["0840"])
    expect(server.stderr()).toContain("start-up sweep: made sure a job in flight or under review is running")
  }, 240_000)

  it("a second process on the same database refuses to start, saying why, and the first keeps serving", async () => {
    if (server === undefined) return expect.fail("the earlier tests leave a server running")
    const refused = await startServer().then(
      async (other) => {
        await other.stop()
        return expect.fail("a second process started on the same database")
      },
      (error: Error) => error.message
    )
    expect(refused).toContain("exited with 1")
    expect(refused).toContain(`another selfie-auth-server process already runs the pipeline on this database (schema "${schema.schema}")`)
    const client = createClient({ partnerId, apiKey, baseUrl: `${server.url}/v1` })
    try {
      const status = await client.jobStatus({ userId: "user-distributed", jobId: "job-distributed-1" })
      expect([status.jobComplete, status.jobSuccess]).toEqual([true, true])
    } finally {
      await client.dispose()
    }
    // Once the first has stopped, a process takes the journal over at once.
    expect(await server.stop()).toBe(0)
    server = await startServer()
  }, 240_000)
})
