/**
 * Packing benchmark: one job of 1 selfie + 8 liveness JPEGs (~200 KB each of
 * incompressible bytes behind a JPEG header), packed and signed
 *
 *   - by our client: check the images (JPEG sniffing), sign the request
 *     (`signNow`, node:crypto), build info.json (`JobPackage.entries`) and
 *     zip with `ZipCodecFflate` (stored entries, Node's native CRC-32);
 *   - by the official Node SDK's path, reproduced from smile-identity-core
 *     3.2.1's `web-api.js` with its own JSZip 3.10: `generate_signature`,
 *     `configureInfoJson`, then `zipUpFile` (`new JSZip()`, `zip.file("info.json",
 *     JSON.stringify(info))`, for each image `zip.file(basename, new Uint8Array(fileBuffer))`,
 *     `generateAsync({ type: "uint8array" })`).
 *
 * Both start from the image files already in memory (the SDK's
 * `fs.readFileSync` result, a Buffer) so that disk reads are not timed. The
 * SDK as shipped zips only image types 0/1 (its liveness frames are never
 * zipped, a known bug); to compare the same work, its path is given all 9
 * files. The as-shipped variant (selfie only) is reported too, for reference.
 *
 * Memory, relative to the job's image bytes: the peak growth of
 * `process.memoryUsage().arrayBuffers` while one pack runs (sampled every tick
 * and at its end, after a full GC), in steady state (median of 15 packs) and
 * for the first pack of a fresh process, where RSS growth is meaningful too
 * (in steady state RSS mostly reuses pages freed by earlier packs).
 *
 * Run: `pnpm bench` at the root (turbo builds the dependencies first), or
 * `cd packages/adapter-http && node --expose-gc --import tsx bench/pack.ts`.
 * Writes `bench-results/partner-client-pack.json` at the repository root.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { signNow } from "@selfie-auth/core"
import { Effect, Redacted } from "effect"
import * as JobPackage from "../src/JobPackage.js"
import { sniffImageType } from "../src/JobRequest.js"

const require = createRequire(import.meta.url)
const sdkRequire = createRequire(require.resolve("smile-identity-core"))
const JSZip = sdkRequire("jszip") as new () => {
  file(name: string, data: string | Uint8Array): void
  generateAsync(options: { type: "uint8array" }): Promise<Uint8Array>
}
const jszipVersion = (sdkRequire("jszip/package.json") as { version: string }).version
const { Signature: OfficialSignature } = require("smile-identity-core") as {
  Signature: new (partnerId: string, apiKey: string) => { generate_signature(timestamp?: string): { signature: string; timestamp: string } }
}

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const gc = (globalThis as { gc?: () => void }).gc

// ---------------------------------------------------------------------------
// The job

const jpeg = (size: number, seed: number): Buffer => {
  const out = Buffer.allocUnsafe(size)
  let state = seed >>> 0
  for (let index = 0; index < size; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    out[index] = state >>> 24
  }
  out.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46], 0)
  out.set([0xff, 0xd9], size - 2)
  return out
}

const files = [
  { path: "/home/partner/images/selfie.jpg", imageTypeId: 0, bytes: jpeg(200_000, 1) },
  ...Array.from({ length: 8 }, (_, index) => ({
    path: `/home/partner/images/liveness${index + 1}.jpg`,
    imageTypeId: 4,
    bytes: jpeg(200_000 + index * 1_024, index + 2)
  }))
]
const jobBytes = files.reduce((sum, file) => sum + file.bytes.length, 0)
const partnerId = "001"
const apiKey = "test-api-key"
const prepUploadAnswer = {
  upload_url: "https://smile-uploads-test.s3.us-west-2.amazonaws.com/videos/001/001-0000000042-abc/attachments.zip?X-Amz-Signature=x",
  ref_id: "ref-42",
  smile_job_id: "0000000042",
  camera_config: "null",
  code: "2202"
}
const partnerParams = { user_id: "user-001", job_id: "job-001", job_type: 4 }

// ---------------------------------------------------------------------------
// Our client's path

const codec = ZipCodecFflate.make()
const ours = (): Promise<Uint8Array> =>
  Effect.runPromise(
    Effect.gen(function*() {
      const { timestamp } = yield* signNow({ partnerId, apiKey: Redacted.make(apiKey) })
      const [selfie, ...frames] = files.map((file, index) => {
        const extension = sniffImageType(file.bytes)
        if (extension === undefined) throw new Error(`file ${index} is not a JPEG`)
        return { field: `image ${index}`, bytes: file.bytes, extension }
      })
      const entries = JobPackage.entries({
        info: { partnerId, partnerParams, timestamp, callbackUrl: "https://partner.example/callback", serverInformation: prepUploadAnswer },
        selfie: selfie!,
        livenessFrames: frames
      })
      return yield* codec.pack(entries)
    }).pipe(Effect.provide(SignerNode.layer))
  )

// ---------------------------------------------------------------------------
// The official SDK's path (smile-identity-core 3.2.1, web-api.js)

const officialPath = (zipTypes: ReadonlyArray<number>) => async (): Promise<Uint8Array> => {
  const timestamp = new Date().toISOString()
  const { signature } = new OfficialSignature(partnerId, apiKey).generate_signature(timestamp)
  const info = {
    package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: "javascript" },
    misc_information: {
      signature: undefined,
      retry: "false",
      partner_params: partnerParams,
      timestamp,
      file_name: "selfie.zip",
      smile_client_id: partnerId,
      callback_url: "https://partner.example/callback",
      userData: { isVerifiedProcess: false, name: "", fbUserID: "", firstName: "Bill", lastName: "", gender: "", email: "", phone: "", countryCode: "+", countryName: "" }
    },
    id_info: { entered: "false" },
    images: files.map((file) =>
      [0, 1].includes(file.imageTypeId)
        ? { image_type_id: file.imageTypeId, image: "", file_name: path.basename(file.path) }
        : { image_type_id: file.imageTypeId, image: file.path, file_name: "" }
    ),
    server_information: prepUploadAnswer
  }
  void signature // sent in the prep upload body, not in info.json
  const zip = new JSZip()
  zip.file("info.json", JSON.stringify(info))
  for (const file of files.filter((candidate) => zipTypes.includes(candidate.imageTypeId))) {
    zip.file(path.basename(file.path), new Uint8Array(file.bytes)) // the SDK copies each readFileSync Buffer
  }
  return zip.generateAsync({ type: "uint8array" })
}
const officialAllFiles = officialPath([0, 1, 4])
const officialAsShipped = officialPath([0, 1])

// ---------------------------------------------------------------------------
// Measuring

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const percentile = (values: ReadonlyArray<number>, p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))]!

interface Timing {
  readonly medianMs: number
  readonly p90Ms: number
  readonly minMs: number
  readonly runs: number
  readonly zipBytes: number
}

const time = async (run: () => Promise<Uint8Array>, runs: number): Promise<Timing> => {
  let zipBytes = 0
  for (let warmup = 0; warmup < 20; warmup++) zipBytes = (await run()).length
  const samples: Array<number> = []
  for (let index = 0; index < runs; index++) {
    const start = performance.now()
    await run()
    samples.push(performance.now() - start)
  }
  return { medianMs: median(samples), p90Ms: percentile(samples, 0.9), minMs: Math.min(...samples), runs, zipBytes }
}

interface Memory {
  /** Steady state: peak growth of `arrayBuffers` during one pack after a full GC, median of 15 packs in this process. */
  readonly steadyPeakArrayBuffersBytes: number
  /** First pack in a fresh process (one per contender): peak growth of `arrayBuffers` and of RSS over the baseline. */
  readonly freshPeakArrayBuffersBytes: number
  readonly freshPeakRssBytes: number
  readonly steadyPeakArrayBuffersRatio: number
  readonly freshPeakArrayBuffersRatio: number
  readonly freshPeakRssRatio: number
}

