/**
 * The demo a new user sees after `npm start`: a partner registers user A
 * from a selfie and liveness frames, authenticates the same person, then
 * authenticates a different person against user A, each through the partner
 * client (prep upload, zip PUT, job_status polls), with signed callbacks
 * arriving at a local endpoint.
 *
 * The expected outcomes are stated here, and every difference is reported as
 * such: nothing is hidden when the engine decides otherwise.
 */
import type { JobRequest, PromiseClient } from "@selfie-auth/adapter-http"
import { createClient } from "@selfie-auth/adapter-http/node"
import { ResultCode } from "@selfie-auth/core"
import { Schedule } from "effect"
import { randomBytes } from "node:crypto"
import * as path from "node:path"
import * as CallbackReceiver from "./CallbackReceiver.js"

/** One job of the demo and what it should end with. */
export interface Step {
  readonly title: string
  readonly jobType: 2 | 4
  /** File names in the demo photo folder. */
  readonly selfie: string
  readonly livenessFrames: ReadonlyArray<string>
  readonly expectedCode: string
}

/** The three jobs, in order. User A is registered from photos of one person; the last selfie is another person's. */
export const scenario: ReadonlyArray<Step> = [
  {
    title: "Register user A",
    jobType: 4,
    selfie: "jolie-1.jpg",
    livenessFrames: ["jolie-2.jpg", "jolie-3.jpg", "jolie-4.jpg", "jolie-5.jpg"],
    expectedCode: "0840"
  },
  {
    title: "Authenticate user A, same person",
    jobType: 2,
    selfie: "jolie-6.jpg",
    livenessFrames: ["jolie-7.jpg", "jolie-8.jpg", "jolie-2.jpg", "jolie-3.jpg"],
    expectedCode: "0820"
  },
  {
    title: "Authenticate user A, different person",
    jobType: 2,
    selfie: "obama-1.jpg",
    livenessFrames: ["obama-2.jpg", "obama-3.jpg", "obama-4.jpg", "obama-5.jpg"],
    expectedCode: "0821"
  }
]

/** How a job ended, from the partner's side. */
export interface StepOutcome {
  readonly step: Step
  readonly userId: string
  readonly jobId: string
  readonly smileJobId: string | undefined
  /** The final job_status result; absent when the job failed before a result. */
  readonly result:
    | {
      readonly code: string
      readonly text: string
      readonly category: ResultCode.Category | "unknown"
      readonly confidence: string | undefined
      readonly actions: Readonly<Record<string, string>>
    }
    | undefined
  /** Why the job has no result: the client's error tag and message. */
  readonly error: string | undefined
  readonly polls: number
  readonly millis: number
  readonly asExpected: boolean
}

/** A callback as the demo reports it. */
export interface CallbackRecord {
  readonly verified: boolean
  readonly deliveryId: string | undefined
  readonly jobId: string | undefined
  readonly code: string | undefined
  readonly bodyBound: boolean
  /** For a refused callback: the verification error's tag and message. */
  readonly refusal: string | undefined
}

export interface DemoReport {
  readonly baseUrl: string
  readonly partnerId: string
  readonly userId: string
  readonly steps: ReadonlyArray<StepOutcome>
  readonly callbacks: ReadonlyArray<CallbackRecord>
  /** Jobs that ended with a result but whose verified callback did not arrive in time. */
  readonly missingCallbacks: ReadonlyArray<string>
  /** Every job ended with its expected code, and every job's callback arrived verified. */
  readonly allAsExpected: boolean
}

export interface DemoOptions {
  /** The server's URL, e.g. `https://127.0.0.1:8443` (the client talks to `<url>/v1`). */
  readonly serverUrl: string
  readonly partnerId: string
  readonly apiKey: string
  /** The folder of the demo photos. */
  readonly photosDir: string
  /** Lines of progress, as they happen. */
  readonly log: (line: string) => void
  /** Called as each job ends, before the next starts. */
  readonly onStep?: (outcome: StepOutcome) => void
  /** How long to wait for each job's result, and then for its callback. Default 180 s and 30 s. */
  readonly jobTimeoutMillis?: number
  readonly callbackTimeoutMillis?: number
}

/** The code's category in the result-code table, or `unknown`. */
export const categoryOf = (code: string, text?: string): ResultCode.Category | "unknown" => {
  const classification = ResultCode.classify(code, text)
  return classification._tag === "Known" ? classification.row.category : "unknown"
}

const errorText = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "_tag" in error && error instanceof Error) {
    return `${String(error._tag)}: ${error.message}`
  }
  return error instanceof Error ? error.message : String(error)
}

const describeProgress = (event: JobRequest.ProgressEvent): string | undefined => {
  switch (event._tag) {
    case "ImagesLoaded":
      return `${event.images} images loaded (${Math.round(event.bytes / 1024)} KB)`
    case "UploadPrepared":
      return `prep upload accepted: smile job ${event.smileJobId}`
    case "ZipPacked":
      return undefined
    case "ZipUploaded":
      return `zip of ${Math.round(event.bytes / 1024)} KB uploaded (HTTP ${event.httpStatus})`
    case "Polled":
      return event.jobComplete ? `job_status: complete after ${event.poll} poll${event.poll === 1 ? "" : "s"}` : undefined
  }
}

