/**
 * The `selfie-auth-server` command as a process: `--help`, configuration
 * mistakes, the first lines of output, and SIGTERM draining an in-flight
 * upload before the process exits 0.
 */
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as https from "node:https"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { facesDir } from "@selfie-auth/test-fixtures"
import { execFile } from "node:child_process"
import { describe, expect, it } from "vitest"
import { eventually } from "./console/Client.js"
import { jobZip, prepUploadBody } from "./support/Jobs.js"
import { defaultPartners, makeDataDir, postJson, writePartners } from "./support/TestServer.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const child = path.join(here, "support/child/ServerChild.ts")
const childTsconfig = path.join(here, "support/child/tsconfig.json")

/** Runs the official SDK client (see support/officialSdkClient.cjs) against `url`, trusting `certificateFile`. */
const runOfficialSdk = (url: string, certificateFile: string, steps: ReadonlyArray<unknown>): Promise<Array<any>> =>
  new Promise((resolve, reject) => {
    const input = JSON.stringify({ url: `${url}/v1`, partnerId: "001", apiKey: "test-api-key", steps })
    execFile(process.execPath, [path.join(here, "support", "officialSdkClient.cjs"), input], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certificateFile },
      timeout: 100_000
    }, (error, stdout, stderr) => (error !== null ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))))
  })

/** Reads and writes the SQLite workflow journal of a data folder while no server holds it. */
const journalOf = (dataDir: string) => {
  const run = <A>(query: (sql: SqlClient.SqlClient) => Effect.Effect<A, SqlError>) =>
    Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, query).pipe(
        Effect.provide(SqliteClient.layer({ filename: path.join(dataDir, "workflows.sqlite") }))
      )
    )
  return {
    run,
    counts: () =>
      run((sql) =>
        sql<{ jobs: number; pruned: number; messages: number }>`SELECT
          (SELECT COUNT(*) FROM pipeline_jobs) AS jobs,
          (SELECT COUNT(*) FROM pipeline_jobs WHERE pruned_at IS NOT NULL) AS pruned,
          (SELECT COUNT(*) FROM cluster_messages) AS messages`
      ).then(([row]) => row ?? { jobs: 0, pruned: 0, messages: 0 })
  }
}

interface Running {
  readonly lines: Array<string>
  readonly stderr: () => string
  readonly exited: Promise<number | null>
  readonly nextLine: () => Promise<string>
  readonly kill: (signal: NodeJS.Signals) => void
}

const startCommand = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Running => {
  // Node itself with tsx's loader (not the tsx CLI, which relays signals through a parent process).
  const process_ = spawn(process.execPath, ["--import", "tsx", child, ...args], {
    cwd: path.resolve(here, ".."),
    env: { ...process.env, TSX_TSCONFIG_PATH: childTsconfig, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const lines: Array<string> = []
  const waiting: Array<(line: string) => void> = []
  let buffered = ""
  let stderr = ""
  process_.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk
    let newline: number
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      const waiter = waiting.shift()
      if (waiter !== undefined) waiter(line)
      else lines.push(line)
    }
  })
  process_.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  return {
    lines,
    stderr: () => stderr,
    exited: new Promise((resolve) => process_.on("exit", (code) => resolve(code))),
    nextLine: () => {
      const line = lines.shift()
      return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve))
    },
    kill: (signal) => process_.kill(signal)
  }
}