/** Peak growth over the baseline while `run` packs once, sampled every tick and at the end. */
const peakGrowth = async (run: () => Promise<Uint8Array>) => {
  gc?.()
  const before = process.memoryUsage()
  let arrayBuffers = 0
  let rss = 0
  const sample = () => {
    const now = process.memoryUsage()
    arrayBuffers = Math.max(arrayBuffers, now.arrayBuffers - before.arrayBuffers)
    rss = Math.max(rss, now.rss - before.rss)
  }
  const sampler = setInterval(sample, 0)
  const zip = await run()
  sample()
  clearInterval(sampler)
  void zip.length
  return { arrayBuffers, rss }
}

/** Measures one contender's first pack in a fresh Node process (this file, `--memory=<index>`). */
const freshProcessGrowth = (index: number): { arrayBuffers: number; rss: number } => {
  const output = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--memory=${index}`], {
    encoding: "utf8"
  })
  return JSON.parse(output.trim().split("\n").at(-1)!) as { arrayBuffers: number; rss: number }
}

const memory = async (run: () => Promise<Uint8Array>, index: number): Promise<Memory> => {
  const steady: Array<number> = []
  for (let repeat = 0; repeat < 15; repeat++) steady.push((await peakGrowth(run)).arrayBuffers)
  const fresh = freshProcessGrowth(index)
  const steadyPeakArrayBuffersBytes = median(steady)
  return {
    steadyPeakArrayBuffersBytes,
    freshPeakArrayBuffersBytes: fresh.arrayBuffers,
    freshPeakRssBytes: fresh.rss,
    steadyPeakArrayBuffersRatio: steadyPeakArrayBuffersBytes / jobBytes,
    freshPeakArrayBuffersRatio: fresh.arrayBuffers / jobBytes,
    freshPeakRssRatio: fresh.rss / jobBytes
  }
}

const main = async () => {
  const runs = Number(process.env["BENCH_RUNS"] ?? 200)
  const rounds = 3
  const results: Record<string, { timing: Timing; memory: Memory }> = {}
  const contenders = [
    ["ours: SmartSelfie pack + sign (ZipCodecFflate, native CRC-32)", ours],
    ["official Node SDK path, all 9 files (JSZip " + jszipVersion + ")", officialAllFiles],
    ["official Node SDK as shipped: selfie only (its liveness bug)", officialAsShipped]
  ] as const

  // interleaved rounds, so both sides see the same machine state
  const timings = new Map<string, Array<Timing>>()
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of contenders) {
      timings.set(name, [...(timings.get(name) ?? []), await time(run, runs)])
    }
  }
  for (const [index, [name, run]] of contenders.entries()) {
    const all = timings.get(name)!
    const best = all.reduce((a, b) => (a.medianMs <= b.medianMs ? a : b))
    results[name] = { timing: { ...best, medianMs: median(all.map((t) => t.medianMs)) }, memory: await memory(run, index) }
  }

  const oursResult = results[contenders[0][0]]!
  const officialResult = results[contenders[1][0]]!
  const speedup = officialResult.timing.medianMs / oursResult.timing.medianMs
  const speedupOfFastestRuns = officialResult.timing.minMs / oursResult.timing.minMs
  const targets = {
    packingSpeedupAtLeast: 5,
    peakMemoryAtMostJobBytesTimes: 2
  }
  const verdict = {
    speedup,
    speedupOfFastestRuns,
    speedupMet: speedup >= targets.packingSpeedupAtLeast,
    oursSteadyPeakArrayBuffersRatio: oursResult.memory.steadyPeakArrayBuffersRatio,
    oursFreshPeakArrayBuffersRatio: oursResult.memory.freshPeakArrayBuffersRatio,
    oursFreshPeakRssRatio: oursResult.memory.freshPeakRssRatio,
    memoryMet: Math.max(
      oursResult.memory.steadyPeakArrayBuffersRatio,
      oursResult.memory.freshPeakArrayBuffersRatio,
      oursResult.memory.freshPeakRssRatio
    ) <= targets.peakMemoryAtMostJobBytesTimes
  }

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`
  const rows = Object.entries(results).map(([name, { memory: m, timing: t }]) => ({
    contender: name,
    "median ms": t.medianMs.toFixed(2),
    "p90 ms": t.p90Ms.toFixed(2),
    "min ms": t.minMs.toFixed(2),
    zip: kb(t.zipBytes),
    "arrayBuffers, steady": `${m.steadyPeakArrayBuffersRatio.toFixed(2)}x`,
    "arrayBuffers, fresh": `${m.freshPeakArrayBuffersRatio.toFixed(2)}x`,
    "RSS, fresh": `${m.freshPeakRssRatio.toFixed(2)}x`
  }))
  console.log(`\nPack + sign one job: 1 selfie + 8 liveness JPEGs, ${kb(jobBytes)} of images; ${runs} runs x ${rounds} rounds, Node ${process.version}${gc === undefined ? " (no --expose-gc: memory figures include garbage)" : ""}\n`)
  console.table(rows)
  console.log(
    `\nours vs the official SDK's path (same 9 files): ${speedup.toFixed(1)}x faster by median, ${speedupOfFastestRuns.toFixed(1)}x by fastest run ` +
      `(target >= ${targets.packingSpeedupAtLeast}x on the median: ${verdict.speedupMet ? "met" : "MISSED"})`
  )
  console.log(
    `our peak memory growth per pack, in multiples of the job's ${kb(jobBytes)}: arrayBuffers ${verdict.oursSteadyPeakArrayBuffersRatio.toFixed(2)}x steady, ` +
      `${verdict.oursFreshPeakArrayBuffersRatio.toFixed(2)}x in a fresh process; RSS ${verdict.oursFreshPeakRssRatio.toFixed(2)}x in a fresh process ` +
      `(target <= ${targets.peakMemoryAtMostJobBytesTimes}x: ${verdict.memoryMet ? "met" : "MISSED"})\n`
  )

  const output = path.join(repositoryRoot, "bench-results", "partner-client-pack.json")
  fs.mkdirSync(path.dirname(output), { recursive: true })
  fs.writeFileSync(
    output,
    JSON.stringify(
      {
        benchmark: "partner client: pack + sign one SmartSelfie job",
        date: new Date().toISOString(),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        exposeGc: gc !== undefined,
        job: { images: files.length, imageBytes: jobBytes },
        runsPerRound: runs,
        rounds,
        results,
        targets,
        verdict
      },
      null,
      2
    ) + "\n"
  )
  console.log(`results written to ${path.relative(process.cwd(), output)}`)
}

const memoryArgument = process.argv.find((argument) => argument.startsWith("--memory="))
if (memoryArgument === undefined) {
  await main()
} else {
  const runners = [ours, officialAllFiles, officialAsShipped]
  const run = runners[Number(memoryArgument.slice("--memory=".length))]!
  console.log(JSON.stringify(await peakGrowth(run)))
}
