/**
 * `--max-json-bytes` on the admin API and the console, against the real
 * server: a body over the limit, declared or chunked, answers 413 in the
 * surface's own error shape (the v1 shape for the admin API, a problem page
 * for the console), naming the limit and the option, and nothing it asked
 * for happens; a body of exactly the limit is read; the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Reply } from "./Client.js"
import { csrfOf, postChunked, postForm, request, sessionCookieOf, sign, uniqueTimestamp } from "./Client.js"
import type { ConsoleServer } from "./ConsoleServer.js"
import { passwordOf, startConsoleServer } from "./ConsoleServer.js"
import { registered } from "./Scenario.js"

const limit = 4096

let server: ConsoleServer
beforeAll(async () => {
  server = await startConsoleServer({ maxJsonBytes: limit })
}, 60_000)
afterAll(() => server?.close())

/** `text` followed by blanks up to `bytes` bytes: still the same JSON. */
const padded = (text: string, bytes: number) => text + " ".repeat(bytes - Buffer.byteLength(text))

const jsonHeaders = { "content-type": "application/json" }

/** A signed admin body for `userId` (a timestamp of its own, so a signature of its own). */
const adminBody = (userId: string) => {
  const timestamp = uniqueTimestamp()
  return JSON.stringify({ partner_id: "001", user_id: userId, signature: sign("001", "test-api-key", timestamp), timestamp })
}

const postAdmin = (action: string, text: string) =>
  request(server.ca, "POST", `${server.url}/admin/v1/users/${action}`, { body: text, headers: jsonHeaders })

/** The user's state, as the admin API's `jobs` answers it. */
const stateOf = async (userId: string) => {
  const reply = await postAdmin("jobs", adminBody(userId))
  expect(reply.status, reply.text).toBe(200)
  return reply.json().state as string
}

describe("POST /admin/v1/users/<action> over --max-json-bytes", () => {
  const expectTooLarge = (reply: Reply, action: string) => {
    expect(reply.status, reply.text).toBe(413)
    expect(reply.headers["content-type"]).toBe("application/json")
    expect(reply.headers["connection"]).toBe("close")
    expect(reply.json()).toEqual({
      code: "2204",
      error: `Error - A parameter is of the wrong data type: the /admin/v1/users/${action} body is larger than this server accepts (4096 bytes); ` +
        "send a smaller JSON body, or raise the limit with the server's --max-json-bytes option (SELFIE_AUTH_MAX_JSON_BYTES)"
    })
  }

  it("413 (2204) naming the limit and the option, declared or chunked; the user unchanged and the signature unused; at the limit, read", async () => {
    await registered(server, "limit-admin")
    const body = adminBody("limit-admin")

    // A Content-Length over the limit; a chunked body of 6000 bytes in three writes (over the limit, under twice it).
    expectTooLarge(await postAdmin("disable", padded(body, limit + 1)), "disable")
    expectTooLarge(await postChunked(server, "/admin/v1/users/disable", [padded(body, 2000), " ".repeat(2000), " ".repeat(2000)], jsonHeaders), "disable")
    expectTooLarge(await postAdmin("delete", padded(adminBody("limit-admin"), 2 * limit)), "delete")
    expect(await stateOf("limit-admin")).toBe("registered")

    // The same signed body at exactly the limit is read and acted on: the refusals did not use its signature.
    const atLimit = await postAdmin("disable", padded(body, limit))
    expect(atLimit.status, atLimit.text).toBe(200)
    expect(atLimit.json()).toEqual({ partner_id: "001", user_id: "limit-admin", state: "disabled", images_erased: 0 })
    const atLimitChunked = await postChunked(server, "/admin/v1/users/enable", [padded(adminBody("limit-admin"), limit / 2), " ".repeat(limit / 2)], jsonHeaders)
    expect(atLimitChunked.status, atLimitChunked.text).toBe(200)
    expect(atLimitChunked.json().state).toBe("registered")

    // A body under the limit that is not JSON is still the admin API's own 2204 (400).
    const malformed = await postAdmin("disable", "{\"partner_id\":")
    expect(malformed.status).toBe(400)
    expect(malformed.json()).toEqual({
      code: "2204",
      error: "Error - A parameter is of the wrong data type: the body must be a JSON object with partner_id, user_id, signature and timestamp"
    })
  }, 60_000)
})

