/**
 * `pnpm bench` for the reference server, in one run:
 *
 * 1. the built `selfie-auth-server` (plain HTTP on 127.0.0.1, SQLite,
 *    encrypted blobs, the real engine, the durable pipeline) running jobs of
 *    the demo photos one at a time through the partner client (upload
 *    answered -> signed callback received), alternating with the face engine
 *    alone (`FaceEngineHuman` in this process) on the same images: the
 *    pipeline's overhead over the engine's own time;
 * 2. prep_upload and job_status latency (p50/p99) and throughput at 1 and 100
 *    concurrent keep-alive clients, against a bare node:http handler (its own
 *    process) answering the JSON the server answered.
 *
 * Loopback only; every loop is bounded by a count. Writes
 * `bench-results/reference-server.json` and `docs/results/reference-server.md`.
 *
 *   cd apps/reference-server && pnpm bench        (builds first through turbo's ^build; this package: tsc -b)
 *
 * Options, for iterating on one part (a partial run prints its tables and
 * writes nothing): `--jobs N` jobs per type (default 16), `--rounds N` load
 * rounds (default 5), `--only jobs` or `--only requests` (the requests still
 * run one job of each type first, to have a completed job to ask about).
 * `--cpu-prof DIR` writes a V8 CPU profile of the server process into DIR
 * when it stops (open it in Chrome's DevTools); it slows the server, so such
 * a run writes nothing either.
 */
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { FaceEngineHuman } from "@selfie-auth/adapter-face"
import { createClient } from "@selfie-auth/adapter-http/node"
import { SqlDatabase } from "@selfie-auth/adapter-sql"
import { type AnalyzeJobInput, FaceEngine, Signature } from "@selfie-auth/core"
import { demoDir } from "@selfie-auth/test-fixtures"
import { Effect, ManagedRuntime } from "effect"
import { spawn } from "node:child_process"
import { createHmac, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import * as CallbackReceiver from "../demo/CallbackReceiver.js"
import * as Listener from "../src/Listener.js"
import { appDir, ensureDemoPartners, startServer } from "../demo/Launcher.mjs"
import * as Table from "../demo/Table.js"
import * as Load from "./Load.js"

const workspaceRoot = path.resolve(appDir, "../..")
const resultsFile = path.join(workspaceRoot, "bench-results", "reference-server.json")
const docsFile = path.join(workspaceRoot, "docs", "results", "reference-server.md")
/** The generated part of the docs page ends here; what follows is written by hand and kept across runs. */
const analysisMarker = "<!-- Written by hand below this line; pnpm bench keeps it. -->"

// pnpm passes a `--` separator through to the script; it is not an argument.
const { values: options } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    jobs: { type: "string" },
    rounds: { type: "string" },
    only: { type: "string" },
    "cpu-prof": { type: "string" }
  }
})
const positiveInteger = (name: string, text: string | undefined, fallback: number) => {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1 (got ${text})`)
  return value
}
if (options.only !== undefined && options.only !== "jobs" && options.only !== "requests") {
  throw new Error(`--only must be jobs or requests (got ${options.only})`)
}
/** Jobs measured per job type, after one warm-up job each. */
const jobsPerType = options.only === "requests" ? 1 : positiveInteger("jobs", options.jobs, 16)
/** Rounds of each request load; each side's round with the median throughput is reported. */
const loadRounds = positiveInteger("rounds", options.rounds, 5)
/** A partial run (any option given) prints its tables and writes neither the results file nor the docs page. */
const partialRun = options.jobs !== undefined || options.rounds !== undefined || options.only !== undefined ||
  options["cpu-prof"] !== undefined
/** Node options of the server process: a CPU profile when asked for. */
const serverNodeArgs = options["cpu-prof"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${path.resolve(options["cpu-prof"])}`]
/**
 * Requests per client at 1 and at 100 clients, after a warm-up of uncounted
 * ones at the same concurrency: long enough (10^4 measured requests at 100
 * clients) that the JIT has settled and the 10 ms CPU ticks are fine enough.
 */
