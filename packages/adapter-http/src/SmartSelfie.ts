/**
 * The partner client of the v1 SmartSelfie API: register and authenticate
 * users, poll their jobs. It talks to the hosted Smile ID API or to our
 * reference server alike.
 *
 * One submission is: check the job (no request yet) -> load the images ->
 * `POST {base}/upload` signed -> pack the zip (info.json + selfie + liveness
 * frames) -> `PUT upload_url` -> optionally poll `POST {base}/job_status`,
 * signed afresh each time, each answer's signature verified.
 *
 * The HTTP calls come from the contract (`V1Api.V1ClientApi` through
 * `HttpApiClient`); this module adds what a contract cannot say: per-request
 * signing, the base URL, reading every non-2xx `{code, error}` (whatever its
 * status: the hosted API's statuses are not ours) into {@link ApiRejected},
 * verification of job_status signatures, the upload and the polling schedule.
 *
 * @example
 * import { SmartSelfie } from "@selfie-auth/adapter-http"
 * const program = Effect.gen(function*() {
 *   const client = yield* SmartSelfie.SmartSelfie
 *   const outcome = yield* client.register({ userId: "user-1", jobId: "job-1", selfie: selfieBytes, livenessFrames })
 *   console.log(outcome.status?.result)
 * })
 * Effect.runPromise(program.pipe(Effect.provide(SmartSelfie.layerFetch({ partnerId: "001", apiKey, baseUrl: "sandbox" }))))
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { SignerWebCrypto } from "@selfie-auth/adapter-signing"
import { ZipUpload } from "@selfie-auth/adapter-s3"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { Ids, JobType, signNow, Signer, Wire, ZipCodec, type ZipError } from "@selfie-auth/core"
import { Clock, Context, Duration, Effect, Either, Layer, Option, ParseResult, Redacted, Schedule, Schema } from "effect"
import * as BaseUrl from "./BaseUrl.js"
import {
  apiRejected,
  ApiRejected,
  InvalidJobRequest,
  PollTimeout,
  ResponseSignatureMismatch,
  TransportError,
  UnexpectedResponse,
  type UnreadableImage
} from "./ClientError.js"
import { ImageFiles } from "./ImageFiles.js"
import * as JobPackage from "./JobPackage.js"
import { checkDescription, checkJob, type JobInput, loadImages, type ProgressEvent } from "./JobRequest.js"
import * as V1Api from "./V1Api.js"

/** `source_sdk` we send: the product text's value for integrations other than Smile ID's own SDKs. */
export const sourceSdk = "rest_api"
/** `source_sdk_version` we send: this package's version. */
export const sourceSdkVersion = "0.1.0"

// ---------------------------------------------------------------------------
// Configuration

/** How job_status is polled. */
export interface PollOptions {
  /**
   * The waits between polls (the first poll is immediate); polling ends with
   * `PollTimeout` when the schedule ends. Default {@link officialPollSchedule}.
   */
  readonly schedule?: Schedule.Schedule<unknown, unknown>
  /** The most time polling may take in all. Default 90 s. */
  readonly timeout?: Duration.DurationInput
  /**
   * Retries of one poll after a transient failure (no answer, a 5xx, a 2201
   * system error); every other failure ends polling at once. Default
   * {@link defaultPollErrorRetry}: 3 retries.
   */
  readonly errorRetry?: Schedule.Schedule<unknown, unknown>
}

export interface ClientConfig {
  /** Your partner id, e.g. `"001"` (leading zeros count). */
  readonly partnerId: string
  readonly apiKey: Redacted.Redacted<string> | string
  /** `"sandbox"`, `"production"` or any http(s) URL ending where `/v1` is mounted, used as given. */
  readonly baseUrl: BaseUrl.BaseUrlInput
  readonly poll?: PollOptions
  /** Retries of the zip PUT after a network failure or a 5xx. Default `ZipUpload.defaultRetrySchedule`. */
  readonly uploadRetry?: Schedule.Schedule<unknown, ZipUpload.ZipUploadFailed>
}

/**
 * The official Node SDK's polling: after the first poll, wait 2 s four times,
 * then 4 s; 22 polls in all (about 76 s of waiting).
 */
export const officialPollSchedule: Schedule.Schedule<unknown, unknown> = Schedule.spaced("2 seconds").pipe(
  Schedule.intersect(Schedule.recurs(4)),
  Schedule.andThen(Schedule.spaced("4 seconds").pipe(Schedule.intersect(Schedule.recurs(17))))
)

