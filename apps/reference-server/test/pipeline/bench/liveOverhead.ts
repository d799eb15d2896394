/**
 * What the pipeline costs per job besides the face engine: the real steps on
 * the real adapters the server uses (SQLite stores and journal, AES-256-GCM
 * blobs on the filesystem, the fflate zip codec, signed callbacks over
 * node:http to a receiver in this process), with a face engine that answers
 * at once. Every millisecond measured is the pipeline's own: the workflow
 * starting, the zip, blob reads and writes, SQL, the journal, applying the
 * result, signing and posting the callback.
 *
 *   ../../node_modules/.bin/tsx --tsconfig test/pipeline/child/tsconfig.json test/pipeline/bench/liveOverhead.ts \
 *     [--jobs 20] [--synchronous full|normal] [--journal-synchronous full|normal] [--spans]
 *
 * Jobs run one at a time, registrations (type 4) and authentications (type 2)
 * alternating, each with the demo photos of `pnpm bench` (a selfie and four
 * frames). Per job type it reports the wall time from the upload accepted to
 * the callback received (median, min-max) and the process's CPU per job
 * (everything the job caused up to 200 ms after its callback, including the
 * journal writes after it, less what the process burns when idle, measured
 * first); `fsync` waits show in the wall time only.
 *
 * `--spans` also records every Effect span of the measured jobs (the
 * workflow's activities as the engine runs them, each pipeline step, the
 * stores, each SQL statement) and prints where the time went: per span name,
 * how many per job, the milliseconds per job and the median. Spans nest, so
 * their times overlap; an activity's span less its step's span is what the
 * workflow engine adds around that step. Recording costs a little time itself.
 */
import { CallbackSenderHttp, OutboundPolicy } from "@selfie-auth/adapter-callback"
import { BlobStoreEncrypted, BlobStoreFs } from "@selfie-auth/adapter-fs"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { DeliveryLogSql, JobStoreSql, ReviewQueueSql, SqlDatabase, UserStoreSql } from "@selfie-auth/adapter-sql"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { BlobStore, Decision, FaceEngine, Ids, Job, JobStore, UseCases, ZipCodec } from "@selfie-auth/core"
import { demoDir } from "@selfie-auth/test-fixtures"
import { Effect, Either, Layer, Option, Redacted, Tracer } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import { JobPipeline, JobPipelineWorkflow, PipelineStepsLive } from "../../../src/pipeline/index.js"

const { values: options } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    jobs: { type: "string", default: "20" },
    synchronous: { type: "string", default: "full" },
    "journal-synchronous": { type: "string", default: "full" },
    spans: { type: "boolean", default: false }
  }
})
const synchronousOf = (name: string, value: string): SqlDatabase.SqliteSynchronous => {
  if (value !== "full" && value !== "normal") throw new Error(`--${name} must be full or normal (got ${value})`)
  return value
}
const jobsPerType = Number(options.jobs)
const synchronous = synchronousOf("synchronous", options.synchronous)
const journalSynchronous = synchronousOf("journal-synchronous", options["journal-synchronous"])

const partnerId = Ids.PartnerId.make("001")
const apiKey = Redacted.make(randomBytes(24).toString("base64"))
const photo = (name: string) => new Uint8Array(fs.readFileSync(path.join(demoDir, name)))
const photos = {
  4: { selfie: photo("jolie-1.jpg"), frames: ["jolie-2.jpg", "jolie-3.jpg", "jolie-4.jpg", "jolie-5.jpg"].map(photo) },
  2: { selfie: photo("jolie-6.jpg"), frames: ["jolie-7.jpg", "jolie-8.jpg", "jolie-2.jpg", "jolie-3.jpg"].map(photo) }
} as const