const loadPlan = [
  { concurrency: 1, warmUpPerClient: 200, requestsPerClient: 1000 },
  { concurrency: 100, warmUpPerClient: 20, requestsPerClient: 100 }
] as const

const photos = {
  register: { selfie: "jolie-1.jpg", frames: ["jolie-2.jpg", "jolie-3.jpg", "jolie-4.jpg", "jolie-5.jpg"] },
  authenticate: { selfie: "jolie-6.jpg", frames: ["jolie-7.jpg", "jolie-8.jpg", "jolie-2.jpg", "jolie-3.jpg"] }
} as const
const readPhoto = (name: string) => new Uint8Array(fs.readFileSync(path.join(demoDir, name)))

const log = (line: string) => process.stdout.write(`${line}\n`)
const round = (value: number, digits = 1) => Number(value.toFixed(digits))

// ---------------------------------------------------------------------------
// 1. The engine alone

/**
 * The face engine in this process, on the same images as the jobs. Its runs
 * alternate with the server's jobs, so a change in the machine's load hits
 * both sides alike.
 */
const startEngine = async () => {
  const runtime = ManagedRuntime.make(FaceEngineHuman.layer())
  const inputs: Record<"register" | "authenticate", AnalyzeJobInput> = {
    register: { selfie: readPhoto(photos.register.selfie), livenessFrames: photos.register.frames.map(readPhoto) },
    authenticate: {
      selfie: readPhoto(photos.authenticate.selfie),
      livenessFrames: photos.authenticate.frames.map(readPhoto),
      registeredSelfie: readPhoto(photos.register.selfie)
    }
  }
  /** One `analyzeJob` of the job type's images: wall milliseconds, and CPU milliseconds of this process (all threads). */
  const time = async (kind: "register" | "authenticate") => {
    const cpu = process.cpuUsage()
    const started = performance.now()
    await runtime.runPromise(Effect.flatMap(FaceEngine, (engine) => engine.analyzeJob(inputs[kind])))
    const millis = performance.now() - started
    const used = process.cpuUsage(cpu)
    return { millis, cpuMillis: (used.user + used.system) / 1000 }
  }
  let disposed = false
  const dispose = async () => {
    if (disposed) return
    disposed = true
    await runtime.dispose()
  }
  return { time, dispose }
}

// ---------------------------------------------------------------------------
// 2. Jobs through the server

interface JobTiming {
  readonly jobId: string
  readonly jobType: 2 | 4
  /** When the PUT was answered and the callback arrived (this machine's clock, epoch ms). */
  readonly putAnsweredAt: number
  readonly callbackAt: number
  /** PUT sent -> 200 received. */
  readonly uploadMillis: number
  /** CPU the server process (all threads) used from prep upload to callback. */
  readonly serverCpuMillis: number | undefined
  /** Upload answered -> the signed callback arrived (a cross-check of the server-side measure). */
  readonly putAnsweredToCallbackMillis: number
  readonly code: string | undefined
}

