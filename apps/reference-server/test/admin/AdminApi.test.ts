/**
 * User administration through the signed admin API and the console, and its
 * effects as the product text states them, observed through the real
 * `POST /v1/upload`: a disabled user's authentication gets 2207, a deleted
 * user's 2208 (images erased), a flagged user's 2211 until re-enrolled.
 */
import { BlobKey, BlobStore, Ids, User, UseCases, JobStore } from "@selfie-auth/core"
import { readDemo } from "@selfie-auth/test-fixtures"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { csrfOf, postForm, postJson, prepUploadBody, request, sessionCookieOf, sign, uniqueTimestamp } from "../console/Client.js"
import type { ConsoleServer } from "../console/ConsoleServer.js"
import { passwordOf, startConsoleServer } from "../console/ConsoleServer.js"
import { registered, submit, jobWhen } from "../console/Scenario.js"

let server: ConsoleServer
beforeAll(async () => {
  server = await startConsoleServer()
}, 60_000)
afterAll(() => server?.close())

const partnerId = Ids.PartnerId.make("001")

/** A signed admin request (a fresh timestamp each time; `at` to sign another moment). */
const admin = (action: string, fields: Record<string, unknown>, options: { readonly at?: Date; readonly apiKey?: string; readonly partnerId?: string } = {}) => {
  const partner = options.partnerId ?? "001"
  const timestamp = options.at?.toISOString() ?? uniqueTimestamp()
  return postJson(server, `/admin/v1/users/${action}`, {
    partner_id: partner,
    signature: sign(partner, options.apiKey ?? (partner === "001" ? "test-api-key" : "second-partner-key"), timestamp),
    timestamp,
    ...fields
  })
}

/** What a prep upload of an authentication answers now. */
const authenticate = async (userId: string, jobId: string) => {
  const reply = await postJson(server, "/v1/upload", prepUploadBody({ userId, jobId, jobType: 2 }))
  return { status: reply.status, code: reply.status === 200 ? "ok" : reply.json().code as string, body: reply.json() }
}

describe("POST /admin/v1/users/<action>", () => {
  it("disable gives 2207 until enable; the same change twice is a 409 that says why", async () => {
    await registered(server, "adm-disable")
    const disabled = await admin("disable", { user_id: "adm-disable" })
    expect(disabled.status, disabled.text).toBe(200)
    expect(disabled.json()).toEqual({ partner_id: "001", user_id: "adm-disable", state: "disabled", images_erased: 0 })
    const refused = await authenticate("adm-disable", "adm-disable-auth-1")
    expect(refused).toMatchObject({ status: 403, code: "2207" })
    expect(refused.body.error).toMatch(/is disabled; enable the user/)

    const twice = await admin("disable", { user_id: "adm-disable" })
    expect(twice.status).toBe(409)
    expect(twice.json()).toMatchObject({ reason: "IllegalUserTransition", state: "disabled" })
    expect(twice.json().error).toContain("the user is already disabled")

    expect((await admin("enable", { user_id: "adm-disable" })).json().state).toBe("registered")
    expect(await authenticate("adm-disable", "adm-disable-auth-2")).toMatchObject({ status: 200 })
  }, 60_000)

  it("flag_re_enrollment gives 2211 until the user registers again (or the flag is cleared)", async () => {
    await registered(server, "adm-flag")
    expect((await admin("flag_re_enrollment", { user_id: "adm-flag" })).json().state).toBe("flagged_for_re_enrollment")
    expect(await authenticate("adm-flag", "adm-flag-auth-1")).toMatchObject({ status: 409, code: "2211" })

    // Re-enrollment: a new registration job is admitted and clears the flag once approved.
    const again = await submit(server, { userId: "adm-flag", jobId: "adm-flag-register-2", jobType: 4, selfie: readDemo("obama-3.jpg") })
    expect((await jobWhen(server, again, (state) => state === "Completed")).results[0]?.resultCode).toBe("0840")
    expect(await authenticate("adm-flag", "adm-flag-auth-2")).toMatchObject({ status: 200 })

    expect((await admin("flag_re_enrollment", { user_id: "adm-flag" })).status).toBe(200)
    expect((await admin("clear_re_enrollment", { user_id: "adm-flag" })).json().state).toBe("registered")
    expect(await authenticate("adm-flag", "adm-flag-auth-3")).toMatchObject({ status: 200 })
  }, 60_000)

  it("delete erases every image of the user and gives 2208; the jobs stay listed", async () => {
    const registration = await registered(server, "adm-delete")
    const stored = await server.run(Effect.flatMap(JobStore, (jobs) => jobs.findBySmileJobId(partnerId, Ids.SmileJobId.make(registration))))
    const job = Option.getOrThrow(stored)
    const selfieKey = User.selfieBlobKeyOf({ partnerId, userId: "adm-delete" }, job.smileJobId)
    const blobExists = (key: BlobKey) => server.run(Effect.flatMap(BlobStore, (blobs) => Effect.isSuccess(blobs.get(key))))
    expect(await blobExists(selfieKey)).toBe(true)
    expect(await blobExists(UseCases.AcceptUpload.uploadBlobKeyOf(job))).toBe(true)

    const deleted = await admin("delete", { user_id: "adm-delete" })
    expect(deleted.status, deleted.text).toBe(200)
    expect(deleted.json().state).toBe("deleted")
    expect(deleted.json().images_erased).toBeGreaterThanOrEqual(2)
    expect(await blobExists(selfieKey)).toBe(false)
    expect(await blobExists(UseCases.AcceptUpload.uploadBlobKeyOf(job))).toBe(false)
    expect(await authenticate("adm-delete", "adm-delete-auth")).toMatchObject({ status: 404, code: "2208" })

    const listed = await admin("jobs", { user_id: "adm-delete" })
    expect(listed.json()).toMatchObject({
      partner_id: "001",
      user_id: "adm-delete",
      state: "deleted",
      jobs: [{ smile_job_id: registration, job_id: "adm-delete-register", job_type: 4, state: "Completed", result_code: "0840", result_text: "Enroll User", is_final: true }]
    })
    expect((await admin("delete", { user_id: "adm-delete" })).status).toBe(409)
  }, 60_000)

  it("authenticates before it reads the body: 2213, 2205 for a bad, stale or reused signature, partners isolated", async () => {
    await registered(server, "adm-auth")
    const missing = await postJson(server, "/admin/v1/users/disable", { user_id: "adm-auth" })
    expect(missing.status).toBe(400)
    expect(missing.json()).toEqual({ code: "2213", error: expect.stringContaining("partner_id, signature, timestamp missing") })

    const badKey = await admin("disable", { user_id: "adm-auth" }, { apiKey: "not-the-key" })
    expect(badKey.status).toBe(401)
    expect(badKey.json().code).toBe("2205")
    const stale = await admin("disable", { user_id: "adm-auth" }, { at: new Date(Date.now() - 10 * 60 * 1000) })
    expect(stale.json().code).toBe("2205")
    const unknown = await admin("disable", { user_id: "adm-auth" }, { partnerId: "999" })
    expect(unknown.json().code).toBe("2205")

    const timestamp = new Date().toISOString()
    const body = { partner_id: "001", signature: sign("001", "test-api-key", timestamp), timestamp, user_id: "adm-auth" }
    expect((await postJson(server, "/admin/v1/users/jobs", body)).status).toBe(200)
    const replayed = await postJson(server, "/admin/v1/users/disable", body)
    expect(replayed.status).toBe(401)
    expect(replayed.json().error).toContain("already used")

    expect((await admin("disable", {})).json().code).toBe("2213")
    expect((await admin("disable", { user_id: 42 })).json().code).toBe("2204")
    expect((await admin("promote", { user_id: "adm-auth" })).status).toBe(404)
    // Partner 002 has no user "adm-auth": partner 001's user is untouched.
    expect((await admin("jobs", { user_id: "adm-auth" }, { partnerId: "002" })).json()).toEqual({
      partner_id: "002",
      user_id: "adm-auth",
      state: "not_registered",
      jobs: []
    })
    expect((await admin("disable", { user_id: "adm-auth" }, { partnerId: "002" })).status).toBe(409)
    expect(await authenticate("adm-auth", "adm-auth-auth")).toMatchObject({ status: 200 })
  }, 60_000)
})