describe("selfie-auth-server", () => {
  it("--help documents every option and exits 0", async () => {
    const command = startCommand(["--help"])
    expect(await command.exited).toBe(0)
    const help = command.lines.join("\n")
    for (const flag of ["--port", "--host", "--data", "--partners", "--http", "--cert", "--key", "--mode", "--public-url", "--max-upload-bytes", "--upload-url-ttl", "--journal-retention"]) {
      expect(help).toContain(flag)
    }
  })

  it("exits 2 on configuration mistakes, saying what to fix", async () => {
    const none = startCommand([])
    expect(await none.exited).toBe(2)
    expect(none.stderr()).toMatch(/--data \(or SELFIE_AUTH_DATA\) is required/)
    expect(none.stderr()).toMatch(/--partners \(or SELFIE_AUTH_PARTNERS\) is required/)

    const dataDir = makeDataDir()
    const partners = path.join(dataDir, "partners.json")
    fs.writeFileSync(partners, JSON.stringify([{ partnerId: "001", apiKey: "k" }]))
    const badPartners = startCommand(["--port", "0", "--data", dataDir, "--partners", partners])
    expect(await badPartners.exited).toBe(2)
    expect(badPartners.stderr()).toMatch(/partners file .*partners\.json: \[0\]\.callbackPolicy is required/)

    const reviewers = path.join(dataDir, "reviewers.json")
    fs.writeFileSync(reviewers, JSON.stringify([{ username: "alice", role: "root" }]))
    const badReviewers = startCommand(["--port", "0", "--data", dataDir, "--partners", writePartners(dataDir, defaultPartners), "--reviewers", reviewers])
    expect(await badReviewers.exited).toBe(2)
    expect(badReviewers.stderr()).toMatch(/reviewers file .*reviewers\.json: /)
  }, 30_000)

  it("the product serves the official SDK with the real engine: same person approved, another person rejected", async () => {
    const dataDir = makeDataDir()
    const command = startCommand(["--port", "0", "--data", dataDir, "--partners", writePartners(dataDir, defaultPartners)], {
      SELFIE_AUTH_TEST_PRODUCT: "1"
    })
    const url = (await command.nextLine()).slice("listening on ".length)
    const certificateFile = path.join(dataDir, "tls", "certificate.pem")
    const sdk = await runOfficialSdk(url, certificateFile, [
      { kind: "submit_job", partnerParams: { user_id: "obama", job_id: "reg", job_type: 4 }, images: [{ image_type_id: 0, image: path.join(facesDir, "obama1.jpg") }] },
      { kind: "submit_job", partnerParams: { user_id: "obama", job_id: "same", job_type: 2 }, images: [{ image_type_id: 0, image: path.join(facesDir, "obama2.jpg") }] },
      { kind: "submit_job", partnerParams: { user_id: "obama", job_id: "other", job_type: 2 }, images: [{ image_type_id: 0, image: path.join(facesDir, "biden.jpg") }] }
    ])
    expect(sdk.map((result) => [result.error, result.confirmed, result.value?.job_complete, result.value?.result?.ResultCode])).toEqual([
      [undefined, true, true, "0840"],
      [undefined, true, true, "0820"],
      [undefined, true, true, "0821"]
    ])
    expect(sdk.map((result) => result.value.job_success)).toEqual([true, true, false])
    command.kill("SIGTERM")
    expect(await command.exited).toBe(0)
    // Stores, the workflow journal and sealed blobs are in the data folder.
    expect(fs.readdirSync(dataDir)).toEqual(expect.arrayContaining(["stores.sqlite", "workflows.sqlite", "blobs", "upload-url.key"]))

    // Journal retention: once the three jobs started two days ago (their start times set back), a server started
    // with --journal-retention 1 prunes their journal, and job_status still answers from the job store.
    const journal = journalOf(dataDir)
    const before = await journal.counts()
    expect(before).toMatchObject({ jobs: 3, pruned: 0 })
    expect(before.messages).toBeGreaterThan(0)
    await journal.run((sql) => sql`UPDATE pipeline_jobs SET started_at = started_at - ${2 * 24 * 3600 * 1000}`)
    const restarted = startCommand(
      ["--port", "0", "--data", dataDir, "--partners", path.join(dataDir, "partners.json"), "--journal-retention", "1"],
      { SELFIE_AUTH_TEST_PRODUCT: "1" }
    )
    const restartedUrl = (await restarted.nextLine()).slice("listening on ".length)
    await eventually(() => /journal retention: pruned the journal of ended jobs/.test(restarted.stderr()) || undefined, 60_000)
    expect(restarted.stderr()).toMatch(/pruned=3/)
    const [status] = await runOfficialSdk(restartedUrl, certificateFile, [{ kind: "get_job_status", userId: "obama", jobId: "same" }])
    expect([status.confirmed, status.value?.job_complete, status.value?.result?.ResultCode]).toEqual([true, true, "0820"])
    restarted.kill("SIGTERM")
    expect(await restarted.exited).toBe(0)
    expect(await journal.counts()).toEqual({ jobs: 3, pruned: 3, messages: 0 })
  }, 180_000)

  it("prints `listening on <url>` first with the real port, then the certificate, and drains on SIGTERM", async () => {
    const dataDir = makeDataDir()
    const command = startCommand([], {
      SELFIE_AUTH_PORT: "0",
      SELFIE_AUTH_DATA: dataDir,
      SELFIE_AUTH_PARTNERS: writePartners(dataDir, defaultPartners)
    })
    const first = await command.nextLine()
    expect(first).toMatch(/^listening on https:\/\/127\.0\.0\.1:\d+$/)
    const url = first.slice("listening on ".length)
    const certificateFile = path.join(dataDir, "tls", "certificate.pem")
    expect(await command.nextLine()).toBe(`certificate ${certificateFile} (created now, self-signed)`)
    expect(await command.nextLine()).toBe(`trust it: NODE_EXTRA_CA_CERTS=${certificateFile} (Node), or pass it as the CA of your HTTP client`)
    const server = { url, ca: fs.readFileSync(certificateFile, "utf8") }

    const prep = (await postJson(server, "/v1/upload", prepUploadBody({ userId: "drain", jobId: "drain-1", jobType: 4 }))).json()
    const zip = jobZip({ userId: "drain", jobId: "drain-1", jobType: 4 })
    // Start the upload, send half the zip, then SIGTERM: the upload must still finish with 200.
    const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = https.request(prep.upload_url, {
        method: "PUT",
        ca: server.ca,
        headers: { "content-type": "application/zip", "content-length": String(zip.length) }
      }, (response) => {
        let body = ""
        response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }))
      })
      outgoing.on("error", reject)
      outgoing.write(zip.subarray(0, zip.length / 2))
      setTimeout(() => {
        command.kill("SIGTERM")
        setTimeout(() => outgoing.end(zip.subarray(zip.length / 2)), 300)
      }, 200)
    })
    const { status, body } = await reply
    expect(status).toBe(200)
    expect(body).toBe("")
    expect(await command.exited).toBe(0)
    expect(command.stderr()).toMatch(/SIGTERM: draining in-flight requests/)
    await expect(postJson(server, "/v1/upload", {})).rejects.toThrow(/ECONNREFUSED/)
  }, 30_000)

  it("reuses its certificate on the next start", async () => {
    const dataDir = makeDataDir()
    const env = { SELFIE_AUTH_PORT: "0", SELFIE_AUTH_DATA: dataDir, SELFIE_AUTH_PARTNERS: writePartners(dataDir, defaultPartners) }
    const first = startCommand([], env)
    await first.nextLine()
    expect(await first.nextLine()).toMatch(/\(created now, self-signed\)$/)
    first.kill("SIGTERM")
    expect(await first.exited).toBe(0)
    const second = startCommand([], env)
    await second.nextLine()
    expect(await second.nextLine()).toBe(`certificate ${path.join(dataDir, "tls", "certificate.pem")}`)
    second.kill("SIGINT")
    expect(await second.exited).toBe(0)
  }, 30_000)

  it("refuses a second process on the same data folder, saying why, while the first keeps serving; frees it on exit", async () => {
    const dataDir = makeDataDir()
    const env = {
      SELFIE_AUTH_TEST_PRODUCT: "1",
      SELFIE_AUTH_PORT: "0",
      SELFIE_AUTH_DATA: dataDir,
      SELFIE_AUTH_PARTNERS: writePartners(dataDir, defaultPartners)
    }
    const first = startCommand([], env)
    const url = (await first.nextLine()).slice("listening on ".length)
    const server = { url, ca: fs.readFileSync(path.join(dataDir, "tls", "certificate.pem"), "utf8") }

    const second = startCommand([], env)
    expect(await second.exited).toBe(1)
    expect(second.stderr()).toContain(
      `another selfie-auth-server process already runs the pipeline on the data folder ${dataDir}; ` +
        "the embedded workflow runner supports one process per data folder: stop the other process, " +
        "or give this one a data folder of its own (--data)"
    )
    expect(second.lines.some((line) => line.startsWith("listening on"))).toBe(false)

    const prep = await postJson(server, "/v1/upload", prepUploadBody({ userId: "lock", jobId: "lock-1", jobType: 4 }))
    expect(prep.status).toBe(200)
    first.kill("SIGTERM")
    expect(await first.exited).toBe(0)

    // The lock dies with its holder: the next process starts at once.
    const third = startCommand([], env)
    expect(await third.nextLine()).toMatch(/^listening on https:\/\//)
    third.kill("SIGTERM")
    expect(await third.exited).toBe(0)
  }, 60_000)
})
