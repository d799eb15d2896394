/**
 * Test support: a fake v1 API on msw that records every request our client
 * makes, and signs its job_status answers with the official Node SDK's own
 * `Signature` class (so the client's verification is checked against an
 * independent implementation, never against itself).
 */
import { createRequire } from "node:module"
import { http, HttpResponse } from "msw"
import { setupServer } from "msw/node"

const require = createRequire(import.meta.url)

/** The official SDK's `Signature` class (smile-identity-core 3.2.1). */
export interface OfficialSignature {
  generate_signature(timestamp?: string | number): { signature: string; timestamp: string | number }
  confirm_signature(timestamp: string | number, signature: string): boolean
}
export const OfficialSignature: new (partnerId: string, apiKey: string) => OfficialSignature =
  require("smile-identity-core").Signature

export const partnerId = "001"
export const apiKey = "test-api-key"
export const baseUrl = "https://api.test/v1"
export const uploadUrl = "https://uploads.test/videos/001/001-0000000042-abc/attachments.zip?X-Amz-Signature=fake&Expires=1"

/** A JPEG-looking image: the SOI marker and an APP0 segment start, then deterministic noise, then EOI. */
export const jpeg = (size: number, seed: number): Uint8Array => {
  const out = new Uint8Array(size)
  let state = seed >>> 0
  for (let index = 0; index < size; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    out[index] = state >>> 24
  }
  out.set([0xff, 0xd8, 0xff, 0xe0], 0)
  out.set([0xff, 0xd9], size - 2)
  return out
}

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly json: unknown
  readonly bytes: Uint8Array
}

/** What the fake API answers; each can be replaced by a test. */
export interface FakeApiBehaviour {
  prepUpload: (body: any) => Response
  upload: (attempt: number) => Response
  jobStatus: (body: any, poll: number) => Response
}

export const completeResult = (userId: string, jobId: string, jobType: number) => ({
  Actions: {
    Liveness_Check: "Passed",
    Register_Selfie: jobType === 4 ? "Approved" : "Not Applicable",
    Selfie_Check: "Passed",
    Selfie_Provided: "Passed",
    Selfie_To_Registered_Selfie_Compare: jobType === 2 ? "Completed" : "Not Applicable"
  },
  ConfidenceValue: "99",
  PartnerParams: { user_id: userId, job_id: jobId, job_type: jobType },
  ResultCode: jobType === 4 ? "0840" : "0820",
  ResultText: jobType === 4 ? "Enroll User" : "Authenticate User",
  ResultType: "SAIA",
  SmileJobID: "0000000042",
  Source: "WebAPI",
  JSONVersion: "1.0.0",
  IsFinalResult: "true",
  IsMachineResult: "true"
})

/** A job_status answer signed the way the server signs it, by the official SDK. */
export const signedStatus = (fields: Record<string, unknown>, key = apiKey) => {
  const { signature, timestamp } = new OfficialSignature(partnerId, key).generate_signature(new Date().toISOString())
  return { timestamp, signature, ...fields }
}

export const defaultBehaviour = (): FakeApiBehaviour => ({
  prepUpload: () =>
    HttpResponse.json({ upload_url: uploadUrl, ref_id: "ref-42", smile_job_id: "0000000042", camera_config: "null", code: "2202" }),
  upload: () => new HttpResponse(null, { status: 200 }),
  jobStatus: (body) =>
    HttpResponse.json(
      signedStatus({
        job_complete: true,
        job_success: true,
        code: "2302",
        result: completeResult(body.user_id, body.job_id, 4)
      })
    )
})

/** An msw server for the fake API, with the requests it received. */
export const makeFakeApi = () => {
  const recorded: Array<Recorded> = []
  let behaviour = defaultBehaviour()
  let uploads = 0
  let polls = 0
  const record = async (request: Request): Promise<Recorded> => {
    const bytes = new Uint8Array(await request.clone().arrayBuffer())
    const text = new TextDecoder().decode(bytes)
    let json: unknown = undefined
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    const headers: Record<string, string> = {}
    request.headers.forEach((value, name) => {
      headers[name] = value
    })
    const entry = { method: request.method, url: request.url, headers, json, bytes }
    recorded.push(entry)
    return entry
  }
  const server = setupServer(
    http.post(`${baseUrl}/upload`, async ({ request }) => behaviour.prepUpload((await record(request)).json)),
    http.put("https://uploads.test/*", async ({ request }) => {
      await record(request)
      uploads += 1
      return behaviour.upload(uploads)
    }),
    http.post(`${baseUrl}/job_status`, async ({ request }) => {
      const entry = await record(request)
      polls += 1
      return behaviour.jobStatus(entry.json, polls)
    })
  )
  return {
    server,
    recorded,
    requests: (method: string, suffix: string) => recorded.filter((r) => r.method === method && r.url.split("?")[0]!.endsWith(suffix)),
    set: (overrides: Partial<FakeApiBehaviour>) => {
      behaviour = { ...behaviour, ...overrides }
    },
    reset: () => {
      recorded.length = 0
      behaviour = defaultBehaviour()
      uploads = 0
      polls = 0
    }
  }
}