const runStep = async (
  client: PromiseClient,
  step: Step,
  ids: { readonly userId: string; readonly jobId: string },
  options: DemoOptions & { readonly callbackUrl: string }
): Promise<StepOutcome> => {
  const started = performance.now()
  let smileJobId: string | undefined
  let polls = 0
  const onProgress = (event: JobRequest.ProgressEvent) => {
    if (event._tag === "UploadPrepared") smileJobId = event.smileJobId
    if (event._tag === "Polled") polls = event.poll
    const line = describeProgress(event)
    if (line !== undefined) options.log(`      ${line}`)
  }
  const photo = (name: string) => ({ path: path.join(options.photosDir, name) })
  const base = { step, ...ids }
  try {
    const outcome = await client.submitJob(step.jobType, {
      ...ids,
      selfie: photo(step.selfie),
      livenessFrames: step.livenessFrames.map(photo),
      callbackUrl: options.callbackUrl,
      extraPartnerParams: { demo: "npm start" },
      waitForResult: true,
      onProgress
    })
    const millis = performance.now() - started
    const result = outcome.status?.result
    if (result === undefined || typeof result === "string") {
      const error = `job_status ended without a result object${result === undefined ? "" : `: ${JSON.stringify(result)}`}`
      return { ...base, smileJobId, result: undefined, error, polls, millis, asExpected: false }
    }
    const code = result.ResultCode ?? ""
    return {
      ...base,
      smileJobId: outcome.smileJobId,
      result: {
        code,
        text: result.ResultText,
        category: categoryOf(code, result.ResultText),
        confidence: result.ConfidenceValue,
        actions: result.Actions ?? {}
      },
      error: undefined,
      polls,
      millis,
      asExpected: code === step.expectedCode
    }
  } catch (error) {
    return { ...base, smileJobId, result: undefined, error: errorText(error), polls, millis: performance.now() - started, asExpected: false }
  }
}

const callbackRecord = (arrival: CallbackReceiver.Arrival): CallbackRecord =>
  arrival._tag === "Verified"
    ? {
      verified: true,
      deliveryId: arrival.callback.deliveryId,
      jobId: arrival.callback.partnerParams.jobId,
      code: arrival.callback.resultCode,
      bodyBound: arrival.callback.bodyBound,
      refusal: undefined
    }
    : {
      verified: false,
      deliveryId: undefined,
      jobId: undefined,
      code: undefined,
      bodyBound: false,
      refusal: `${arrival.reason}: ${arrival.message}`
    }

/** A short id that sorts by time: `<yyyymmdd-hhmmss>-<4 hex>`. */
const runId = (): string =>
  `${new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)}-${randomBytes(2).toString("hex")}`

/**
 * Runs the scenario against a server. Ids are fresh on every run, so the
 * demo can run again on the same data folder (user A of a previous run stays
 * registered under its own id).
 */
export const run = async (options: DemoOptions): Promise<DemoReport> => {
  const receiver = await CallbackReceiver.start({ partnerId: options.partnerId, apiKey: options.apiKey })
  const client = createClient({
    partnerId: options.partnerId,
    apiKey: options.apiKey,
    baseUrl: `${options.serverUrl.replace(/\/+$/, "")}/v1`,
    poll: { schedule: Schedule.spaced("250 millis"), timeout: `${options.jobTimeoutMillis ?? 180_000} millis` }
  })
  try {
    const id = runId()
    const userId = `demo-user-a-${id}`
    options.log(`callbacks go to ${receiver.url}; user A is ${userId}`)
    const steps: Array<StepOutcome> = []
    const missingCallbacks: Array<string> = []
    for (const [index, step] of scenario.entries()) {
      const jobId = `demo-${id}-${index + 1}`
      options.log("")
      options.log(
        `[${index + 1}/${scenario.length}] ${step.title} (job type ${step.jobType}, job ${jobId}): ` +
          `selfie ${step.selfie}, liveness frames ${step.livenessFrames.join(", ")}`
      )
      const outcome = await runStep(client, step, { userId, jobId }, { ...options, callbackUrl: receiver.url })
      // A partner acts on a result once it is delivered: the next job starts after this one's callback.
      if (outcome.result !== undefined) {
        await receiver.waitForJob(jobId, options.callbackTimeoutMillis ?? 30_000).then(
          (callback) => options.log(`      callback ${callback.deliveryId} received, signature verified`),
          (error: unknown) => {
            missingCallbacks.push(jobId)
            options.log(`      ${error instanceof Error ? error.message : String(error)}`)
          }
        )
      }
      steps.push(outcome)
      options.onStep?.(outcome)
    }
    const callbacks = receiver.arrivals().map(callbackRecord)
    return {
      baseUrl: options.serverUrl,
      partnerId: options.partnerId,
      userId,
      steps,
      callbacks,
      missingCallbacks,
      allAsExpected: steps.every((step) => step.asExpected) && missingCallbacks.length === 0 &&
        callbacks.every((callback) => callback.verified)
    }
  } finally {
    await client.dispose()
    await receiver.close()
  }
}