const runJobs = async (
  serverUrl: string,
  serverPid: number,
  credentials: { readonly partnerId: string; readonly apiKey: string },
  engine: Awaited<ReturnType<typeof startEngine>>
) => {
  const receiver = await CallbackReceiver.start(credentials)
  const client = createClient({ ...credentials, baseUrl: `${serverUrl}/v1` })
  const run = `${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`
  let serial = 0
  const job = async (jobType: 2 | 4, userId: string): Promise<JobTiming> => {
    const jobId = `bench-${run}-${++serial}`
    const images = jobType === 4 ? photos.register : photos.authenticate
    let putStarted = 0
    let putAnswered = 0
    const cpuBefore = Load.processCpuMillis(serverPid)
    await client.submitJob(jobType, {
      userId,
      jobId,
      selfie: { path: path.join(demoDir, images.selfie) },
      livenessFrames: images.frames.map((frame) => ({ path: path.join(demoDir, frame) })),
      callbackUrl: receiver.url,
      waitForResult: false,
      onProgress: (event) => {
        if (event._tag === "ZipPacked") putStarted = Date.now()
        if (event._tag === "ZipUploaded") putAnswered = Date.now()
      }
    })
    const callback = await receiver.waitForJob(jobId, 180_000)
    const arrival = receiver.arrivals().find((candidate) =>
      candidate._tag === "Verified" && candidate.callback.deliveryId === callback.deliveryId
    )
    const callbackAt = arrival?.receivedAt ?? Number.NaN
    const cpuAfter = Load.processCpuMillis(serverPid)
    return {
      jobId,
      jobType,
      putAnsweredAt: putAnswered,
      callbackAt,
      uploadMillis: putAnswered - putStarted,
      serverCpuMillis: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
      putAnsweredToCallbackMillis: callbackAt - putAnswered,
      code: callback.resultCode
    }
  }
  try {
    const registered = `bench-user-${run}`
    const warmUp = [await job(4, registered), await job(2, registered)]
    await engine.time("register")
    await engine.time("authenticate")
    const register: Array<JobTiming> = []
    const authenticate: Array<JobTiming> = []
    const engineTimes = {
      register: [] as Array<{ readonly millis: number; readonly cpuMillis: number }>,
      authenticate: [] as Array<{ readonly millis: number; readonly cpuMillis: number }>
    }
    for (let index = 0; index < jobsPerType; index++) {
      engineTimes.register.push(await engine.time("register"))
      register.push(await job(4, `${registered}-${index}`))
      engineTimes.authenticate.push(await engine.time("authenticate"))
      authenticate.push(await job(2, registered))
    }
    return { warmUp, register, authenticate, engineTimes, registeredUser: registered, lastJobId: `bench-${run}-${serial}` }
  } finally {
    await client.dispose()
    await receiver.close()
  }
}

/**
 * Where a job's time went, from the timestamps the server stored on the job
 * (`selfie_auth_jobs`, same machine clock): upload stored -> processing
 * started (the workflow picking the job up), -> machine decision stored
 * (unpack, blobs, the engine, the decision, the SQL write), -> callback
 * received (applying the result, signing, delivering).
 */
const readTimelines = async (dataDir: string, timings: ReadonlyArray<JobTiming>) => {
  const rows = await Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ readonly job_id: string; readonly uploaded_at: number; readonly processing_started_at: number; readonly machine_decided_at: number }>`
        SELECT job_id, uploaded_at, processing_started_at, machine_decided_at FROM selfie_auth_jobs WHERE machine_decided_at IS NOT NULL`
    ).pipe(Effect.provide(SqliteClient.layer({ filename: path.join(dataDir, SqlDatabase.sqliteFileName), readonly: true })))
  )
  const byJob = new Map(rows.map((row) => [row.job_id, row]))
  return timings.map((timing) => {
    const row = byJob.get(timing.jobId)
    if (row === undefined) throw new Error(`job ${timing.jobId} has no machine decision in the server's store`)
    return {
      jobType: timing.jobType,
      /** The upload stored -> the signed callback received: the job's end-to-end time. */
      endToEndMillis: timing.callbackAt - row.uploaded_at,
      pickUpMillis: row.processing_started_at - row.uploaded_at,
      processingMillis: row.machine_decided_at - row.processing_started_at,
      deliveryMillis: timing.callbackAt - row.machine_decided_at
    }
  })
}

// ---------------------------------------------------------------------------
// 3. Request latency and throughput

const sign = (partnerId: string, apiKey: string) => {
  const timestamp = new Date().toISOString()
  const signature = createHmac("sha256", apiKey).update(Signature.messageText({ partnerId, timestamp })).digest("base64")
  return { signature, timestamp }
}