describe("the console's user page", () => {
  const get = (path: string, cookie: string) => request(server.ca, "GET", `${server.url}${path}`, { headers: { cookie } })
  const signIn = async (username: string) =>
    sessionCookieOf(await postForm(server, "/console/sign-in", { username, password: passwordOf(username) }))

  it("lets an admin see a user's state and jobs and disable them (then 2207); reviewers cannot", async () => {
    const registration = await registered(server, "console-user")
    const olu = await signIn("olu")
    const page = await get("/console/users?partner=001&user_id=console-user", olu)
    expect(page.status).toBe(200)
    expect(page.text).toContain('User console-user <span class="tag">registered</span>')
    expect(page.text).toContain(`/console/jobs/001/${registration}`)
    expect(page.text).toContain("0840 Enroll User")
    const forms = [...page.text.matchAll(/name="action" value="([a-z_]+)"/g)].map((match) => match[1])
    expect(forms).toEqual(["disable", "flag_re_enrollment", "delete"])

    const fields = { partner: "001", user_id: "console-user", csrf: csrfOf(page.text) }
    const unconfirmed = await postForm(server, "/console/users/action", { ...fields, action: "delete" }, { cookie: olu })
    expect(decodeURIComponent(String(unconfirmed.headers["location"]))).toContain("to confirm the deletion")
    const disabled = await postForm(server, "/console/users/action", { ...fields, action: "disable" }, { cookie: olu })
    expect(disabled.status).toBe(303)
    expect(decodeURIComponent(String(disabled.headers["location"]))).toContain("the user is now disabled")
    expect(await authenticate("console-user", "console-user-auth")).toMatchObject({ code: "2207" })

    const alice = await signIn("alice")
    expect((await get("/console/users?partner=001&user_id=console-user", alice)).status).toBe(403)
    const aliceToken = csrfOf((await get("/console/queue", alice)).text)
    const refused = await postForm(server, "/console/users/action", { ...fields, csrf: aliceToken, action: "enable" }, { cookie: alice })
    expect(refused.status).toBe(403)
  }, 60_000)
})
