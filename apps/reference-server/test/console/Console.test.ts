/**
 * The review console over HTTPS against the real server (console mounted,
 * real durable pipeline, scripted face engine): sign-in and its cookie,
 * throttling, CSRF and origin checks, partner isolation, authenticated
 * images, and a decision that ends the workflow's wait with the 12xx result,
 * its callback, job_status and the audit entry.
 */
import { Decision, Ids, Job, JobStore } from "@selfie-auth/core"
import { readDemo } from "@selfie-auth/test-fixtures"
import { Either, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ReviewAudit } from "../../src/console/ReviewAudit.js"
import { csrfOf, eventually, jobStatusBody, postForm, postJson, request, sessionCookieOf, sign } from "./Client.js"
import type { CallbackReceiver, ConsoleServer } from "./ConsoleServer.js"
import { passwordOf, scriptedFindings, startCallbackReceiver, startConsoleServer } from "./ConsoleServer.js"
import { provisionalAuthentication } from "./Scenario.js"
import { Effect } from "effect"

let server: ConsoleServer
let receiver: CallbackReceiver
beforeAll(async () => {
  server = await startConsoleServer()
  receiver = await startCallbackReceiver()
}, 60_000)
afterAll(async () => {
  await server?.close()
  await receiver?.close()
})

const signIn = async (username: string, password = passwordOf(username)) => {
  const reply = await postForm(server, "/console/sign-in", { username, password })
  expect(reply.status, reply.text).toBe(303)
  return sessionCookieOf(reply)
}

const get = (path: string, cookie?: string) => request(server.ca, "GET", `${server.url}${path}`, { headers: cookie === undefined ? {} : { cookie } })

