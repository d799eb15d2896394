/**
 * Starting and stopping the reference server, independent of where its
 * storage, engine and pipeline come from (the `backend` layer): `main.ts`
 * passes the product's wiring, tests pass memory layers.
 *
 * Start-up, in order: data folder, partners and reviewers files, TLS
 * material, upload secret, the backend, listen (port 0 gets a free port),
 * then the routes (v1 API, file routes, deliveries, review console and
 * admin API). Shutdown:
 * {@link Listener.drain}, then every layer's finalizer.
 */
import { SignerNode } from "@selfie-auth/adapter-signing"
import type { BlobStore, CallbackSender, DeliveryLog, IdGenerator, JobStore, ReviewQueue, UserStore, ZipCodec } from "@selfie-auth/core"
import { Duration, Effect, Either, Layer } from "effect"
import * as fs from "node:fs/promises"
import type * as http from "node:http"
import { InvalidReviewersFile, parseReviewersFile } from "./console/ConsoleConfig.js"
import type { Reviewer } from "./console/ConsoleConfig.js"
import type { ReviewAudit } from "./console/ReviewAudit.js"
import * as ReviewConsole from "./console/ReviewConsole.js"
import * as DataDir from "./DataDir.js"
import * as DeliveryRoutes from "./deliveries/DeliveryRoutes.js"
import * as Http from "./Http.js"
import * as Listener from "./Listener.js"
import { InvalidPartnersFile, parsePartnersFile, Partners } from "./Partners.js"
import type { Partner } from "./Partners.js"
import type { JobPipeline } from "./pipeline/JobPipeline.js"
import { defaultMaxJsonBytes } from "./ServerConfig.js"
import type { ServerConfig } from "./ServerConfig.js"
import * as Tls from "./Tls.js"
import * as UploadTargetHmac from "./UploadTargetHmac.js"

/** The services the HTTP side (v1 API, file routes, review console, admin API) runs on. */
export type BackendServices =
  | UserStore
  | JobStore
  | BlobStore
  | IdGenerator
  | ZipCodec
  | JobPipeline
  | ReviewQueue
  | ReviewAudit
  | DeliveryLog
  | CallbackSender

/** What the backend is built from: the checked configuration, the partners and the data folder (absolute). */
export interface BackendInput {
  readonly config: ServerConfig
  readonly partners: ReadonlyArray<Partner>
  readonly dataDir: string
}

/** A running server. */
export interface RunningServer {
  /** `https://127.0.0.1:<port>` (or `http://`), the real port when 0 was asked. */
  readonly url: string
  /** The certificate clients must trust, when serving HTTPS. */
  readonly certificateFile: string | undefined
  /** Whether this start made a new self-signed certificate. */
  readonly certificateCreated: boolean
  /** The Node server, for draining. */
  readonly server: http.Server
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Reads and decodes the partners file. */
export const loadPartners = Effect.fn("Server.loadPartners")(function*(file: string) {
  const text = yield* Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (error) => new InvalidPartnersFile({ source: file, detail: `cannot be read (${errorText(error)}); check --partners` })
  })
  return yield* Either.match(parsePartnersFile(text, file), { onLeft: Effect.fail, onRight: Effect.succeed })
})

/** Reads and decodes the review console's users file; no file means no reviewers. */
export const loadReviewers = Effect.fn("Server.loadReviewers")(function*(file: string | undefined) {
  if (file === undefined) return [] as ReadonlyArray<Reviewer>
  const text = yield* Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (error) => new InvalidReviewersFile({ source: file, detail: `cannot be read (${errorText(error)}); check --reviewers` })
  })
  return yield* Either.match(parseReviewersFile(text, file), { onLeft: Effect.fail, onRight: Effect.succeed })
})

/**
 * Starts the server in the current scope; it serves until the scope closes
 * (drain first with {@link Listener.drain} for a graceful stop).
 */
export const start = Effect.fn("Server.start")(function*<E>(
  config: ServerConfig,
  backendFor: (input: BackendInput) => Layer.Layer<BackendServices, E>
) {
  const dataDir = yield* DataDir.prepare(config.dataDir)
  const partners = yield* loadPartners(config.partnersFile)
  const reviewers = yield* loadReviewers(config.console.reviewersFile)
  const now = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
  const tls = config.tls._tag === "None"
    ? undefined
    : config.tls._tag === "Files"
      ? yield* Tls.fromFiles(config.tls.certFile, config.tls.keyFile)
      : yield* Tls.selfSigned(dataDir, now)
  const secret = yield* DataDir.uploadUrlSecret(dataDir)
  // The backend first: if the product's engine or stores cannot start, nothing listens.
  const backendContext = yield* Layer.build(backendFor({ config, partners, dataDir }))

  const server = Listener.createServer(tls)
  const listening = yield* Layer.build(Listener.layer(server, { port: config.port, host: config.host }))
  const url = Listener.listeningUrl(server, tls !== undefined)
  const baseUrl = config.publicUrl ?? url

  const settings = Layer.succeed(Http.HttpSettings, {
    baseUrl,
    environment: config.mode,
    uploadUrlTtl: Duration.seconds(config.uploadUrlTtlSeconds),
    maxUploadBytes: config.maxUploadBytes,
    maxJsonBytes: config.maxJsonBytes ?? defaultMaxJsonBytes,
    linkSecret: secret
  })
  const app = Http.layer.pipe(
    Layer.provide(DeliveryRoutes.layer),
    Layer.provide(ReviewConsole.layer({
      reviewers,
      sessionTtlSeconds: config.console.sessionTtlSeconds,
      secure: baseUrl.startsWith("https:")
    })),
    Layer.provide(UploadTargetHmac.layer({ baseUrl, secret })),
    Layer.provideMerge(SignerNode.layer),
    Layer.provide(settings),
    Layer.provide(Partners.layer(partners)),
    Layer.provide(Layer.succeedContext(backendContext)),
    Layer.provide(Layer.succeedContext(listening))
  )
  yield* Layer.build(app)
  return {
    url,
    certificateFile: tls?.certificateFile,
    certificateCreated: tls?.created ?? false,
    server
  } satisfies RunningServer
})

/** The lines printed once the server serves: `listening on <url>` first, then how to trust the certificate. */
export const startupLines = (running: RunningServer): ReadonlyArray<string> => [
  `listening on ${running.url}`,
  ...(running.certificateFile === undefined
    ? []
    : [
      `certificate ${running.certificateFile}${running.certificateCreated ? " (created now, self-signed)" : ""}`,
      `trust it: NODE_EXTRA_CA_CERTS=${running.certificateFile} (Node), or pass it as the CA of your HTTP client`
    ])
]
