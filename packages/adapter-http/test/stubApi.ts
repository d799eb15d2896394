/**
 * A small v1 API on `node:http` (no msw), for tests that run the client in a
 * child process: prep upload, the zip PUT (to the same server) and a
 * job_status that completes on the second poll, signed with the official
 * Node SDK's `Signature`. A user id of `"taken"` gets 2215 at prep upload.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { OfficialSignature } from "./support.js"

export interface StubApi {
  readonly baseUrl: string
  readonly uploads: Map<string, Buffer>
  readonly requests: Array<{ readonly method: string; readonly url: string; readonly headers: http.IncomingHttpHeaders }>
  readonly close: () => Promise<void>
}

export const startStubApi = async (partnerId: string, apiKey: string): Promise<StubApi> => {
  const uploads = new Map<string, Buffer>()
  const polls = new Map<string, number>()
  const jobTypes = new Map<string, number>()
  const requests: StubApi["requests"] = []
  let origin = ""
  const signed = (fields: object) => ({ ...new OfficialSignature(partnerId, apiKey).generate_signature(new Date().toISOString()), ...fields })
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      requests.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers })
      const body = Buffer.concat(chunks)
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { "content-type": "application/json" })
        response.end(JSON.stringify(value))
      }
      const url = new URL(request.url ?? "/", origin)
      if (request.method === "POST" && url.pathname === "/v1/upload") {
        const payload = JSON.parse(body.toString("utf8"))
        const official = new OfficialSignature(partnerId, apiKey)
        if (!official.confirm_signature(payload.timestamp, payload.signature)) {
          return json(401, { code: "2205", error: "Error - You are not authorized to do that" })
        }
        const { job_id: jobId, job_type: jobType, user_id: userId } = payload.partner_params
        if (userId === "taken") return json(400, { code: "2215", error: "Error - Job already exists for job_id" })
        jobTypes.set(jobId, jobType)
        return json(200, { upload_url: `${origin}/uploads/${jobId}.zip?X-Amz-Signature=stub`, ref_id: `ref-${jobId}`, smile_job_id: "0000000042", camera_config: null, code: "2202" })
      }
      if (request.method === "PUT" && url.pathname.startsWith("/uploads/")) {
        uploads.set(decodeURIComponent(url.pathname.slice("/uploads/".length, -".zip".length)), body)
        response.writeHead(200)
        return response.end()
      }
      if (request.method === "POST" && url.pathname === "/v1/job_status") {
        const payload = JSON.parse(body.toString("utf8"))
        const poll = (polls.get(payload.job_id) ?? 0) + 1
        polls.set(payload.job_id, poll)
        if (!uploads.has(payload.job_id) || poll < 2) {
          return json(200, signed({ job_complete: false, job_success: false, code: "2314", result: "No zip uploaded" }))
        }
        const jobType = jobTypes.get(payload.job_id) ?? 4
        return json(200, signed({
          job_complete: true,
          job_success: true,
          code: "2302",
          result: {
            Actions: {
              Liveness_Check: "Passed",
              Register_Selfie: jobType === 4 ? "Approved" : "Not Applicable",
              Selfie_Check: "Passed",
              Selfie_Provided: "Passed",
              Selfie_To_Registered_Selfie_Compare: jobType === 2 ? "Completed" : "Not Applicable"
            },
            ConfidenceValue: "99",
            PartnerParams: { user_id: payload.user_id, job_id: payload.job_id, job_type: jobType },
            ResultCode: jobType === 4 ? "0840" : "0820",
            ResultText: jobType === 4 ? "Enroll User" : "Authenticate User",
            ResultType: "SAIA",
            SmileJobID: "0000000042",
            Source: "WebAPI",
            JSONVersion: "1.0.0",
            IsFinalResult: "true",
            IsMachineResult: "true"
          }
        }))
      }
      json(404, { code: "2213", error: `no route ${request.method} ${url.pathname}` })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    baseUrl: `${origin}/v1`,
    uploads,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