/** The partner's endpoint: answers 200 at once and notes when each delivery id first arrived. */
const startReceiver = async () => {
  const waiting = new Map<string, (at: number) => void>()
  const server = http.createServer((request, response) => {
    const at = performance.now()
    const deliveryId = String(request.headers["webhook-id"] ?? "")
    request.resume()
    request.on("end", () => {
      response.writeHead(200).end()
      waiting.get(deliveryId)?.(at)
      waiting.delete(deliveryId)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/callback`,
    arrival: (deliveryId: string) => new Promise<number>((resolve) => waiting.set(deliveryId, resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const face = { box: { x: 100, y: 100, width: 200, height: 240 }, score: 0.97, pose: { yaw: 2, pitch: 1, roll: 0 }, descriptor: [0.1] }

const layerFor = (dataDirectory: string) => {
  const database = SqlDatabase.layerSqlite({ filename: path.join(dataDirectory, SqlDatabase.sqliteFileName), synchronous })
  const stores = Layer.mergeAll(JobStoreSql.layer, UserStoreSql.layer, ReviewQueueSql.layer, DeliveryLogSql.layer).pipe(
    Layer.provide(database)
  )
  const keyring = Either.getOrThrow(BlobStoreEncrypted.keyringFromBase64({ current: Redacted.make(randomBytes(32).toString("base64")) }))
  const blobs = BlobStoreEncrypted.layer(keyring).pipe(Layer.provide(BlobStoreFs.layer({ directory: path.join(dataDirectory, "blobs") })))
  const engine = FaceEngine.layerMemory({
    images: new Map(),
    job: (input) => ({
      selfie: { width: 640, height: 480, faceCount: 1, face, brightness: 0.5, sharpness: 200, problems: [] },
      liveness: { framesProvided: 4, framesUsable: 4, framesMatchingSelfie: 4, poseRange: { yaw: 25, pitch: 12 } },
      spoofSuspicion: "none",
      ...(input.registeredSelfie === undefined ? {} : { comparison: { distance: 0.3, confidence: 93 } })
    })
  })
  const base = Layer.mergeAll(
    stores,
    blobs,
    ZipCodecFflate.layer(),
    engine,
    CallbackSenderHttp.layer({ apiKeysFor: () => Effect.succeed([apiKey]), policy: OutboundPolicy.localEvaluation })
  ).pipe(Layer.provideMerge(SignerNode.layer))
  const steps = PipelineStepsLive.layer({ thresholds: Decision.defaultThresholds, apiKeyOf: () => Effect.succeed(Option.some(apiKey)) })
  const pipeline = JobPipelineWorkflow.layer({
    storage: { _tag: "Sqlite", dataDirectory, synchronous: journalSynchronous }
  }).pipe(Layer.provide(steps))
  return pipeline.pipe(Layer.provideMerge(base), Layer.orDie)
}

const infoJson = (jobType: 2 | 4, userId: string, jobId: string, callbackUrl: string, frames: number) =>
  JSON.stringify({
    package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: "javascript" },
    misc_information: {
      retry: "false",
      partner_params: { user_id: userId, job_id: jobId, job_type: jobType },
      timestamp: new Date().toISOString(),
      file_name: "selfie.zip",
      smile_client_id: partnerId,
      callback_url: callbackUrl
    },
    images: [
      { image_type_id: 0, image: "", file_name: "selfie.jpg" },
      ...Array.from({ length: frames }, (_, index) => ({ image_type_id: 4, image: "", file_name: `frame-${index + 1}.jpg` }))
    ]
  })

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Durations of the spans ended while `recording`, by span name (`--spans`). */
const spanMillis = new Map<string, Array<number>>()
let recording = false
const recordingTracer = Tracer.make({
  span: (name, parent, context, links, startTime, kind) => {
    const span: Tracer.Span = {
      _tag: "Span",
      name,
      spanId: randomUUID(),
      traceId: "live-overhead",
      parent,
      context,
      status: { _tag: "Started", startTime },
      attributes: new Map(),
      links,
      sampled: true,
      kind,
      end: (endTime) => {
        if (!recording) return
        const durations = spanMillis.get(name) ?? []
        durations.push(Number(endTime - startTime) / 1e6)
        spanMillis.set(name, durations)
      },
      attribute: () => undefined,
      event: () => undefined,
      addLinks: () => undefined
    }
    return span
  },
  context: (f) => f()
})

/** The recorded spans, costliest per job first; names that carry an execution id are left out (one per job). */
const spanTable = (jobs: number) =>
  [...spanMillis]
    .filter(([name]) => !/\([0-9a-f]{32}\)/.test(name))
    .map(([name, durations]) => ({
      name,
      perJob: durations.length / jobs,
      millisPerJob: durations.reduce((sum, value) => sum + value, 0) / jobs,
      median: median(durations)
    }))
    .sort((a, b) => b.millisPerJob - a.millisPerJob)
    .slice(0, 30)
    .map((row) =>
      `${row.millisPerJob.toFixed(2).padStart(8)} ms/job ${row.perJob.toFixed(1).padStart(5)} per job, median ${
        row.median.toFixed(2).padStart(6)
      } ms  ${row.name}`
    )

/** How long after the callback a job's CPU is still counted (the journal's last writes). */
const settleMillis = 200

const main = Effect.gen(function*() {
  const receiver = yield* Effect.promise(startReceiver)
  yield* Effect.addFinalizer(() => Effect.promise(receiver.close))
  const jobs = yield* JobStore
  const blobs = yield* BlobStore
  const zips = yield* ZipCodec
  const pipeline = yield* JobPipeline
  let serial = 0

  /** One job from its zip accepted to its callback received: wall and CPU milliseconds. */
  let idleCpuPerMilli = 0
  const runJob = (jobType: 2 | 4, userId: string) =>
    Effect.gen(function*() {
      const smileJobId = Ids.SmileJobId.make(String(2_000_000_000 + ++serial))
      const jobId = `job-${serial}`
      const images = photos[jobType]
      const created = yield* jobs.insert(Job.make({
        partnerId,
        smileJobId,
        partnerParams: { userId: Ids.UserId.make(userId), jobId: Ids.JobId.make(jobId), jobType, extras: {} },
        callbackUrl: receiver.url,
        at: Date.now()
      }))
      const zip = yield* zips.pack([
        { name: "info.json", bytes: new TextEncoder().encode(infoJson(jobType, userId, jobId, receiver.url, images.frames.length)) },
        { name: "selfie.jpg", bytes: images.selfie },
        ...images.frames.map((bytes, index) => ({ name: `frame-${index + 1}.jpg`, bytes }))
      ])
      yield* blobs.put(UseCases.AcceptUpload.uploadBlobKeyOf(created), zip)
      const arrival = receiver.arrival(`sa_${smileJobId}_machine`)
      const cpu = process.cpuUsage()
      const started = performance.now()
      // What the upload handler does once the zip is stored: the job becomes Uploaded, then its pipeline starts.
      yield* jobs.update(Either.getOrThrow(Job.transition(created, { _tag: "UploadAccepted", at: Date.now() })))
      yield* pipeline.start({ partnerId, smileJobId })
      const arrived = yield* Effect.promise(() => arrival)
      // Let the journal writes after the callback (its reply, the workflow's end) finish before reading the CPU.
      yield* Effect.sleep(settleMillis)
      const used = process.cpuUsage(cpu)
      const windowMillis = performance.now() - started
      return { wallMillis: arrived - started, cpuMillis: (used.user + used.system) / 1000 - idleCpuPerMilli * windowMillis }
    })

  // What the process burns with no job (the runner polling its journal), subtracted from each job's CPU.
  const idleCpu = process.cpuUsage()
  const idleStarted = performance.now()
  yield* Effect.sleep("3 seconds")
  const idleUsed = process.cpuUsage(idleCpu)
  idleCpuPerMilli = (idleUsed.user + idleUsed.system) / 1000 / (performance.now() - idleStarted)

  const registered = "bench-user"
  yield* runJob(4, registered)
  yield* runJob(2, registered)
  const results = { 4: [] as Array<{ wallMillis: number; cpuMillis: number }>, 2: [] as Array<{ wallMillis: number; cpuMillis: number }> }
  recording = options.spans
  for (let index = 0; index < jobsPerType; index++) {
    results[4].push(yield* runJob(4, `bench-user-${index}`))
    results[2].push(yield* runJob(2, registered))
  }
  const line = (name: string, rows: ReadonlyArray<{ wallMillis: number; cpuMillis: number }>) => {
    const walls = rows.map((row) => row.wallMillis)
    const cpus = rows.map((row) => row.cpuMillis)
    return `${name.padEnd(22)} upload accepted -> callback ms: median ${median(walls).toFixed(1)} (${Math.min(...walls).toFixed(1)}-${
      Math.max(...walls).toFixed(1)
    })   CPU ms per job: median ${median(cpus).toFixed(1)} (${Math.min(...cpus).toFixed(1)}-${Math.max(...cpus).toFixed(1)})`
  }
  console.log(`${jobsPerType} jobs per type, stores synchronous=${synchronous}, journal synchronous=${journalSynchronous}, load average ${
    os.loadavg().map((value) => value.toFixed(2)).join(" ")
  }; idle CPU ${(idleCpuPerMilli * 1000).toFixed(1)} ms/s, subtracted`)
  console.log(line("register (type 4)", results[4]))
  console.log(line("authenticate (type 2)", results[2]))
  recording = false
  if (options.spans) {
    console.log(`\nspans of the ${jobsPerType * 2} measured jobs (nested, so times overlap):`)
    for (const row of spanTable(jobsPerType * 2)) console.log(row)
  }
})

const dataDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-live-overhead-"))
Effect.runPromise(
  Effect.scoped(main).pipe(Effect.provide(layerFor(dataDirectory)), options.spans ? Effect.withTracer(recordingTracer) : (effect) => effect)
).finally(() =>
  fs.rmSync(dataDirectory, { recursive: true, force: true })
)
