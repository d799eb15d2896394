/**
 * `POST /v1/job_status` served directly by node:http, in front of the Effect
 * app (decision 0015): the route every SDK polls every few seconds per job.
 *
 * It answers exactly what the `HttpApi` handler answers, because both run
 * {@link JobStatusEndpoint.answer} on a body checked by the same rules
 * (`V1Requests`: Content-Type and JSON, 2204) and decoded by the same
 * decoder (`Wire.JobStatus.decodeJobStatusRequest`, as `V1Api`'s payload
 * schema does), and both write the answer through the schema `V1Api`
 * answers with. What it leaves out is the per-request machinery of the
 * app: the router, a request-scoped context, a fiber per stage and their
 * spans. The answer runs on the runtime the layer was built in.
 *
 * The body is read by the same reader as the app's (`V1Requests.readBody`,
 * at most `--max-json-bytes`; longer is 413). Requests of any other method
 * or path go to the app.
 */
import { V1Api } from "@selfie-auth/adapter-http"
import { GeneralError, Wire } from "@selfie-auth/core"
import { Cause, Context, Effect, Either, Exit, Layer, Option, Runtime } from "effect"
import type * as http from "node:http"
import { HttpSettings } from "../HttpSettings.js"
import { DirectRoutes } from "../Listener.js"
import * as JobStatusEndpoint from "./JobStatusEndpoint.js"
import { bodyTooLargeError, bodyTooLargeStatus, contentTypeError, parseJsonBody, readBody } from "./V1Requests.js"

/** The route's path. */
export const path = `${V1Api.v1Prefix}/job_status`

/**
 * Writes a JSON answer the way `@effect/platform` writes `HttpServerResponse.json` (same headers, same order),
 * followed by `headers`.
 */
const send = (response: http.ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) => {
  // The body as a string: Node writes the head and a string body as one chunk (a Buffer body would be a second one).
  const body = JSON.stringify(json)
  response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body, "utf8")), ...headers })
  response.end(body, "utf8")
}

const sendError = (response: http.ServerResponse, error: GeneralError.GeneralError) =>
  send(response, GeneralError.infoOf(error).httpStatus, GeneralError.toErrorBody(error))

/** 413, as the app answers it; the connection closes after it, so the rest of a refused body is never read. */
const sendTooLarge = (response: http.ServerResponse, maxBytes: number) =>
  send(response, bodyTooLargeStatus, GeneralError.toErrorBody(bodyTooLargeError(path, maxBytes)), { connection: "close" })

const systemError = new GeneralError.SystemError({ detail: "the server failed while handling the request; retry later" })

/** The direct route, on the services of the layer it is built in. */
export const layer = Layer.scopedDiscard(
  Effect.gen(function*() {
    const routes = yield* DirectRoutes
    const runtime = yield* Effect.runtime<JobStatusEndpoint.Services>()
    const run = Runtime.runCallback(runtime)
    const maxJsonBytes = Context.get(runtime.context, HttpSettings).maxJsonBytes
    const logDefect = (defect: unknown) => run(Effect.logError("v1 request failed with a defect", Cause.die(defect)))

    const reply = (response: http.ServerResponse) => (exit: Exit.Exit<Wire.JobStatus.JobStatusResponse, GeneralError.GeneralError>) => {
      if (response.writableEnded || response.destroyed) return
      if (Exit.isSuccess(exit)) {
        let wire: unknown
        try {
          wire = JobStatusEndpoint.encodeAnswer(exit.value)
        } catch (defect) {
          logDefect(defect)
          return sendError(response, systemError)
        }
        return send(response, 200, wire)
      }
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure)) return sendError(response, failure.value)
      if (!Cause.isInterruptedOnly(exit.cause)) logDefect(Cause.squash(exit.cause))
      return sendError(response, systemError)
    }

    const answerText = (text: string, response: http.ServerResponse) => {
      const parsed = parseJsonBody(path, text)
      if (Either.isLeft(parsed)) return sendError(response, parsed.left)
      const payload = Wire.JobStatus.decodeJobStatusRequest(parsed.right)
      run(JobStatusEndpoint.answer(payload, Effect.succeed(parsed.right)), { onExit: reply(response) })
    }

    yield* routes.add({
      method: "POST",
      path,
      handle: (request, response) => {
        const refused = contentTypeError(path, request.headers["content-type"])
        if (refused !== undefined) return sendError(response, refused)
        readBody(request, maxJsonBytes, (read) => {
          if (read._tag === "Read") return answerText(read.bytes.toString("utf8"), response)
          if (read._tag === "TooLarge") return sendTooLarge(response, maxJsonBytes)
          response.destroy()
        })
      }
    })
  })
)