const bodies = (credentials: { readonly partnerId: string; readonly apiKey: string }, job: { readonly userId: string; readonly jobId: string }) => {
  let serial = 0
  const run = randomBytes(3).toString("hex")
  return {
    "/v1/job_status": () =>
      JSON.stringify({
        user_id: job.userId,
        job_id: job.jobId,
        partner_id: credentials.partnerId,
        history: false,
        image_links: false,
        ...sign(credentials.partnerId, credentials.apiKey)
      }),
    // A new user and job each time: every prep upload creates a job row.
    "/v1/upload": () => {
      serial++
      return JSON.stringify({
        file_name: "selfie.zip",
        model_parameters: {},
        partner_params: { user_id: `load-${run}-${serial}`, job_id: `load-${run}-${serial}`, job_type: 4 },
        smile_client_id: credentials.partnerId,
        use_enrolled_image: false,
        source_sdk: "rest_api",
        source_sdk_version: "0.1.0",
        ...sign(credentials.partnerId, credentials.apiKey)
      })
    }
  } as const
}

type Endpoint = "/v1/job_status" | "/v1/upload"
const endpointName: Record<Endpoint, string> = { "/v1/job_status": "job_status", "/v1/upload": "prep_upload" }

const startBareHandler = async (answersFile: string) => {
  const child = spawn(
    process.execPath,
    [path.join(appDir, "bench", "bareServer.mjs"), answersFile, String(Listener.keepAliveTimeoutMillis)],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").once("data", (line: string) => resolve(line.replace(/^listening on /, "").trim()))
    child.once("exit", (code) => reject(new Error(`the bare handler exited (${code})`)))
  })
  return { url, pid: child.pid!, stop: () => new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.kill("SIGTERM"))) }
}

// ---------------------------------------------------------------------------

/** Where the numbers were measured. */
interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly platform: string
  /** The 1-minute load average: above the core count, other processes competed for the cores. */
  readonly loadAverageAtStart: number
  /**
   * Median time of an `fsync` of a small write on the data folder's disk.
   * Every durable commit pays one (decision 16), several on a job's way from
   * upload to callback, so the pipeline's overhead moves with it.
   */
  readonly fsyncMillisMedian: number
}

/** The median of `count` `fsync`s of a 4 KiB write in `dir`: what one durable commit waits for on that disk. */
const fsyncMedian = (dir: string, count = 50): number => {
  const file = path.join(dir, "fsync-probe")
  const handle = fs.openSync(file, "w")
  const times: Array<number> = []
  try {
    for (let i = 0; i < count; i++) {
      fs.writeSync(handle, Buffer.alloc(4096, i))
      const started = performance.now()
      fs.fsyncSync(handle)
      times.push(performance.now() - started)
    }
  } finally {
    fs.closeSync(handle)
    fs.rmSync(file, { force: true })
  }
  return round(Load.median(times), 2)
}

