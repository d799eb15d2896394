/**
 * Starts the real server (TLS, routes, handlers) in-process on port 0 over
 * memory stores, the real zip codec and the scripted pipeline, and talks to
 * it over HTTPS trusting only the certificate the server made.
 */
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { BlobStore, CallbackSender, DeliveryLog, IdGenerator, JobStore, ReviewQueue, UserStore } from "@selfie-auth/core"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import * as fs from "node:fs"
import * as https from "node:https"
import * as os from "node:os"
import * as path from "node:path"
import { ReviewAudit } from "../../src/console/ReviewAudit.js"
import * as Listener from "../../src/Listener.js"
import * as Server from "../../src/Server.js"
import type { ServerConfig } from "../../src/ServerConfig.js"
import * as ScriptedPipeline from "./ScriptedPipeline.js"

/** The partner of the captured official-SDK traffic. */
export const capturedPartner = { partnerId: "001", apiKey: "test-api-key" } as const

export interface PartnerEntry {
  readonly partnerId: string
  readonly apiKey: string
  readonly callbackPolicy: "public-only" | "local-evaluation"
  readonly products?: { readonly authentication: boolean; readonly registration: boolean }
  readonly productionEnabled?: boolean
  readonly signatureWindow?: { readonly pastSeconds: number; readonly futureSeconds: number }
}

export const defaultPartners: ReadonlyArray<PartnerEntry> = [
  { ...capturedPartner, callbackPolicy: "local-evaluation" },
  { partnerId: "002", apiKey: "second-partner-key", callbackPolicy: "public-only" }
]

/** The services a test can reach into (seed users, read jobs). */
export type Backend = UserStore | JobStore | BlobStore | IdGenerator

export interface TestServer {
  readonly url: string
  readonly dataDir: string
  readonly certificateFile: string
  readonly ca: string
  readonly running: Server.RunningServer
  /** Runs an effect against the server's own stores. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Backend>) => Promise<A>
  readonly close: () => Promise<void>
}

export const makeDataDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-server-"))

export const writePartners = (dir: string, partners: ReadonlyArray<PartnerEntry>): string => {
  const file = path.join(dir, "partners.json")
  fs.writeFileSync(file, JSON.stringify(partners))
  return file
}

export const startTestServer = async (options: {
  readonly partners?: ReadonlyArray<PartnerEntry>
  readonly config?: Partial<ServerConfig>
  readonly dataDir?: string
  /** Replaces the memory JobStore (e.g. with one that fails). */
  readonly jobStore?: Layer.Layer<JobStore>
} = {}): Promise<TestServer> => {
  const dataDir = options.dataDir ?? makeDataDir()
  const config: ServerConfig = {
    port: 0,
    host: "127.0.0.1",
    dataDir,
    partnersFile: writePartners(dataDir, options.partners ?? defaultPartners),
    tls: { _tag: "SelfSigned" },
    mode: "sandbox",
    publicUrl: undefined,
    maxUploadBytes: 20 * 1024 * 1024,
    uploadUrlTtlSeconds: 3600,
    blobKey: undefined,
    console: { reviewersFile: undefined, sessionTtlSeconds: 3600 },
    ...options.config
  }
  const stores = Layer.mergeAll(
    UserStore.layerMemory,
    options.jobStore ?? JobStore.layerMemory,
    BlobStore.layerMemory,
    IdGenerator.layerMemory,
    ReviewQueue.layerMemory,
    ReviewAudit.layerMemory,
    DeliveryLog.layerMemory,
    CallbackSender.layerMemory()
  )
  const backend = Layer.mergeAll(ScriptedPipeline.layer, ZipCodecFflate.layer()).pipe(Layer.provideMerge(stores))
  const scope = Effect.runSync(Scope.make())
  const built = await Effect.runPromise(
    Effect.gen(function*() {
      const context = yield* Layer.build(backend)
      const running = yield* Server.start(config, () => Layer.succeedContext(context))
      return { context, running }
    }).pipe(Scope.extend(scope))
  )
  const certificateFile = built.running.certificateFile ?? ""
  return {
    url: built.running.url,
    dataDir,
    certificateFile,
    ca: certificateFile === "" ? "" : fs.readFileSync(certificateFile, "utf8"),
    running: built.running,
    run: (effect) => Effect.runPromise(Effect.provide(effect, built.context as Context.Context<Backend>)),
    close: async () => {
      await Effect.runPromise(Listener.drain(built.running.server, 2000))
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }
}

export interface Reply {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly text: string
  readonly json: () => any
}

/** One HTTPS request that trusts only `ca`. */
export const request = (
  ca: string,
  method: string,
  url: string,
  body?: string | Uint8Array,
  headers: Record<string, string> = {}
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const outgoing = https.request(url, { method, ca, headers: { ...headers, ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) } }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: () => JSON.parse(text) })
      })
      response.on("error", reject)
    })
    outgoing.on("error", reject)
    if (body !== undefined) outgoing.write(body)
    outgoing.end()
  })

/** POSTs JSON. */
export const postJson = (server: { readonly ca: string; readonly url: string }, route: string, body: unknown) =>
  request(server.ca, "POST", `${server.url}${route}`, typeof body === "string" ? body : JSON.stringify(body), {
    "content-type": "application/json"
  })