describe("the console's forms over --max-json-bytes", () => {
  const get = (path: string, cookie: string) => request(server.ca, "GET", `${server.url}${path}`, { headers: { cookie } })
  const formHeaders = { "content-type": "application/x-www-form-urlencoded" }

  const expectTooLarge = (reply: Reply) => {
    expect(reply.status, reply.text).toBe(413)
    expect(reply.headers["content-type"]).toBe("text/html; charset=utf-8")
    expect(reply.headers["content-security-policy"]).toContain("default-src 'none'")
    expect(reply.headers["connection"]).toBe("close")
    expect(reply.headers["set-cookie"]).toBeUndefined()
    expect(reply.text).toContain("<h1>Form too large</h1>")
    expect(reply.text).toContain(
      "The form is larger than this server accepts (4096 bytes); shorten what you typed, or raise the limit " +
        "with the server&#39;s --max-json-bytes option (SELFIE_AUTH_MAX_JSON_BYTES)."
    )
  }

  it("a user action: 413 with a problem page naming the limit, declared or chunked, the user unchanged; a form at the limit is read", async () => {
    await registered(server, "limit-console")
    const olu = sessionCookieOf(await postForm(server, "/console/sign-in", { username: "olu", password: passwordOf("olu") }))
    const page = await get("/console/users?partner=001&user_id=limit-console", olu)
    expect(page.status).toBe(200)
    const form = new URLSearchParams({ partner: "001", user_id: "limit-console", action: "disable", csrf: csrfOf(page.text) }).toString()
    // The form with a field of its own making it `bytes` long.
    const paddedForm = (bytes: number) => `${form}&pad=${"x".repeat(bytes - form.length - "&pad=".length)}`
    const post = (text: string) =>
      request(server.ca, "POST", `${server.url}/console/users/action`, { body: text, headers: { ...formHeaders, cookie: olu } })

    expectTooLarge(await post(paddedForm(limit + 1)))
    const chunked = paddedForm(6000)
    expectTooLarge(await postChunked(server, "/console/users/action", [chunked.slice(0, 3000), chunked.slice(3000)], { ...formHeaders, cookie: olu }))
    expect(await stateOf("limit-console")).toBe("registered")

    const atLimit = await post(paddedForm(limit))
    expect(atLimit.status, atLimit.text).toBe(303)
    expect(decodeURIComponent(String(atLimit.headers["location"]))).toContain("the user is now disabled")
    expect(await stateOf("limit-console")).toBe("disabled")
  }, 60_000)

  it("sign-in: 413 and no session for a form over the limit; the same credentials at the limit sign in", async () => {
    const form = new URLSearchParams({ username: "alice", password: passwordOf("alice") }).toString()
    const paddedForm = (bytes: number) => `${form}&pad=${"x".repeat(bytes - form.length - "&pad=".length)}`
    const whole = paddedForm(limit + 100)
    expectTooLarge(await postChunked(server, "/console/sign-in", [whole.slice(0, 100), whole.slice(100)], formHeaders))

    const signedIn = await request(server.ca, "POST", `${server.url}/console/sign-in`, { body: paddedForm(limit), headers: formHeaders })
    expect(signedIn.status, signedIn.text).toBe(303)
    expect(signedIn.headers["location"]).toBe("/console/queue")
    expect((await get("/console/queue", sessionCookieOf(signedIn))).status).toBe(200)
  })

  it("a client that keeps sending past twice the limit is cut off, and the server keeps serving", async () => {
    const flood = ["username=alice&password=", ...Array.from({ length: 64 }, () => "x".repeat(limit))]
    // The refusal comes as soon as the body passes twice the limit, before the client is done; it may lose it to a reset.
    const outcome = await postChunked(server, "/console/sign-in", flood, formHeaders)
      .then((reply) => String(reply.status), (error: NodeJS.ErrnoException) => error.code)
    expect(["413", "ECONNRESET", "EPIPE"]).toContain(outcome)

    const signedIn = await postForm(server, "/console/sign-in", { username: "alice", password: passwordOf("alice") })
    expect(signedIn.status).toBe(303)
    expect(await stateOf("limit-console-unknown")).toBe("not_registered")
  })
})