const main = async () => {
  const startedAt = new Date()
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-bench-"))
  const machine: Machine = {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: round(os.loadavg()[0] ?? 0, 2),
    fsyncMillisMedian: fsyncMedian(dataRoot)
  }
  log(
    `reference-server benchmark: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, load average ${machine.loadAverageAtStart}, ` +
      `fsync ${machine.fsyncMillisMedian} ms (median)`
  )

  const partners = ensureDemoPartners(dataRoot)
  const partner = (JSON.parse(fs.readFileSync(partners.file, "utf8")) as Array<{ partnerId: string; apiKey: string }>)[0]!
  const credentials = { partnerId: partner.partnerId, apiKey: partner.apiKey }
  const server = await startServer({ dataDir: path.join(dataRoot, "server"), partnersFile: partners.file, extraArgs: ["--http"], nodeArgs: serverNodeArgs })
  let bare: Awaited<ReturnType<typeof startBareHandler>> | undefined
  const engineAlone = await startEngine()
  try {
    log(`1/2 jobs one at a time through ${server.url} (SQLite, real engine), alternating with the engine alone in this process ...`)
    const jobs = await runJobs(server.url, server.pid, credentials, engineAlone)
    await engineAlone.dispose()
    const codes = [...jobs.warmUp, ...jobs.register, ...jobs.authenticate].map((timing) => timing.code)
    const timelines = await readTimelines(path.join(dataRoot, "server"), [...jobs.register, ...jobs.authenticate])

    if (options.only === "jobs") {
      report({ startedAt, machine, engine: jobs.engineTimes, jobs, timelines, codes, load: [] })
      return
    }
    log(`2/2 prep_upload and job_status at 1 and 100 clients, server and bare handler, ${loadRounds} rounds each ...`)
    const requestBodies = bodies(credentials, { userId: jobs.registeredUser, jobId: jobs.lastJobId })
    const agent = new http.Agent({ keepAlive: false })
    const answers: Record<string, string> = {}
    for (const endpoint of ["/v1/job_status", "/v1/upload"] as const) {
      const answer = await Load.postJson(agent, new URL(endpoint, server.url), requestBodies[endpoint]())
      if (answer.status !== 200) throw new Error(`${endpoint} answered ${answer.status}: ${answer.body}`)
      answers[endpoint] = answer.body
    }
    const answersFile = path.join(dataRoot, "answers.json")
    fs.writeFileSync(answersFile, JSON.stringify(answers))
    bare = await startBareHandler(answersFile)

    const load: Array<{ readonly endpoint: string; readonly target: "server" | "bare"; readonly result: Load.LoadResult }> = []
    for (const endpoint of ["/v1/job_status", "/v1/upload"] as const) {
      for (const plan of loadPlan) {
        const rounds = { bare: [] as Array<Load.LoadResult>, server: [] as Array<Load.LoadResult> }
        for (let round = 0; round < loadRounds; round++) {
          // Alternate which side goes first.
          const order = round % 2 === 0 ? (["bare", "server"] as const) : (["server", "bare"] as const)
          for (const target of order) {
            const [base, pid] = target === "bare" ? [bare.url, bare.pid] : [server.url, server.pid]
            const result = await Load.run({
              url: new URL(endpoint, base),
              ...plan,
              body: requestBodies[endpoint],
              expectStatus: 200,
              cpuMillis: () => Load.processCpuMillis(pid)
            })
            rounds[target].push(result)
            log(`    ${endpointName[endpoint]} ${target} x${plan.concurrency}: ${result.requestsPerSecond.toFixed(0)}/s, p50 ${result.p50Millis.toFixed(2)} ms, p99 ${result.p99Millis.toFixed(2)} ms${result.failures > 0 ? `, ${result.failures} FAILED` : ""}`)
          }
        }
        for (const target of ["bare", "server"] as const) {
          const byThroughput = [...rounds[target]].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)
          load.push({ endpoint: endpointName[endpoint], target, result: byThroughput[Math.floor(byThroughput.length / 2)]! })
        }
      }
    }

    report({ startedAt, machine, engine: jobs.engineTimes, jobs, timelines, codes, load })
  } finally {
    await engineAlone.dispose()
    await bare?.stop()
    await server.stop()
    fs.rmSync(dataRoot, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------
// Report

const report = (input: {
  readonly startedAt: Date
  readonly machine: Machine
  readonly engine: Record<"register" | "authenticate", ReadonlyArray<{ readonly millis: number; readonly cpuMillis: number }>>
  readonly jobs: { readonly register: ReadonlyArray<JobTiming>; readonly authenticate: ReadonlyArray<JobTiming> }
  readonly timelines: ReadonlyArray<{ readonly jobType: 2 | 4; readonly endToEndMillis: number; readonly pickUpMillis: number; readonly processingMillis: number; readonly deliveryMillis: number }>
  readonly codes: ReadonlyArray<string | undefined>
  readonly load: ReadonlyArray<{ readonly endpoint: string; readonly target: "server" | "bare"; readonly result: Load.LoadResult }>
}) => {
  const loadAverageAtEnd = round(os.loadavg()[0] ?? 0, 2)
  const pipeline = (["register", "authenticate"] as const).map((kind) => {
    const engineMillis = Load.median(input.engine[kind].map((sample) => sample.millis))
    const engineCpuMillis = Load.median(input.engine[kind].map((sample) => sample.cpuMillis))
    const serverCpu = input.jobs[kind].flatMap((timing) => (timing.serverCpuMillis === undefined ? [] : [timing.serverCpuMillis]))
    const serverCpuMillis = serverCpu.length === 0 ? undefined : Load.median(serverCpu)
    const timelines = input.timelines.filter((timeline) => timeline.jobType === (kind === "register" ? 4 : 2))
    const pipelineMillis = Load.median(timelines.map((timeline) => timeline.endToEndMillis))
    return {
      job: kind === "register" ? "register (type 4)" : "authenticate (type 2)",
      engineMedianMillis: round(engineMillis),
      pipelineMedianMillis: round(pipelineMillis),
      uploadMedianMillis: round(Load.median(input.jobs[kind].map((timing) => timing.uploadMillis))),
      overheadPercent: round(((pipelineMillis - engineMillis) / engineMillis) * 100),
      /** Medians of the server's own timestamps: upload -> processing started -> decision stored -> callback received. */
      pickUpMedianMillis: round(Load.median(timelines.map((timeline) => timeline.pickUpMillis))),
      processingMedianMillis: round(Load.median(timelines.map((timeline) => timeline.processingMillis))),
      deliveryMedianMillis: round(Load.median(timelines.map((timeline) => timeline.deliveryMillis))),
      engineSamplesMillis: input.engine[kind].map((sample) => round(sample.millis)),
      /** CPU (all threads): the engine alone in the benchmark process, and the server process per job (prep upload to callback). */
      engineCpuMedianMillis: round(engineCpuMillis),
      serverCpuMedianMillis: serverCpuMillis === undefined ? undefined : round(serverCpuMillis),
      cpuOverheadPercent: serverCpuMillis === undefined ? undefined : round(((serverCpuMillis - engineCpuMillis) / engineCpuMillis) * 100),
      pipelineSamplesMillis: timelines.map((timeline) => round(timeline.endToEndMillis)),
      putAnsweredToCallbackMedianMillis: round(Load.median(input.jobs[kind].map((timing) => timing.putAnsweredToCallbackMillis)))
    }
  })
  const measured = (result: Load.LoadResult) => ({
    perSecond: round(result.requestsPerSecond, 0),
    p50Millis: round(result.p50Millis, 2),
    p99Millis: round(result.p99Millis, 2),
    cpuMillisPerRequest: result.cpuMillisPerRequest === undefined ? undefined : round(result.cpuMillisPerRequest, 3)
  })
  const requests = input.load.filter((row) => row.target === "server").map((row) => {
    const baseline = input.load.find((other) =>
      other.target === "bare" && other.endpoint === row.endpoint && other.result.concurrency === row.result.concurrency
    )!.result
    return {
      endpoint: row.endpoint,
      clients: row.result.concurrency,
      requests: row.result.requests,
      failures: row.result.failures + baseline.failures,
      server: measured(row.result),
      bare: measured(baseline),
      throughputRatio: round(row.result.requestsPerSecond / baseline.requestsPerSecond, 3)
    }
  })
  const jobStatusAt100 = requests.find((row) => row.endpoint === "job_status" && row.clients === 100)
  const jobStatusRatio = jobStatusAt100?.throughputRatio ?? Number.NaN
  const worstOverhead = Math.max(...pipeline.map((row) => row.overheadPercent))
  const targets = {
    jobStatusThroughputRatio: { target: 0.5, measured: jobStatusRatio, met: jobStatusRatio >= 0.5 },
    pipelineOverheadPercent: { target: 25, measured: worstOverhead, met: worstOverhead <= 25 }
  }
  const results = {
    generatedAt: input.startedAt.toISOString(),
    machine: { ...input.machine, loadAverageAtEnd },
    setup: "server: apps/reference-server/dist/main.js --http on 127.0.0.1 (SQLite, encrypted filesystem blobs, FaceEngineHuman, durable pipeline); " +
      "bare: bench/bareServer.mjs (node:http, parses the body, answers the server's captured JSON); load: closed loop, keep-alive, in the benchmark process",
    resultCodes: input.codes,
    requests,
    pipeline,
    targets
  }

  const requestTable = Table.render<(typeof requests)[number]>([
    { header: "endpoint", cell: (row) => row.endpoint },
    { header: "clients", cell: (row) => String(row.clients) },
    { header: "server req/s", cell: (row) => String(row.server.perSecond) },
    { header: "server p50 / p99 ms", cell: (row) => `${row.server.p50Millis} / ${row.server.p99Millis}` },
    { header: "bare req/s", cell: (row) => String(row.bare.perSecond) },
    { header: "bare p50 / p99 ms", cell: (row) => `${row.bare.p50Millis} / ${row.bare.p99Millis}` },
    { header: "server / bare", cell: (row) => `${(row.throughputRatio * 100).toFixed(1)} %` },
    {
      header: "CPU ms/request server / bare",
      cell: (row) => `${row.server.cpuMillisPerRequest ?? "n/a"} / ${row.bare.cpuMillisPerRequest ?? "n/a"}`
    }
  ], requests, "")
  const spread = (values: ReadonlyArray<number>) => `${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))}`
  const pipelineTable = Table.render<(typeof pipeline)[number]>([
    { header: "job", cell: (row) => row.job },
    { header: "engine alone ms: median (min-max)", cell: (row) => `${row.engineMedianMillis} (${spread(row.engineSamplesMillis)})` },
    { header: "upload received -> callback ms: median (min-max)", cell: (row) => `${row.pipelineMedianMillis} (${spread(row.pipelineSamplesMillis)})` },
    { header: "overhead", cell: (row) => `${row.overheadPercent.toFixed(1)} %` },
    {
      header: "CPU ms: engine / server job (overhead)",
      cell: (row) =>
        row.serverCpuMedianMillis === undefined
          ? `${row.engineCpuMedianMillis} / n/a`
          : `${row.engineCpuMedianMillis} / ${row.serverCpuMedianMillis} (${row.cpuOverheadPercent?.toFixed(1)} %)`
    },
    { header: "pick-up / processing / delivery ms", cell: (row) => `${row.pickUpMedianMillis} / ${row.processingMedianMillis} / ${row.deliveryMedianMillis}` },
    { header: "zip PUT ms", cell: (row) => String(row.uploadMedianMillis) }
  ], pipeline, "")
  const verdict = (met: boolean) => (met ? "met" : "**missed**")
  const markdownTable = (text: string) => {
    const [header, _rule, ...rows] = text.split("\n")
    const cells = (line: string) => `| ${line.trim().split(/\s{2,}/).join(" | ")} |`
    return [cells(header ?? ""), `|${cells(header ?? "").split("|").slice(1, -1).map(() => "---").join("|")}|`, ...rows.map(cells)].join("\n")
  }

  log("")
  if (requests.length > 0) log(requestTable)
  log("")
  log(pipelineTable)
  log("")
  if (jobStatusAt100 !== undefined) {
    log(`job_status throughput at 100 clients: ${(jobStatusRatio * 100).toFixed(1)} % of the bare handler (target >= 50 %): ${targets.jobStatusThroughputRatio.met ? "met" : "MISSED"}`)
  }
  log(`pipeline overhead over the engine: at most ${worstOverhead.toFixed(1)} % (target <= 25 %): ${targets.pipelineOverheadPercent.met ? "met" : "MISSED"}`)
  if (partialRun) {
    log("partial run (--jobs, --rounds, --only or --cpu-prof): nothing written")
    return
  }
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true })
  fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`)
  log(`wrote ${path.relative(workspaceRoot, resultsFile)} and ${path.relative(workspaceRoot, docsFile)}`)

  const m = results.machine
  const previous = fs.existsSync(docsFile) ? fs.readFileSync(docsFile, "utf8") : ""
  const analysis = previous.includes(analysisMarker) ? previous.slice(previous.indexOf(analysisMarker)) : `${analysisMarker}\n`
  fs.writeFileSync(
    docsFile,
    [
      "# Reference server: measured results",
      "",
      `Generated by \`pnpm bench\` (apps/reference-server/bench/referenceServer.ts) on ${input.startedAt.toISOString().slice(0, 10)}: ` +
        `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}; load average ${m.loadAverageAtStart} at the start and ${m.loadAverageAtEnd} at the end ` +
        `(above ${m.cores} means other processes competed for the cores); an \`fsync\` on the data folder's disk took ${m.fsyncMillisMedian} ms (median of 50). ` +
        "Raw numbers: `bench-results/reference-server.json`.",
      "",
      "## Targets",
      "",
      "| target | measured | |",
      "|---|---|---|",
      `| job_status throughput at 100 clients ≥ 50 % of a bare node:http handler | ${(jobStatusRatio * 100).toFixed(1)} % | ${verdict(targets.jobStatusThroughputRatio.met)} |`,
      `| pipeline overhead (upload received -> callback sent) ≤ 25 % over the face engine's own time | ${worstOverhead.toFixed(1)} % (worst job type) | ${verdict(targets.pipelineOverheadPercent.met)} |`,
      "",
      "## Requests: the server against a bare handler",
      "",
      "The server runs as in production but over plain HTTP (`--http`) so that both sides speak the same protocol; SQLite store. " +
        "The bare handler is `node:http` in its own process that parses the JSON body and answers the JSON the server answered for the same endpoint, " +
        "with no signature check, no storage and no framework. Each client is a keep-alive connection sending requests one after another " +
        `(${loadPlan.map((plan) => `${plan.concurrency} client${plan.concurrency === 1 ? "" : "s"} x ${plan.requestsPerClient} requests after ${plan.warmUpPerClient} uncounted ones`).join(", ")}: ` +
        "the warm-up opens the connections and lets each process compile its hot paths; " +
        `${loadRounds} rounds alternating the sides, each side's round with the median throughput shown); ` +
        `the load generator shares the ${m.cores} cores with the process it measures. job_status reads a completed job and signs its answer; ` +
        "every prep_upload is a new user and job (signature check, user lookup, job insert, upload URL). " +
        "CPU per request is the measured process's user + system time (all its threads, from /proc, 10 ms ticks) over the measured requests.",
      "",
      markdownTable(requestTable),
      "",
      "## Jobs: the pipeline against the face engine",
      "",
      `The demo photos (selfie + 4 liveness frames; an authentication also reads the selfie on file), ${jobsPerType} jobs of each type one at a time after a warm-up job. ` +
        "Engine alone: `FaceEngineHuman.analyzeJob` on the same images in the benchmark process (the same default worker pool), " +
        "each run alternating with one of the server's jobs (the server idle meanwhile), so that changes in the machine's load hit both alike. " +
        "Pipeline: from the moment the server stored the upload (its own `uploaded_at` on the job; same machine clock) to the signed callback's arrival " +
        "at a local receiver (unpack, info.json, encrypted blob writes and reads, " +
        "the engine, the decision, the SQL result, the workflow journal, callback signing and delivery). " +
        "The split is the medians of the server's own timestamps on the job: upload stored -> processing started (pick-up by the workflow) -> " +
        "machine decision stored (processing, which contains the engine) -> callback received (applying the result, signing, delivery). " +
        "CPU: the benchmark process's CPU (all threads) during the engine alone, and the server process's CPU (all threads, from /proc) " +
        "from prep upload to callback; less sensitive than wall time to other processes competing for the cores.",
      "",
      markdownTable(pipelineTable),
      "",
      `Result codes of the measured jobs: ${[...new Set(input.codes)].join(", ")}.`,
      "",
      analysis
    ].join("\n")
  )
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