describe("sign-in", () => {
  it("sets a __Host- session cookie: HttpOnly, Secure, SameSite=Strict, with the session's lifetime", async () => {
    const form = await get("/console/sign-in")
    expect(form.status).toBe(200)
    expect(form.headers["content-type"]).toBe("text/html; charset=utf-8")
    expect(form.headers["content-security-policy"]).toContain("default-src 'none'")
    expect(form.headers["x-frame-options"]).toBe("DENY")
    expect(form.text).toContain('<label for="password">Password</label>')

    const reply = await postForm(server, "/console/sign-in", { username: "alice", password: passwordOf("alice") })
    expect(reply.status).toBe(303)
    expect(reply.headers["location"]).toBe("/console/queue")
    const cookie = String(reply.headers["set-cookie"])
    expect(cookie).toMatch(/^__Host-selfie_auth_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure$/)
    const queue = await get("/console/queue", sessionCookieOf(reply))
    expect(queue.status).toBe(200)
    expect(queue.text).toContain("Signed in as <strong>alice</strong> (reviewer)")
  })

  it("refuses a wrong password and an unknown name alike, and pages without a session go to sign-in", async () => {
    const wrong = await postForm(server, "/console/sign-in", { username: "olu", password: "not-it" })
    const unknown = await postForm(server, "/console/sign-in", { username: "mallory", password: "anything" })
    for (const reply of [wrong, unknown]) {
      expect(reply.status).toBe(401)
      expect(reply.headers["set-cookie"]).toBeUndefined()
      expect(reply.text).toContain("Unknown username or wrong password.")
    }
    const queue = await get("/console/queue")
    expect(queue.status).toBe(303)
    expect(queue.headers["location"]).toBe("/console/sign-in")
    const forged = await get("/console/queue", "__Host-selfie_auth_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    expect(forged.status).toBe(303)
  })

  it("signs out: the session no longer works, and sign-out needs the CSRF token", async () => {
    const cookie = await signIn("alice")
    const page = (await get("/console/queue", cookie)).text
    const withoutToken = await postForm(server, "/console/sign-out", {}, { cookie })
    expect(withoutToken.status).toBe(403)
    const out = await postForm(server, "/console/sign-out", { csrf: csrfOf(page) }, { cookie })
    expect(out.status).toBe(303)
    expect(String(out.headers["set-cookie"])).toContain("Max-Age=0")
    expect((await get("/console/queue", cookie)).status).toBe(303)
  })
})

describe("reviewing a provisional authentication", () => {
  it("shows the job with its images and findings, decides it once, and the workflow sends 1221 with the Human_Review actions", async () => {
    const smileJobId = await provisionalAuthentication(server, "user-<b>&1", receiver.url)
    const alice = await signIn("alice")

    const queue = await get("/console/queue", alice)
    expect(queue.text).toContain(`/console/jobs/001/${smileJobId}`)
    // Values are escaped: the user id's markup is text.
    expect(queue.text).toContain("user-&lt;b&gt;&amp;1")
    expect(queue.text).not.toContain("user-<b>")
    expect(queue.text).toContain("the comparison is unsure: distance 0.6 in [0.58, 0.62)")

    const page = await get(`/console/jobs/001/${smileJobId}`, alice)
    expect(page.status).toBe(200)
    // Exactly the verdicts Decision.verdictsFor allows for an unsure comparison, each with its outcome.
    const offered = [...page.text.matchAll(/name="verdict" value="([a-z_]+)"/g)].map((match) => match[1])
    expect(offered).toEqual(["same_person", "different_person", "spoof", "unusable"])
    expect(page.text).toContain("→ 1220 Authenticate User")
    expect(page.text).toContain("→ 1221 Failed Authentication")
    expect(page.text).toContain("<strong>0825</strong>")
    expect(page.text).toContain("61 / 100")
    for (const image of ["selfie", "registered", "liveness-1", "liveness-2", "liveness-3", "liveness-4"]) {
      expect(page.text).toContain(`/console/jobs/001/${smileJobId}/images/${image}`)
    }

    // Images: the bytes as uploaded, only with a session, only for the reviewer's partners.
    const selfie = await get(`/console/jobs/001/${smileJobId}/images/selfie`, alice)
    expect(selfie.status).toBe(200)
    expect(selfie.headers["content-type"]).toBe("image/jpeg")
    expect(selfie.headers["cache-control"]).toBe("private, no-store")
    expect(Buffer.from(selfie.body).equals(Buffer.from(readDemo("obama-2.jpg")))).toBe(true)
    const registered = await get(`/console/jobs/001/${smileJobId}/images/registered`, alice)
    expect(Buffer.from(registered.body).equals(Buffer.from(readDemo("obama-1.jpg")))).toBe(true)
    const frame = await get(`/console/jobs/001/${smileJobId}/images/liveness-3`, alice)
    expect(Buffer.from(frame.body).equals(Buffer.from(readDemo("obama-5.jpg")))).toBe(true)
    expect((await get(`/console/jobs/001/${smileJobId}/images/liveness-5`, alice)).status).toBe(404)
    expect((await get(`/console/jobs/001/${smileJobId}/images/selfie`)).status).toBe(303)
    const bob = await signIn("bob")
    expect((await get(`/console/jobs/001/${smileJobId}/images/selfie`, bob)).status).toBe(403)
    expect((await get(`/console/jobs/001/${smileJobId}`, bob)).status).toBe(403)

    // POSTs need the session's token and this site as origin.
    const csrf = csrfOf(page.text)
    const decision = `/console/jobs/001/${smileJobId}/decision`
    expect((await postForm(server, decision, { verdict: "different_person" }, { cookie: alice })).status).toBe(403)
    expect((await postForm(server, decision, { verdict: "different_person", csrf: "x".repeat(43) }, { cookie: alice })).status).toBe(403)
    const crossSite = await postForm(server, decision, { verdict: "different_person", csrf }, { cookie: alice, origin: "https://evil.example" })
    expect(crossSite.status).toBe(403)
    // A verdict that does not settle this review is refused and changes nothing.
    const live = await postForm(server, decision, { verdict: "live", csrf }, { cookie: alice })
    expect(live.status).toBe(303)
    expect(decodeURIComponent(String(live.headers["location"]))).toContain("Choose one of: Same person, Different person, Spoof, Unusable.")

    const decided = await postForm(server, decision, { verdict: "different_person", note: "Different jawline <and> ears", csrf }, { cookie: alice })
    expect(decided.status).toBe(303)
    expect(decodeURIComponent(String(decided.headers["location"]))).toContain(`Job ${smileJobId}: Different person recorded; the partner receives 1221.`)

    // The workflow's wait ends: the follow-up callback, signed, with the human result.
    const followUp = await eventually(() => receiver.received.find((entry) => entry.body.SmileJobID === smileJobId && entry.body.ResultCode === "1221"))
    expect(followUp.body).toMatchObject({
      ResultText: "Failed Authentication",
      IsFinalResult: "true",
      IsMachineResult: "false",
      ConfidenceValue: "61",
      Actions: {
        Human_Review_Compare: "Failed",
        Selfie_To_Registered_Selfie_Compare: "Failed",
        Liveness_Check: "Passed",
        Selfie_Provided: "Passed"
      }
    })
    expect(followUp.body.signature).toBe(sign("001", "test-api-key", followUp.body.timestamp))
    const machineCallback = receiver.received.find((entry) => entry.body.SmileJobID === smileJobId && entry.body.ResultCode === "0825")
    expect(machineCallback?.body.Actions.Human_Review_Compare).toBe("Under Review")

    const status = (await postJson(server, "/v1/job_status", jobStatusBody({ userId: "user-<b>&1", jobId: "user-<b>&1-authenticate", history: true }))).json()
    expect(status).toMatchObject({ job_complete: true, code: "2302", result: { ResultCode: "1221" } })
    expect(status.history.map((result: { ResultCode: string }) => result.ResultCode)).toEqual(["0825", "1221"])

    // Audited: who, when, what, the note, and what the machine had said.
    const entry = await server.run(
      Effect.flatMap(ReviewAudit, (audit) => audit.find(Ids.PartnerId.make("001"), Ids.SmileJobId.make(smileJobId)))
    )
    expect(Option.getOrThrow(entry)).toMatchObject({
      reviewer: "alice",
      verdict: "different_person",
      note: "Different jawline <and> ears",
      outcomeCode: "1221",
      machine: { resultCode: "0825", confidence: 61 }
    })
    const trail = await get("/console/audit", alice)
    expect(trail.text).toContain("Different jawline &lt;and&gt; ears")

    // A second decision changes nothing: the job is no longer waiting.
    await eventually(async () => ((await get("/console/queue", alice)).text.includes(smileJobId) ? undefined : true))
    const again = await postForm(server, decision, { verdict: "same_person", csrf }, { cookie: alice })
    expect(decodeURIComponent(String(again.headers["location"]))).toContain("already decided by alice (Different person)")
    expect(receiver.received.filter((entry) => entry.body.SmileJobID === smileJobId).map((entry) => entry.body.ResultCode)).toEqual(["0825", "1221"])
  }, 60_000)
})

describe("sign-in throttling", () => {
  it("locks a username after 5 failures: even the right password then gets 429 with Retry-After", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await postForm(server, "/console/sign-in", { username: "bob", password: `guess-${attempt}` })).status).toBe(401)
    }
    const locked = await postForm(server, "/console/sign-in", { username: "bob", password: passwordOf("bob") })
    expect(locked.status).toBe(429)
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0)
    expect(locked.text).toContain("Too many failed sign-ins")
  })
})

