/**
 * The reference server started by its own `Server.start` (data folder,
 * partners and reviewers files, self-signed TLS, the v1 API, the review
 * console and the admin API), over: memory stores, the real zip codec, the
 * real durable pipeline (`JobPipelineWorkflow` on SQLite in the data folder,
 * `PipelineStepsLive`), signed callbacks over real HTTP
 * (`CallbackSenderHttp`) to a local node:http receiver, and a scripted face
 * engine (findings chosen by the test; no model is loaded).
 */
import { CallbackSenderHttp, OutboundPolicy } from "@selfie-auth/adapter-callback"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { BlobStore, Decision, DeliveryLog, FaceEngine, IdGenerator, Ids, JobStore, ReviewQueue, UserStore, ZipCodec } from "@selfie-auth/core"
import type { AnalyzeJobInput, Findings } from "@selfie-auth/core"
import { Context, Duration, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { ReviewAudit } from "../../src/console/ReviewAudit.js"
import * as Password from "../../src/console/Password.js"
import type { Reviewer } from "../../src/console/ConsoleConfig.js"
import * as Listener from "../../src/Listener.js"
import { JobPipeline, JobPipelineWorkflow, PipelineStepsLive } from "../../src/pipeline/index.js"
import * as Server from "../../src/Server.js"

export const partnerEntries = [
  { partnerId: "001", apiKey: "test-api-key", callbackPolicy: "local-evaluation" },
  { partnerId: "002", apiKey: "second-partner-key", callbackPolicy: "local-evaluation" }
] as const

export const apiKeyOf = (partnerId: string) => partnerEntries.find((entry) => entry.partnerId === partnerId)?.apiKey

/** The console users of these tests (password = `<username>-password`). */
export const reviewerEntries: ReadonlyArray<Omit<Reviewer, "passwordHash">> = [
  { username: "alice", role: "reviewer", partners: [Ids.PartnerId.make("001")] },
  { username: "olu", role: "admin", partners: [Ids.PartnerId.make("001"), Ids.PartnerId.make("002")] },
  { username: "bob", role: "reviewer", partners: [Ids.PartnerId.make("002")] }
]
export const passwordOf = (username: string) => `${username}-password`

const face = (score: number): Findings.ImageFindings => ({
  width: 640,
  height: 480,
  faceCount: 1,
  face: { box: { x: 200, y: 110, width: 230, height: 260 }, score, pose: { yaw: 4, pitch: 2, roll: 1 }, descriptor: [] },
  brightness: 0.52,
  sharpness: 180,
  problems: []
})

/**
 * What the scripted engine says: a registration is clear; an authentication
 * is unsure (distance 0.6, inside the default unsure band [0.58, 0.62)), so
 * the policy sends it to a reviewer as 0825.
 */
export const scriptedFindings = (input: AnalyzeJobInput): Findings.JobFindings => ({
  selfie: face(0.98),
  liveness: {
    framesProvided: input.livenessFrames.length,
    framesUsable: input.livenessFrames.length,
    framesMatchingSelfie: input.livenessFrames.length,
    poseRange: { yaw: 24, pitch: 11 }
  },
  spoofSuspicion: "none",
  ...(input.registeredSelfie === undefined ? {} : { comparison: { distance: 0.6, confidence: 61 } })
})

/** A partner's callback endpoint: every POST body it received, answered 200. */
export interface CallbackReceiver {
  readonly url: string
  readonly received: Array<{ readonly headers: http.IncomingHttpHeaders; readonly body: any }>
  readonly close: () => Promise<void>
}

export const startCallbackReceiver = async (): Promise<CallbackReceiver> => {
  const received: CallbackReceiver["received"] = []
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) })
      response.writeHead(200, { "content-type": "text/plain" }).end("ok")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/smile-callback`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

export type ConsoleBackend = UserStore | JobStore | BlobStore | ReviewQueue | ReviewAudit | JobPipeline | ZipCodec

export interface ConsoleServer {
  readonly url: string
  readonly ca: string
  readonly dataDir: string
  readonly run: <A, E>(effect: Effect.Effect<A, E, ConsoleBackend>) => Promise<A>
  readonly close: () => Promise<void>
}

export const startConsoleServer = async (
  options: { readonly sessionTtlSeconds?: number; readonly maxJsonBytes?: number } = {}
): Promise<ConsoleServer> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "selfie-auth-console-"))
  const partnersFile = path.join(dataDir, "partners.json")
  fs.writeFileSync(partnersFile, JSON.stringify(partnerEntries))
  // Cheap hashes (2^10) keep sign-in fast in tests; the product's default is 2^15.
  const reviewers: Array<Record<string, unknown>> = []
  for (const entry of reviewerEntries) {
    const passwordHash = await Effect.runPromise(Password.hashPassword(passwordOf(entry.username), { logN: 10, r: 8, p: 1 }))
    reviewers.push({ ...entry, passwordHash })
  }
  const reviewersFile = path.join(dataDir, "reviewers.json")
  fs.writeFileSync(reviewersFile, JSON.stringify(reviewers))

  const engine = FaceEngine.layerMemory({ images: new Map(), job: scriptedFindings })
  const signedCallbacks = CallbackSenderHttp.layer({
    policy: OutboundPolicy.localEvaluation,
    timeout: Duration.seconds(5),
    apiKeysFor: (partnerId) => Effect.succeed(apiKeyOf(partnerId) === undefined ? [] : [Redacted.make(apiKeyOf(partnerId) ?? "")])
  }).pipe(Layer.provide(SignerNode.layer))
  const ports = Layer.mergeAll(
    JobStore.layerMemory,
    UserStore.layerMemory,
    BlobStore.layerMemory,
    IdGenerator.layerMemory,
    ZipCodecFflate.layer(),
    engine,
    ReviewQueue.layerMemory,
    ReviewAudit.layerMemory,
    DeliveryLog.layerMemory,
    signedCallbacks,
    SignerNode.layer
  )
  const backend = JobPipelineWorkflow.layer({
    storage: { _tag: "Sqlite", dataDirectory: dataDir },
    timing: { callbackRetryDelays: ["200 millis", "1 second"], stepRetryDelays: ["200 millis"], inMemoryThreshold: Duration.zero }
  }).pipe(
    Layer.provide(PipelineStepsLive.layer({
      thresholds: Decision.defaultThresholds,
      apiKeyOf: (partnerId) => Effect.succeed(Option.map(Option.fromNullable(apiKeyOf(partnerId)), Redacted.make))
    })),
    Layer.provideMerge(ports)
  )

  const scope = Effect.runSync(Scope.make())
  const built = await Effect.runPromise(
    Effect.gen(function*() {
      const context = yield* Layer.build(backend)
      const running = yield* Server.start({
        port: 0,
        host: "127.0.0.1",
        dataDir,
        partnersFile,
        tls: { _tag: "SelfSigned" },
        mode: "sandbox",
        publicUrl: undefined,
        maxUploadBytes: 20 * 1024 * 1024,
        uploadUrlTtlSeconds: 3600,
        maxJsonBytes: options.maxJsonBytes,
        blobKey: undefined,
        console: { reviewersFile, sessionTtlSeconds: options.sessionTtlSeconds ?? 3600 }
      }, () => Layer.succeedContext(context))
      return { context, running }
    }).pipe(Scope.extend(scope))
  )
  return {
    url: built.running.url,
    ca: fs.readFileSync(built.running.certificateFile ?? "", "utf8"),
    dataDir,
    run: (effect) => Effect.runPromise(Effect.provide(effect, built.context as Context.Context<ConsoleBackend>)),
    close: async () => {
      await Effect.runPromise(Listener.drain(built.running.server, 2000))
      await Effect.runPromise(Scope.close(scope, Exit.void))
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** A v1 job zip like the official Node SDK's: info.json, the selfie and the liveness frames as files. */
export const jobZip = (options: {
  readonly userId: string
  readonly jobId: string
  readonly jobType: 2 | 4
  readonly selfie: Uint8Array
  readonly liveness?: ReadonlyArray<Uint8Array>
}) => {
  const liveness = options.liveness ?? []
  const info = {
    package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: "javascript" },
    misc_information: {
      retry: "false",
      partner_params: { user_id: options.userId, job_id: options.jobId, job_type: options.jobType },
      timestamp: new Date().toISOString(),
      file_name: "selfie.zip",
      smile_client_id: "001",
      callback_url: ""
    },
    id_info: { entered: "false" },
    images: [
      { image_type_id: 0, image: "", file_name: "selfie.jpg" },
      ...liveness.map((_, index) => ({ image_type_id: 4, image: "", file_name: `liveness-${index + 1}.jpg` }))
    ]
  }
  return Effect.runSync(
    Effect.flatMap(ZipCodec, (codec) =>
      codec.pack([
        { name: "info.json", bytes: new TextEncoder().encode(JSON.stringify(info)) },
        { name: "selfie.jpg", bytes: options.selfie },
        ...liveness.map((bytes, index) => ({ name: `liveness-${index + 1}.jpg`, bytes }))
      ])).pipe(Effect.provide(ZipCodecFflate.layer()))
  )
}
