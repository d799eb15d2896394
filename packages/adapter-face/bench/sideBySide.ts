/**
 * `pnpm bench:face:side-by-side --baseline DIR`: this build of the face engine
 * against another build of it, in one run, on the same images.
 *
 * On a shared machine two benchmark runs minutes apart differ by more than most
 * changes do, so a change to the engine is judged here instead: one worker of
 * each build, the images sent one at a time and alternately (which build goes
 * first flips every image), so both see the same machine at the same moments.
 * Reports each build's round-trip p50 and CPU per image, their ratio, and how
 * many images got identical measurements from both (a change meant to keep the
 * output must show all of them).
 *
 * The baseline is another checkout's built adapter-face, e.g.:
 *   git worktree add ../baseline <rev> && cd ../baseline && pnpm install --offline \
 *     && pnpm --filter @selfie-auth/adapter-face... build
 *   pnpm bench:face:side-by-side --baseline ../baseline/packages/adapter-face
 *
 * Reads `../shared/faces` beside the repository, or `--dataset DIR` (a folder
 * with `labels.tsv` and `images/`). Writes `bench-results/face-engine-side-by-side.json`.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { Effect } from "effect"
import * as FaceEngineHuman from "../dist/FaceEngineHuman.js"
import { fromWhereTyped, openDataset, repoRoot } from "./Dataset.js"
import { percentile } from "./Stats.js"

// pnpm passes a `--` separator through to the script; it is not an argument.
const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    baseline: { type: "string" },
    dataset: { type: "string" },
    passes: { type: "string", default: "2" }
  }
})
const { labels, readImage } = openDataset(args.dataset, "bench:face:side-by-side")
const baselineScript = args.baseline === undefined
  ? undefined
  : path.join(fromWhereTyped(args.baseline), "dist", "FaceEngineHuman.js")
if (baselineScript === undefined || !fs.existsSync(baselineScript)) {
  console.log(
    "bench:face:side-by-side: pass --baseline DIR, the adapter-face folder of another built checkout" +
      (baselineScript === undefined ? "" : ` (no ${baselineScript}: build it first)`)
  )
  process.exit(2)
}
const passes = Number(args.passes)

const images = labels.map((label) => readImage(label.file))

interface Sample {
  readonly wallMs: Array<number>
  readonly cpuMs: Array<number>
}

/** The p50 as `pnpm bench:face` reports it. */
const median = (values: ReadonlyArray<number>) => percentile(values, 0.5)
const sum = (values: ReadonlyArray<number>) => values.reduce((total, value) => total + value, 0)
const round = (value: number, digits = 1) => Number(value.toFixed(digits))

const main = Effect.gen(function*() {
  const Baseline = (yield* Effect.promise(() => import(pathToFileURL(baselineScript).href))) as typeof FaceEngineHuman
  const builds = [
    { name: "baseline", engine: yield* Baseline.make({ workers: 1 }), sample: { wallMs: [], cpuMs: [] } as Sample },
    { name: "this build", engine: yield* FaceEngineHuman.make({ workers: 1 }), sample: { wallMs: [], cpuMs: [] } as Sample }
  ] as const
  // First inferences are slower; neither build is measured on them.
  for (const build of builds) for (const image of images.slice(0, 3)) yield* build.engine.measure(image)

  let identical = 0
  const loadAtStart = os.loadavg()[0] ?? 0
  for (let pass = 0; pass < passes; pass++) {
    for (const [index, image] of images.entries()) {
      const order = (index + pass) % 2 === 0 ? builds : [builds[1], builds[0]] as const
      const outputs: Array<string> = []
      for (const build of order) {
        const cpuBefore = process.cpuUsage()
        const started = performance.now()
        const measured = yield* build.engine.measure(image)
        build.sample.wallMs.push(performance.now() - started)
        const cpu = process.cpuUsage(cpuBefore)
        build.sample.cpuMs.push((cpu.user + cpu.system) / 1000)
        outputs.push(JSON.stringify({ ...measured, elapsedMs: 0 }))
      }
      if (outputs[0] === outputs[1]) identical++
    }
  }
  const [baseline, current] = builds
  const rows = builds.map((build) => ({
    build: build.name,
    "round trip p50 ms": round(median(build.sample.wallMs)),
    "CPU p50 ms": round(median(build.sample.cpuMs)),
    "CPU total ms": Math.round(sum(build.sample.cpuMs))
  }))
  const result = {
    generatedAt: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, node: process.version },
    loadAverage: { start: round(loadAtStart, 2), end: round(os.loadavg()[0] ?? 0, 2) },
    baseline: baselineScript,
    imagesPerBuild: current.sample.wallMs.length,
    identicalMeasurements: identical,
    builds: rows,
    ratios: {
      roundTripP50: round(median(current.sample.wallMs) / median(baseline.sample.wallMs), 3),
      cpuTotal: round(sum(current.sample.cpuMs) / sum(baseline.sample.cpuMs), 3)
    }
  }
  console.table(rows)
  console.log(
    `this build / baseline: round trip p50 ${result.ratios.roundTripP50}, CPU ${result.ratios.cpuTotal}; ` +
      `identical measurements on ${identical} of ${result.imagesPerBuild} images; load average ${result.loadAverage.start} -> ${result.loadAverage.end}`
  )
  const out = path.join(repoRoot, "bench-results", "face-engine-side-by-side.json")
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n")
  console.log(`wrote ${path.relative(repoRoot, out)}`)
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
