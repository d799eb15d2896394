/**
 * The partner client behind Promises, for code that does not use Effect.
 * Every method resolves with what the Effect service succeeds with and
 * rejects with the client's own typed error (`ApiRejected`, `PollTimeout`,
 * `InvalidJobRequest`...: each an `Error` with a `_tag` and a message that
 * says what to fix), never with a wrapper.
 *
 * @example
 * import { createClient } from "@selfie-auth/adapter-http"
 * const client = createClient({ partnerId: "001", apiKey: process.env.SELFIE_AUTH_API_KEY!, baseUrl: "sandbox" })
 * const outcome = await client.register({ userId: "user-1", jobId: "job-1", selfie: selfieBytes })
 * console.log(outcome.status?.result)
 * await client.dispose()
 */
import { Cause, Effect, Exit, type Layer, ManagedRuntime } from "effect"
import type { JobInput, ProgressEvent } from "./JobRequest.js"
import * as SmartSelfie from "./SmartSelfie.js"
import type { JobStatusAnswer } from "./V1Api.js"

export type PromiseClientConfig = SmartSelfie.ClientConfig

export interface PromiseClient {
  /** The resolved base URL (rejects with `InvalidBaseUrl` when the configuration is unusable). */
  readonly baseUrl: () => Promise<string>
  readonly register: (input: JobInput) => Promise<SmartSelfie.JobOutcome>
  readonly authenticate: (input: JobInput) => Promise<SmartSelfie.JobOutcome>
  readonly submitJob: (jobType: 2 | 4, input: JobInput) => Promise<SmartSelfie.JobOutcome>
  readonly prepUpload: (input: SmartSelfie.PrepUploadInput) => Promise<SmartSelfie.PreparedUpload>
  readonly uploadZip: (input: { readonly uploadUrl: string; readonly zip: Uint8Array }) => Promise<number>
  readonly jobStatus: (job: SmartSelfie.JobRef) => Promise<JobStatusAnswer>
  readonly pollJobStatus: (
    job: SmartSelfie.JobRef & { readonly onProgress?: (event: ProgressEvent) => void }
  ) => Promise<JobStatusAnswer>
  /** Releases the client's resources; pending calls are interrupted. */
  readonly dispose: () => Promise<void>
}

/** A Promise client over any layer that provides the service (`SmartSelfie.layerFetch`, the Node layer...). */
export const fromLayer = <E>(layer: Layer.Layer<SmartSelfie.SmartSelfie, E>): PromiseClient => {
  const runtime = ManagedRuntime.make(layer)
  const run = <A, E2>(use: (client: SmartSelfie.SmartSelfieService) => Effect.Effect<A, E2>): Promise<A> =>
    runtime.runPromiseExit(Effect.flatMap(SmartSelfie.SmartSelfie, use)).then((exit) => {
      if (Exit.isSuccess(exit)) return exit.value
      throw Cause.squash(exit.cause)
    })
  return {
    baseUrl: () => run((client) => Effect.succeed(client.baseUrl)),
    register: (input) => run((client) => client.register(input)),
    authenticate: (input) => run((client) => client.authenticate(input)),
    submitJob: (jobType, input) => run((client) => client.submitJob(jobType, input)),
    prepUpload: (input) => run((client) => client.prepUpload(input)),
    uploadZip: (input) => run((client) => client.uploadZip(input)),
    jobStatus: (job) => run((client) => client.jobStatus(job)),
    pollJobStatus: (job) => run((client) => client.pollJobStatus(job)),
    dispose: () => runtime.dispose()
  }
}

/**
 * A Promise client for any runtime with `fetch` and WebCrypto. Images as
 * bytes or base64; for file paths on Node use `createClient` from
 * `@selfie-auth/adapter-http/node`.
 */
export const createClient = (config: PromiseClientConfig): PromiseClient => fromLayer(SmartSelfie.layerFetch(config))