/** Three retries of a poll, 1 s then 2 s then 4 s apart. */
export const defaultPollErrorRetry: Schedule.Schedule<unknown, unknown> = Schedule.exponential("1 second").pipe(
  Schedule.intersect(Schedule.recurs(3))
)

// ---------------------------------------------------------------------------
// The service

/** The ids of a job, for job_status. */
export interface JobRef {
  readonly userId: string
  readonly jobId: string
  /** Ask for every result the job had. Default false. */
  readonly history?: boolean
  /** Ask for expiring links to the job's images. Default false. */
  readonly imageLinks?: boolean
}

/** A prep upload to make (the lower-level step of a submission). */
export interface PrepUploadInput {
  readonly jobType: JobType.JobType
  readonly userId: string
  readonly jobId: string
  readonly callbackUrl?: string
  readonly extraPartnerParams?: Readonly<Record<string, string>>
}

/** The prep upload answer, and what was sent (both go into info.json). */
export interface PreparedUpload {
  readonly response: Wire.PrepUpload.PrepUploadResponse
  /** The answer's JSON exactly as received: info.json's `server_information`. */
  readonly responseJson: unknown
  /** The `partner_params` sent, snake_case, in wire order. */
  readonly partnerParams: Readonly<Record<string, unknown>>
  /** The timestamp the request was signed with. */
  readonly timestamp: string
  readonly callbackUrl: string
}

/** What a submission ends with. */
export interface JobOutcome {
  readonly jobType: JobType.JobType
  readonly userId: string
  readonly jobId: string
  readonly smileJobId: string
  readonly zipBytes: number
  /** The final job_status answer when the submission waited for the result. */
  readonly status: V1Api.JobStatusAnswer | undefined
}

/** Failures of one HTTP call of the v1 API. */
export type ApiCallError = ApiRejected | UnexpectedResponse | TransportError

/** Failures of a job_status call. */
export type JobStatusError = ApiCallError | ResponseSignatureMismatch | InvalidJobRequest

/** Failures of a whole submission. */
export type SubmitError =
  | InvalidJobRequest
  | UnreadableImage
  | ApiCallError
  | ResponseSignatureMismatch
  | PollTimeout
  | ZipUpload.ZipUploadFailed
  | ZipError

export interface SmartSelfieService {
  /** The resolved base URL requests are built on. */
  readonly baseUrl: string
  /** Job type 4: register the user's selfie. */
  readonly register: (input: JobInput) => Effect.Effect<JobOutcome, SubmitError>
  /** Job type 2: authenticate the registered user against the selfie on file. */
  readonly authenticate: (input: JobInput) => Effect.Effect<JobOutcome, SubmitError>
  /** Either job type, given as data (refused unless 2 or 4). */
  readonly submitJob: (jobType: unknown, input: JobInput) => Effect.Effect<JobOutcome, SubmitError>
  /** `POST {base}/upload`, signed. Not retried: a retried prep upload may find its own job id taken (2215). */
  readonly prepUpload: (input: PrepUploadInput) => Effect.Effect<PreparedUpload, ApiCallError | InvalidJobRequest>
  /** `PUT` a zip to an upload URL; network failures and 5xx retried on the configured schedule. */
  readonly uploadZip: (input: { readonly uploadUrl: string; readonly zip: Uint8Array }) => Effect.Effect<number, ZipUpload.ZipUploadFailed>
  /** One `POST {base}/job_status`, signed afresh; the answer's signature is verified. */
  readonly jobStatus: (job: JobRef) => Effect.Effect<V1Api.JobStatusAnswer, JobStatusError>
  /** Polls job_status on the configured schedule until `job_complete`, within the timeout. */
  readonly pollJobStatus: (
    job: JobRef & { readonly onProgress?: (event: ProgressEvent) => void }
  ) => Effect.Effect<V1Api.JobStatusAnswer, JobStatusError | PollTimeout>
}

export class SmartSelfie extends Context.Tag("@selfie-auth/adapter-http/SmartSelfie")<SmartSelfie, SmartSelfieService>() {}

// ---------------------------------------------------------------------------
// HTTP plumbing