describe("the queue after a restart", () => {
  it("lists a job the JobStore holds under review even when the (in-memory) ReviewQueue lost it", async () => {
    const smileJobId = Ids.SmileJobId.make("0000009999")
    await server.run(Effect.gen(function*() {
      const jobs = yield* JobStore
      const step = (job: Job.Job, event: Job.JobEvent) => jobs.update(Either.getOrThrow(Job.transition(job, event)))
      const created = yield* jobs.insert(Job.make({
        partnerId: Ids.PartnerId.make("001"),
        smileJobId,
        partnerParams: { userId: Ids.UserId.make("restarted-user"), jobId: Ids.JobId.make("restarted-job"), jobType: 2, extras: {} },
        at: Date.now() - 3 * 3600_000
      }))
      const uploaded = yield* step(created, { _tag: "UploadAccepted", at: Date.now() - 3 * 3600_000 })
      const processing = yield* step(uploaded, { _tag: "ProcessingStarted", at: Date.now() - 3 * 3600_000 })
      const decision = Decision.decide({
        jobType: 2,
        findings: scriptedFindings({ selfie: new Uint8Array(), livenessFrames: [], registeredSelfie: new Uint8Array() }),
        thresholds: Decision.defaultThresholds
      })
      yield* step(processing, { _tag: "MachineDecided", at: Date.now() - 2 * 3600_000, decision })
    }))
    const alice = await signIn("alice")
    const queue = (await get("/console/queue", alice)).text
    expect(queue).toContain(`/console/jobs/001/${smileJobId}`)
    expect(queue).toMatch(/restarted-user[\s\S]*the comparison is unsure/)
    expect(queue).toContain("2 h 0 min")
  })
})
