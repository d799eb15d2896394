import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { getSignedUrl } from "@aws-sdk/s3-request-presigner"
import { FetchHttpClient } from "@effect/platform"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ZipUpload } from "@selfie-auth/adapter-s3"
import { Effect, Schedule } from "effect"
// s3rver ships no types
// @ts-expect-error no declaration file
import S3rver from "s3rver"

interface Seen {
  readonly rawHeaders: ReadonlyArray<string>
  readonly body: Buffer
  readonly url: string
}

/** A node:http server answering each PUT with the next status of `plan` (the last one repeats). */
const stubServer = () => {
  const seen: Array<Seen> = []
  let plan: Array<{ status: number; body?: string }> = [{ status: 200 }]
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      seen.push({ rawHeaders: request.rawHeaders, body: Buffer.concat(chunks), url: request.url ?? "" })
      const next = plan.length > 1 ? plan.shift()! : plan[0]!
      response.writeHead(next.status, { "content-type": "application/xml" })
      response.end(next.body ?? "")
    })
  })
  return {
    seen,
    plan: (statuses: Array<{ status: number; body?: string }>) => {
      plan = statuses
      seen.length = 0
    },
    start: () => new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const stub = stubServer()
let origin = ""
beforeAll(async () => {
  origin = await stub.start()
})
afterAll(() => stub.stop())

const zip = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) & 0xff)
const fast = Schedule.spaced("10 millis").pipe(Schedule.intersect(Schedule.recurs(3)))
const put = (url: string, retrySchedule = fast) =>
  ZipUpload.put({ url, zip, retrySchedule }).pipe(Effect.provide(FetchHttpClient.layer))

const header = (seen: Seen, name: string) => {
  const index = seen.rawHeaders.findIndex((candidate, i) => i % 2 === 0 && candidate.toLowerCase() === name)
  return index < 0 ? undefined : seen.rawHeaders[index + 1]
}

describe("ZipUpload.put", () => {
  it.live("PUTs the bytes with Content-Type application/zip and an explicit Content-Length, to the URL as given", () =>
    Effect.gen(function*() {
      stub.plan([{ status: 200 }])
      const status = yield* put(`${origin}/videos/001/attachments.zip?X-Amz-Signature=abc&Expires=9`)
      assert.strictEqual(status, 200)
      const [request] = stub.seen
      assert.strictEqual(request!.url, "/videos/001/attachments.zip?X-Amz-Signature=abc&Expires=9")
      assert.strictEqual(header(request!, "content-type"), "application/zip")
      assert.strictEqual(header(request!, "content-length"), "4096")
      assert.isUndefined(header(request!, "authorization"))
      assert.isUndefined(header(request!, "transfer-encoding"))
      assert.deepStrictEqual(new Uint8Array(request!.body), zip)
    }))

  it.live("accepts any 2xx (the official Node SDK refuses 201 and 204)", () =>
    Effect.gen(function*() {
      for (const status of [201, 204]) {
        stub.plan([{ status }])
        assert.strictEqual(yield* put(`${origin}/u.zip`), status)
        assert.strictEqual(stub.seen.length, 1)
      }
    }))

  it.live("retries 5xx on the schedule and succeeds when the server recovers", () =>
    Effect.gen(function*() {
      stub.plan([{ status: 500 }, { status: 503 }, { status: 200 }])
      assert.strictEqual(yield* put(`${origin}/u.zip`), 200)
      assert.strictEqual(stub.seen.length, 3)
    }))

  it.live("gives up after the schedule's retries on a server that keeps failing", () =>
    Effect.gen(function*() {
      stub.plan([{ status: 502 }])
      const error = yield* Effect.flip(put(`${origin}/u.zip`))
      assert.strictEqual(error.reason, "ServerError")
      assert.strictEqual(error.status, 502)
      assert.strictEqual(error.attempts, 4)
      assert.strictEqual(stub.seen.length, 4)
    }))

  it.live("does not retry a 4xx and says what S3 said", () =>
    Effect.gen(function*() {
      stub.plan([{ status: 403, body: "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>" }])
      const error = yield* Effect.flip(put(`${origin}/u.zip?X-Amz-Signature=secret`))
      assert.strictEqual(error.reason, "Rejected")
      assert.strictEqual(error.attempts, 1)
      assert.strictEqual(stub.seen.length, 1)
      assert.include(error.message, "S3: AccessDenied: Request has expired")
      assert.include(error.message, "make a new prep upload")
      assert.notInclude(error.message, "secret")
      assert.strictEqual(error.url, `${origin}/u.zip`)
    }))

  it.live("retries a refused connection, then reports a network failure", () =>
    Effect.gen(function*() {
      const closed = http.createServer()
      const port = yield* Effect.promise(() => new Promise<number>((resolve) => closed.listen(0, "127.0.0.1", () => resolve((closed.address() as AddressInfo).port))))
      yield* Effect.promise(() => new Promise<void>((resolve) => closed.close(() => resolve())))
      const error = yield* Effect.flip(put(`http://127.0.0.1:${port}/u.zip`))
      assert.strictEqual(error.reason, "Network")
      assert.strictEqual(error.attempts, 4)
    }))

  it.live("refuses a URL that is not absolute http(s) without a request", () =>
    Effect.gen(function*() {
      stub.plan([{ status: 200 }])
      const error = yield* Effect.flip(put("/relative/upload.zip"))
      assert.strictEqual(error.reason, "InvalidUrl")
      assert.strictEqual(error.attempts, 0)
      assert.strictEqual(stub.seen.length, 0)
    }))
})

describe("ZipUpload.put against S3 (s3rver, pre-signed PutObject)", () => {
  it.live("stores the zip under the pre-signed key with its content type", () =>
    Effect.gen(function*() {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"))
      const s3rver = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: "uploads" }] })
      const address = (yield* Effect.promise(() => s3rver.run())) as AddressInfo
      try {
        const s3 = new S3Client({
          region: "us-east-1",
          endpoint: `http://127.0.0.1:${address.port}`,
          forcePathStyle: true,
          credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
        })
        const key = "videos/001/001-0000000042-abc/attachments.zip"
        const url = yield* Effect.promise(() =>
          getSignedUrl(s3, new PutObjectCommand({ Bucket: "uploads", Key: key, ContentType: "application/zip" }), { expiresIn: 600 })
        )
        assert.strictEqual(yield* ZipUpload.put({ url, zip }).pipe(Effect.provide(FetchHttpClient.layer)), 200)
        const stored = yield* Effect.promise(() => s3.send(new GetObjectCommand({ Bucket: "uploads", Key: key })))
        assert.strictEqual(stored.ContentType, "application/zip")
        assert.deepStrictEqual(yield* Effect.promise(() => stored.Body!.transformToByteArray()), zip)
      } finally {
        yield* Effect.promise(() => s3rver.close())
        fs.rmSync(directory, { recursive: true, force: true })
      }
    }))
})