/** How errors name a call: `prep upload (POST /v1/upload)`, with the path really requested. */
const endpointLabel = (method: string, url: string): string => {
  const path = url.replace(/^[a-z]+:\/\/[^/]+/i, "").replace(/[?#].*$/s, "")
  const name = path.endsWith("/upload") ? "prep upload" : path.endsWith("/job_status") ? "job_status" : "request"
  return `${name} (${method} ${path})`
}

const excerpt = (text: string) => text.slice(0, 300)

const decodeErrorBody = Schema.decodeUnknownEither(Schema.parseJson(Wire.ErrorBody.ErrorBody))

/** Reads a non-2xx answer: a v1 `{code, error}` body becomes `ApiRejected`, anything else `UnexpectedResponse`. */
const failFromResponse = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<never, ApiCallError> => {
  const endpoint = endpointLabel(response.request.method, response.request.url)
  return response.text.pipe(
    Effect.orElseSucceed(() => ""),
    Effect.flatMap((text): Effect.Effect<never, ApiCallError> => {
      const body = decodeErrorBody(text)
      return Either.isRight(body)
        ? Effect.fail(apiRejected({ endpoint, httpStatus: response.status, code: body.right.code, error: body.right.error }))
        : Effect.fail(
            new UnexpectedResponse({
              endpoint,
              httpStatus: response.status,
              bodyExcerpt: excerpt(text),
              detail: "the body is not a v1 error {\"code\", \"error\"}"
            })
          )
    })
  )
}

/** Maps what the derived client can fail with besides our own errors. */
const fromClientFailure = (endpoint: string, url: string) => (error: unknown): ApiCallError => {
  if (error instanceof HttpClientError.RequestError) {
    return new TransportError({ endpoint, url, detail: error.cause instanceof Error ? error.cause.message : error.message })
  }
  if (error instanceof HttpClientError.ResponseError) {
    return new UnexpectedResponse({ endpoint, httpStatus: error.response.status, bodyExcerpt: "", detail: error.message })
  }
  if (ParseResult.isParseError(error)) {
    return new UnexpectedResponse({
      endpoint,
      httpStatus: 200,
      bodyExcerpt: "",
      detail: `the success answer does not match the v1 contract: ${ParseResult.TreeFormatter.formatErrorSync(error)}`
    })
  }
  if (error instanceof ApiRejected || error instanceof UnexpectedResponse || error instanceof TransportError) return error
  // A general error decoded by the contract itself: unreachable, since every non-2xx is read by failFromResponse.
  return new UnexpectedResponse({ endpoint, httpStatus: 0, bodyExcerpt: "", detail: `an unexpected failure: ${String(error)}` })
}

/** Whether another poll could succeed: no answer, a 5xx, a 2201 system error. Never a 4xx or a bad signature. */
const isTransient = (error: JobStatusError): boolean => {
  switch (error._tag) {
    case "TransportError":
      return true
    case "ApiRejected":
    case "UnexpectedResponse":
      return error.isTransient
    case "ResponseSignatureMismatch":
    case "InvalidJobRequest":
      return false
  }
}

// ---------------------------------------------------------------------------
// Construction

/**
 * Builds the client. Fails with `InvalidBaseUrl` for an unusable base URL
 * and `InvalidJobRequest` (field `partnerId`/`apiKey`) for empty credentials.
 */
export const make = Effect.fn("SmartSelfie.make")(function*(config: ClientConfig) {
  const base = yield* BaseUrl.resolve(config.baseUrl)
  const partnerId = yield* Schema.decodeUnknown(Ids.PartnerId)(config.partnerId).pipe(
    Effect.mapError(() => new InvalidJobRequest({ field: "partnerId", detail: "must be your partner id, a non-empty string such as \"001\"" }))
  )
  const apiKey = typeof config.apiKey === "string" ? Redacted.make(config.apiKey) : config.apiKey
  if (Redacted.value(apiKey).length === 0) {
    return yield* new InvalidJobRequest({ field: "apiKey", detail: "is empty; use the API key of your partner portal for this environment" })
  }
  const signer = yield* Signer
  const codec = yield* ZipCodec
  const files = yield* ImageFiles
  const httpClient = yield* HttpClient.HttpClient

  const v1Client = httpClient.pipe(
    HttpClient.mapRequest((request) => HttpClientRequest.setUrl(request, BaseUrl.endpointUrl(base, request.url, V1Api.v1Prefix))),
    HttpClient.transformResponse(Effect.flatMap((response) =>
      response.status >= 200 && response.status < 300 ? Effect.succeed(response) : failFromResponse(response)
    ))
  )
  const api = yield* HttpApiClient.makeWith(V1Api.V1ClientApi, { httpClient: v1Client })
  const pollOptions = {
    schedule: config.poll?.schedule ?? officialPollSchedule,
    timeout: config.poll?.timeout ?? Duration.seconds(90),
    errorRetry: config.poll?.errorRetry ?? defaultPollErrorRetry
  }
  const credentials = { partnerId, apiKey }
  /** A fresh timestamp and its signature each time it runs. */
  const sign = signNow(credentials).pipe(Effect.provideService(Signer, signer))

  const prepUpload = Effect.fn("SmartSelfie.prepUpload")(function*(input: PrepUploadInput) {
    const checked = yield* checkDescription(input.jobType, input)
    const { signature, timestamp } = yield* sign
    const request: Wire.PrepUpload.PrepUploadRequest = {
      partnerId,
      partnerParams: { userId: checked.userId, jobId: checked.jobId, jobType: checked.jobType, extras: checked.extraPartnerParams },
      callbackUrl: Option.fromNullable(checked.callbackUrl),
      fileName: Option.some(JobPackage.zipFileName),
      useEnrolledImage: false,
      signature,
      timestamp,
      sourceSdk,
      sourceSdkVersion
    }
    const endpoint = endpointLabel("POST", `${base}/upload`)
    const [response, raw] = yield* api.v1.prepUpload({ payload: V1Api.outgoing(request), withResponse: true }).pipe(
      Effect.mapError(fromClientFailure(endpoint, `${base}/upload`))
    )
    const responseJson = yield* raw.arrayBuffer.pipe(
      Effect.map((buffer): unknown => JSON.parse(new TextDecoder().decode(buffer))),
      Effect.orElseSucceed(() => Schema.encodeSync(Wire.PrepUpload.PrepUploadResponseFromWire)(response))
    )
    const partnerParams = Schema.encodeSync(Wire.PartnerParams.PartnerParamsFromWire)(request.partnerParams) as Record<string, unknown>
    return { response, responseJson, partnerParams, timestamp, callbackUrl: checked.callbackUrl ?? "" } satisfies PreparedUpload
  })

  const uploadZip = (input: { readonly uploadUrl: string; readonly zip: Uint8Array }) =>
    ZipUpload.put({
      url: input.uploadUrl,
      zip: input.zip,
      ...(config.uploadRetry === undefined ? {} : { retrySchedule: config.uploadRetry })
    }).pipe(Effect.provideService(HttpClient.HttpClient, httpClient))

  const jobStatus = Effect.fn("SmartSelfie.jobStatus")(function*(job: JobRef) {
    const userId = yield* Schema.decodeUnknown(Ids.UserId)(job.userId).pipe(
      Effect.mapError(() => new InvalidJobRequest({ field: "userId", detail: "must be the job's user id, a non-empty string" }))
    )
    const jobId = yield* Schema.decodeUnknown(Ids.JobId)(job.jobId).pipe(
      Effect.mapError(() => new InvalidJobRequest({ field: "jobId", detail: "must be the job's id, a non-empty string" }))
    )
    const { signature, timestamp } = yield* sign
    const request: Wire.JobStatus.JobStatusRequest = {
      userId,
      jobId,
      partnerId,
      history: job.history ?? false,
      imageLinks: job.imageLinks ?? false,
      signature,
      timestamp
    }
    const endpoint = endpointLabel("POST", `${base}/job_status`)
    const answer = yield* api.v1.jobStatus({ payload: V1Api.outgoing(request) }).pipe(
      Effect.mapError(fromClientFailure(endpoint, `${base}/job_status`))
    )
    const genuine = yield* signer.verify({ ...credentials, timestamp: answer.timestamp, signature: answer.signature })
    if (!genuine) return yield* new ResponseSignatureMismatch({ endpoint: "job_status", timestamp: answer.timestamp })
    return answer
  })

  const pollJobStatus = Effect.fn("SmartSelfie.pollJobStatus")(function*(
    job: JobRef & { readonly onProgress?: (event: ProgressEvent) => void }
  ) {
    const startedAt = yield* Clock.currentTimeMillis
    let polls = 0
    let lastCode: string | undefined
    let lastResult: { readonly code: string; readonly text: string } | undefined
    const timeout = (reason: PollTimeout["reason"]) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        new PollTimeout({
          userId: job.userId,
          jobId: job.jobId,
          polls,
          reason,
          ...(lastCode === undefined ? {} : { lastCode }),
          ...(lastResult === undefined ? {} : { lastResultCode: lastResult.code, lastResultText: lastResult.text }),
          elapsedMillis: now - startedAt
        })
      )
    const pollOnce = jobStatus(job).pipe(
      Effect.tap(() => Effect.sync(() => void (polls += 1))),
      Effect.tapError(() => Effect.sync(() => void (polls += 1))),
      Effect.retry({ schedule: pollOptions.errorRetry, while: isTransient })
    )
    const loop = Effect.gen(function*() {
      const driver = yield* Schedule.driver(pollOptions.schedule)
      while (true) {
        const answer = yield* pollOnce
        lastCode = answer.code
        const result = answer.result
        lastResult = typeof result !== "string" && result.ResultCode !== undefined
          ? { code: result.ResultCode, text: result.ResultText }
          : undefined
        job.onProgress?.({ _tag: "Polled", poll: polls, jobComplete: answer.jobComplete, code: answer.code })
        if (answer.jobComplete) return answer
        const more = yield* driver.next(answer).pipe(Effect.option)
        if (Option.isNone(more)) return yield* Effect.flatMap(timeout("ScheduleExhausted"), Effect.fail)
      }
    })
    return yield* loop.pipe(
      Effect.timeout(pollOptions.timeout),
      Effect.catchTag("TimeoutException", () => Effect.flatMap(timeout("Timeout"), Effect.fail))
    )
  })

  const submitJob = Effect.fn("SmartSelfie.submitJob")(function*(jobType: unknown, input: JobInput) {
    const job = yield* checkJob(jobType, input)
    const images = yield* loadImages(job).pipe(Effect.provideService(ImageFiles, files))
    const imageBytes = [images.selfie, ...images.livenessFrames].reduce((sum, image) => sum + image.bytes.length, 0)
    job.onProgress({ _tag: "ImagesLoaded", images: 1 + images.livenessFrames.length, bytes: imageBytes })

    const prepared = yield* prepUpload({
      jobType: job.jobType,
      userId: job.userId,
      jobId: job.jobId,
      ...(job.callbackUrl === undefined ? {} : { callbackUrl: job.callbackUrl }),
      extraPartnerParams: job.extraPartnerParams
    })
    job.onProgress({ _tag: "UploadPrepared", smileJobId: prepared.response.smileJobId })

    const packStart = yield* Clock.currentTimeMillis
    const zip = yield* codec.pack(
      JobPackage.entries({
        info: {
          partnerId,
          partnerParams: prepared.partnerParams,
          timestamp: prepared.timestamp,
          callbackUrl: prepared.callbackUrl,
          serverInformation: prepared.responseJson
        },
        selfie: images.selfie,
        livenessFrames: images.livenessFrames
      })
    )
    job.onProgress({ _tag: "ZipPacked", bytes: zip.length, millis: (yield* Clock.currentTimeMillis) - packStart })

    const httpStatus = yield* uploadZip({ uploadUrl: prepared.response.uploadUrl, zip })
    job.onProgress({ _tag: "ZipUploaded", bytes: zip.length, httpStatus })

    const status = job.waitForResult
      ? yield* pollJobStatus({ userId: job.userId, jobId: job.jobId, onProgress: job.onProgress })
      : undefined
    return {
      jobType: job.jobType,
      userId: job.userId,
      jobId: job.jobId,
      smileJobId: prepared.response.smileJobId,
      zipBytes: zip.length,
      status
    } satisfies JobOutcome
  })

  return SmartSelfie.of({
    baseUrl: base,
    register: (input) => submitJob(JobType.Registration, input),
    authenticate: (input) => submitJob(JobType.Authentication, input),
    submitJob,
    prepUpload,
    uploadZip,
    jobStatus,
    pollJobStatus
  })
})

/** The client as a layer, on the `HttpClient`, `Signer`, `ZipCodec` and `ImageFiles` you provide. */
export const layer = (config: ClientConfig) => Layer.effect(SmartSelfie, make(config))

/**
 * The client for any runtime with `fetch` and WebCrypto (browsers, Deno, Bun,
 * workers, Node): fetch, the WebCrypto signer, the fflate zip codec; images
 * as bytes or base64 (file paths need the `/node` entry).
 */
export const layerFetch = (config: ClientConfig) =>
  layer(config).pipe(
    Layer.provide(Layer.mergeAll(FetchHttpClient.layer, SignerWebCrypto.layer, ZipCodecFflate.layer(), ImageFiles.layerUnavailable))
  )
