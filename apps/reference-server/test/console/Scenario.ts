/** Jobs driven through the real v1 API: a registration, then an authentication the machine is unsure of. */
import { Ids, JobStore, ReviewQueue } from "@selfie-auth/core"
import { readDemo } from "@selfie-auth/test-fixtures"
import { Effect, Option } from "effect"
import { expect } from "vitest"
import { eventually, postJson, prepUploadBody, request } from "./Client.js"
import type { ConsoleServer } from "./ConsoleServer.js"
import { jobZip } from "./ConsoleServer.js"

const partnerId = Ids.PartnerId.make("001")

/** Prepares and uploads a job; answers its Smile job id. */
export const submit = async (
  server: ConsoleServer,
  options: { readonly userId: string; readonly jobId: string; readonly jobType: 2 | 4; readonly selfie: Uint8Array; readonly liveness?: ReadonlyArray<Uint8Array>; readonly callbackUrl?: string }
): Promise<string> => {
  const prep = await postJson(server, "/v1/upload", prepUploadBody({ ...options, callbackUrl: options.callbackUrl ?? null }))
  expect(prep.status, prep.text).toBe(200)
  const upload = await request(server.ca, "PUT", prep.json().upload_url, {
    body: jobZip(options),
    headers: { "content-type": "application/zip" }
  })
  expect(upload.status, upload.text).toBe(200)
  return prep.json().smile_job_id
}

/** The stored job once `done` says so. */
export const jobWhen = (server: ConsoleServer, smileJobId: string, done: (state: string) => boolean) =>
  eventually(() =>
    server.run(
      Effect.gen(function*() {
        const jobs = yield* JobStore
        const job = yield* jobs.findBySmileJobId(partnerId, Ids.SmileJobId.make(smileJobId))
        return Option.isSome(job) && done(job.value.state) ? job.value : undefined
      })
    ))

/** Registers `userId` with a demo photo (0840, selfie on file). */
export const registered = async (server: ConsoleServer, userId: string) => {
  const smileJobId = await submit(server, { userId, jobId: `${userId}-register`, jobType: 4, selfie: readDemo("obama-1.jpg") })
  const job = await jobWhen(server, smileJobId, (state) => state === "Completed")
  expect(job.results[0]?.resultCode).toBe("0840")
  return smileJobId
}

/**
 * Registers the user and submits an authentication with four liveness
 * frames, which the scripted engine finds unsure (0825); answers once the
 * job is in the review queue.
 */
export const provisionalAuthentication = async (server: ConsoleServer, userId: string, callbackUrl?: string) => {
  await registered(server, userId)
  const smileJobId = await submit(server, {
    userId,
    jobId: `${userId}-authenticate`,
    jobType: 2,
    selfie: readDemo("obama-2.jpg"),
    liveness: [readDemo("obama-3.jpg"), readDemo("obama-4.jpg"), readDemo("obama-5.jpg"), readDemo("obama-1.jpg")],
    ...(callbackUrl === undefined ? {} : { callbackUrl })
  })
  const job = await jobWhen(server, smileJobId, (state) => state === "UnderReview")
  expect(job.results[0]?.resultCode).toBe("0825")
  await eventually(() =>
    server.run(Effect.map(Effect.flatMap(ReviewQueue, (queue) => queue.pending(partnerId)), (pending) =>
      pending.some((entry) => entry.smileJobId === smileJobId) ? true : undefined))
  )
  return smileJobId
}
