/**
 * A small closed-loop load generator: `concurrency` clients, each sending
 * `warmUpPerClient` requests that are not counted (they open the connections
 * and let the measured process compile its hot paths), then
 * `requestsPerClient` requests one after the other over its own keep-alive
 * connection, every latency recorded. Bounded by the request count, never
 * by wall time, so a slow server makes the run longer, not the sample smaller.
 */
import * as fs from "node:fs"
import * as http from "node:http"

/** One JSON POST over a keep-alive agent; resolves with the status and body once the whole answer is read. */
export const postJson = (agent: http.Agent, url: URL, body: string): Promise<{ readonly status: number; readonly body: string }> =>
  new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }))
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end(body)
  })

export interface LoadResult {
  readonly concurrency: number
  readonly requests: number
  /** Answers other than the expected status. */
  readonly failures: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly p50Millis: number
  readonly p99Millis: number
  /** CPU time the measured process spent per request (user + system), when `cpuMillis` was given. */
  readonly cpuMillisPerRequest: number | undefined
}

/**
 * CPU time (user + system, all threads) a process has used so far, in
 * milliseconds, from `/proc/<pid>/stat` (Linux; `undefined` elsewhere).
 * Clock ticks are taken as 100 per second, Linux's value on every common
 * architecture, so the resolution is 10 ms: measure over many requests.
 */
export const processCpuMillis = (pid: number): number | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** The `p` quantile (0..1) of sorted values, nearest rank. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN

export const median = (values: ReadonlyArray<number>): number => percentile([...values].sort((a, b) => a - b), 0.5)

/**
 * Runs the load: `body()` makes each request's body (signed afresh), the
 * answer must have `expectStatus`. The warm-up runs first, with the same
 * concurrency, and is not counted.
 */
export const run = async (options: {
  readonly url: URL
  readonly concurrency: number
  /** Requests per client before the measured ones (at least one: it opens the connection). */
  readonly warmUpPerClient: number
  readonly requestsPerClient: number
  readonly body: () => string
  readonly expectStatus: number
  /** The measured process's CPU so far (see {@link processCpuMillis}). */
  readonly cpuMillis?: () => number | undefined
}): Promise<LoadResult> => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency })
  try {
    const once = async (record: Array<number> | undefined) => {
      const started = performance.now()
      const answer = await postJson(agent, options.url, options.body())
      record?.push(performance.now() - started)
      return answer.status === options.expectStatus
    }
    const warmUp = async () => {
      for (let index = 0; index < Math.max(1, options.warmUpPerClient); index++) await once(undefined)
    }
    await Promise.all(Array.from({ length: options.concurrency }, warmUp))

    const latencies: Array<number> = []
    let failures = 0
    const client = async () => {
      for (let index = 0; index < options.requestsPerClient; index++) {
        if (!(await once(latencies))) failures++
      }
    }
    const cpuBefore = options.cpuMillis?.()
    const started = performance.now()
    await Promise.all(Array.from({ length: options.concurrency }, client))
    const seconds = (performance.now() - started) / 1000
    const cpuAfter = options.cpuMillis?.()
    latencies.sort((a, b) => a - b)
    return {
      concurrency: options.concurrency,
      requests: latencies.length,
      failures,
      seconds,
      requestsPerSecond: latencies.length / seconds,
      p50Millis: percentile(latencies, 0.5),
      p99Millis: percentile(latencies, 0.99),
      cpuMillisPerRequest: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / latencies.length
    }
  } finally {
    agent.destroy()
  }
}
