/**
 * The review console: server-rendered pages under `/console`.
 *
 * | route | what |
 * |---|---|
 * | `GET /console/sign-in`, `POST /console/sign-in` | sign-in (throttled), sets the session cookie |
 * | `POST /console/sign-out` | ends the session |
 * | `GET /console/queue` | the waiting jobs of the reviewer's partners (`ReviewQueue`, plus any job the `JobStore` holds under review that the queue lost in a restart), longest waiting first |
 * | `GET /console/jobs/<partner>/<smile job id>` | images side by side, the machine's findings, the decision buttons |
 * | `POST /console/jobs/<partner>/<smile job id>/decision` | a verdict and a note: audited, then handed to the workflow |
 * | `GET /console/jobs/<partner>/<smile job id>/images/<selfie, registered, liveness-n>` | an image, for a signed-in reviewer |
 * | `GET /console/users`, `POST /console/users/action` | user administration (admins) |
 * | `GET /console/audit` | the audit trail |
 *
 * A form is read at most `--max-json-bytes` of it, before its route runs
 * (`Http.ts`); a longer one answers 413 with a problem page naming the limit
 * ({@link formTooLarge}).
 *
 * Security: the session cookie is `HttpOnly`, `SameSite=Strict`, `Secure`
 * and `__Host-` prefixed over HTTPS, and lasts the configured time; every
 * POST after sign-in must carry the session's CSRF token (compared in
 * constant time), and no POST is taken from another origin. Pages are sent
 * with a strict Content-Security-Policy (no script at all), `no-store`, and
 * `frame-ancestors 'none'`. A reviewer sees and decides only the jobs of the
 * partners listed for them.
 *
 * A decision is written to the {@link ReviewAudit} first (one per job, first
 * wins) and then handed to `JobPipeline.completeReview`, whose workflow
 * produces the 12xx result, the `Human_Review_*` actions, the job_status
 * update and the follow-up callback. Should the server stop between the two,
 * deciding the job again hands over the audited verdict, never a new one.
 */
import { HttpApiBuilder, HttpRouter, HttpServerRequest, HttpServerResponse, UrlParams } from "@effect/platform"
import { BlobStore, Decision, Ids, Job, JobStore, ReviewQueue, UserStore, ZipCodec } from "@selfie-auth/core"
import { Clock, Effect, Either, Layer, Option, Schema } from "effect"
import { JobPipeline } from "../pipeline/JobPipeline.js"
import * as UserAdmin from "../admin/UserAdmin.js"
import { ConsoleSettings, mayAdminister, mayReview } from "./ConsoleConfig.js"
import * as ConsolePages from "./ConsolePages.js"
import type { Flash } from "./ConsolePages.js"
import { stylesheet } from "./ConsoleStyle.js"
import * as Password from "./Password.js"
import { ReviewAudit } from "./ReviewAudit.js"
import type { AuditEntry } from "./ReviewAudit.js"
import * as ReviewImages from "./ReviewImages.js"
import { sameToken, Sessions } from "./Sessions.js"
import type { Session } from "./Sessions.js"

/** The services the console's routes run on. */
export type ConsoleServices =
  | ConsoleSettings
  | Sessions
  | ReviewAudit
  | ReviewQueue
  | JobStore
  | UserStore
  | BlobStore
  | ZipCodec
  | JobPipeline

/** The path prefix of the console's pages and forms. */
export const consolePathPrefix = "/console"

/** The session cookie's name: `__Host-` prefixed (bound to this host, Secure, Path=/) over HTTPS. */
export const cookieNameOf = (secure: boolean): string => (secure ? "__Host-selfie_auth_console" : "selfie_auth_console")

const securityHeaders = {
  "content-security-policy":
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store"
}

const page = (body: string, status = 200, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(body, { status, contentType: "text/html; charset=utf-8", headers: { ...securityHeaders, ...headers } })

const redirect = (location: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.empty({ status: 303, headers: { ...securityHeaders, location, ...headers } })

const problem = (
  session: Session | undefined,
  status: 400 | 403 | 404 | 409 | 413 | 429,
  title: string,
  detail: string,
  headers: Record<string, string> = {}
) => page(ConsolePages.problemPage({ session, title, detail }), status, headers)

/**
 * 413 for a form longer than `--max-json-bytes`, as the console answers its
 * other refused posts: a problem page naming the limit and the option. The
 * server answers it before the route runs (`Http.ts`, `readBodies`), so
 * before the session is known.
 */
export const formTooLarge = (maxBytes: number) =>
  problem(
    undefined,
    413,
    "Form too large",
    `The form is larger than this server accepts (${maxBytes} bytes); shorten what you typed, or raise the limit ` +
      `with the server's --max-json-bytes option (SELFIE_AUTH_MAX_JSON_BYTES).`
  )

const sessionCookie = (secure: boolean, value: string, maxAgeSeconds: number) =>
  `${cookieNameOf(secure)}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`

/** The signed-in session of this request, if any. */
const currentSession = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const settings = yield* ConsoleSettings
  const value = request.cookies[cookieNameOf(settings.secure)]
  if (value === undefined || !/^[A-Za-z0-9_-]{43}$/.test(value)) return undefined
  return yield* (yield* Sessions).find(value)
})

/** Whether a POST comes from this site (a browser says where a form was sent from). */
const sameOrigin = (request: HttpServerRequest.HttpServerRequest): boolean => {
  if (request.headers["sec-fetch-site"] === "cross-site") return false
  const origin = request.headers["origin"]
  if (origin === undefined) return true
  try {
    return new URL(origin).host === request.headers["host"]
  } catch {
    return false
  }
}

const formOf = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const params = yield* Effect.orElseSucceed(request.urlParamsBody, () => UrlParams.empty)
  return (name: string): string | undefined => Option.getOrUndefined(UrlParams.getFirst(params, name))
})

/**
 * Runs `body` for a signed-in reviewer. GETs without a session go to the
 * sign-in page; POSTs must also come from this site and carry the CSRF token.
 */
const withSession = <E, R>(
  body: (session: Session, field: (name: string) => string | undefined) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const session = yield* currentSession
    if (request.method !== "POST") {
      if (session === undefined) return redirect("/console/sign-in")
      return yield* body(session, () => undefined)
    }
    if (!sameOrigin(request)) return problem(session, 403, "Refused", "This form was sent from another site; use the console's own pages.")
    if (session === undefined) return problem(undefined, 403, "Signed out", "Your session ended; sign in again and repeat the action.")
    const field = yield* formOf
    const csrf = field("csrf") ?? ""
    if (!sameToken(csrf, session.csrfToken)) {
      return problem(session, 403, "Refused", "The form's security token is missing or stale; reload the page and try again.")
    }
    return yield* body(session, field)
  })

const decode = <A, I>(schema: Schema.Schema<A, I>, value: unknown) => Either.getRight(Schema.decodeUnknownEither(schema)(value))


/** The verdicts this job's review accepts, each with the result it produces. */
const verdictOptions = (job: Job.Job): ReadonlyArray<ConsolePages.VerdictOption> => {
  const machine = job.results[0]
  if (job.state !== "UnderReview" || machine === undefined) return []
  const jobType = job.partnerParams.jobType
  return Decision.verdictsFor(jobType, Job.decisionOf(machine)).flatMap((verdict) =>
    Either.match(Decision.decideHumanReview({ jobType, machine: Job.decisionOf(machine), verdict }), {
      onLeft: () => [],
      onRight: (decided) => [{ verdict, resultCode: decided.resultCode, resultText: decided.resultText }]
    })
  )
}

/** The job a console path names, if the reviewer may see it. */
const jobOf = (session: Session, params: Readonly<Record<string, string | undefined>>) =>
  Effect.gen(function*() {
    const partnerId = decode(Ids.PartnerId, params["partnerId"])
    const smileJobId = decode(Ids.SmileJobId, params["smileJobId"])
    if (Option.isNone(partnerId) || Option.isNone(smileJobId)) return Either.left(problem(session, 404, "No such job", "The address names no job."))
    if (!mayReview(session.reviewer, partnerId.value)) {
      return Either.left(problem(session, 403, "Not your partner", `You do not review the jobs of partner ${partnerId.value}.`))
    }
    const jobs = yield* JobStore
    const job = yield* jobs.findBySmileJobId(partnerId.value, smileJobId.value)
    if (Option.isNone(job)) return Either.left(problem(session, 404, "No such job", `Partner ${partnerId.value} has no job ${smileJobId.value}.`))
    return Either.right(job.value)
  })

const jobPageOf = (session: Session, job: Job.Job, flash: Flash | undefined) =>
  Effect.gen(function*() {
    const audit = yield* ReviewAudit
    const images = yield* ReviewImages.catalogue(job)
    const now = yield* Clock.currentTimeMillis
    const entry = yield* audit.find(job.partnerId, job.smileJobId)
    const decidedAt = job.timeline.machineDecidedAt
    return page(ConsolePages.jobPage({
      session,
      flash,
      job,
      images,
      waitingMillis: job.state === "UnderReview" && decidedAt !== undefined ? now - decidedAt : undefined,
      verdicts: verdictOptions(job),
      audit: Option.getOrUndefined(entry),
      mayAdminister: mayAdminister(session.reviewer, job.partnerId)
    }))
  })

const flashFrom = (request: HttpServerRequest.HttpServerRequest): Flash | undefined => {
  const url = new URL(request.url, "http://console.invalid")
  const ok = url.searchParams.get("ok")
  const error = url.searchParams.get("error")
  if (error !== null) return { kind: "error", text: error.slice(0, 500) }
  if (ok !== null) return { kind: "ok", text: ok.slice(0, 500) }
  return undefined
}

const withFlash = (path: string, flash: Flash) =>
  `${path}${path.includes("?") ? "&" : "?"}${flash.kind === "ok" ? "ok" : "error"}=${encodeURIComponent(flash.text)}`

// ---------------------------------------------------------------------------
// Handlers

const signInForm = Effect.gen(function*() {
  const settings = yield* ConsoleSettings
  const request = yield* HttpServerRequest.HttpServerRequest
  if ((yield* currentSession) !== undefined) return redirect("/console/queue")
  return page(ConsolePages.signInPage({ configured: settings.reviewers.length > 0, flash: flashFrom(request) }))
})

const signIn = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const settings = yield* ConsoleSettings
  const sessions = yield* Sessions
  if (!sameOrigin(request)) return problem(undefined, 403, "Refused", "This form was sent from another site; use the console's own sign-in page.")
  const field = yield* formOf
  const username = (field("username") ?? "").trim().slice(0, 64)
  const password = (field("password") ?? "").slice(0, 1024)
  const address = Option.getOrElse(request.remoteAddress, () => "unknown")
  const configured = settings.reviewers.length > 0
  const locked = yield* sessions.locked(username, address)
  if (locked !== undefined) {
    return page(
      ConsolePages.signInPage({
        configured,
        username,
        flash: { kind: "error", text: `Too many failed sign-ins. Try again in ${Math.ceil(locked.retryAfterSeconds / 60)} min.` }
      }),
      429,
      { "retry-after": String(locked.retryAfterSeconds) }
    )
  }
  const reviewer = settings.reviewers.find((candidate) => candidate.username.toLowerCase() === username.toLowerCase())
  // An unknown name costs the same scrypt work as a known one.
  const matches = yield* Password.verifyPassword(password, reviewer?.passwordHash ?? settings.unknownReviewerHash)
  if (reviewer === undefined || !matches || password.length === 0) {
    yield* sessions.recordFailure(username, address)
    yield* Effect.logWarning("console sign-in failed").pipe(Effect.annotateLogs({ username, address }))
    return page(
      ConsolePages.signInPage({ configured, username, flash: { kind: "error", text: "Unknown username or wrong password." } }),
      401
    )
  }
  yield* sessions.recordSuccess(username)
  const { passwordHash: _, ...who } = reviewer
  const session = yield* sessions.create(who, settings.sessionTtlSeconds)
  yield* Effect.logInfo("console sign-in").pipe(Effect.annotateLogs({ username: reviewer.username, address }))
  return redirect("/console/queue", { "set-cookie": sessionCookie(settings.secure, session.id, settings.sessionTtlSeconds) })
})

const signOut = withSession((session) =>
  Effect.gen(function*() {
    const settings = yield* ConsoleSettings
    yield* (yield* Sessions).end(session.id)
    return redirect(withFlash("/console/sign-in", { kind: "ok", text: "Signed out." }), {
      "set-cookie": sessionCookie(settings.secure, "", 0)
    })
  })
)

const queue = withSession((session) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const reviews = yield* ReviewQueue
    const jobs = yield* JobStore
    const audit = yield* ReviewAudit
    const now = yield* Clock.currentTimeMillis
    const queues = yield* Effect.forEach(session.reviewer.partners, (partnerId) =>
      Effect.gen(function*() {
        const pending = yield* reviews.pending(partnerId)
        // Jobs under review that the queue does not hold (a queue kept in memory starts empty after a restart).
        const queued = new Set<string>(pending.map((entry) => entry.smileJobId))
        const unqueued = (yield* jobs.listUnderReview(partnerId)).filter((job) => !queued.has(job.smileJobId))
        const entries = [
          ...pending,
          ...unqueued.map((job) => ({
            smileJobId: job.smileJobId,
            userId: job.partnerParams.userId,
            jobId: job.partnerParams.jobId,
            jobType: job.partnerParams.jobType,
            reason: job.reviewReason ?? Job.latestResult(job)?.explanation ?? "",
            ageMillis: now - (job.timeline.machineDecidedAt ?? job.timeline.createdAt)
          }))
        ].sort((a, b) => b.ageMillis - a.ageMillis)
        const rows = yield* Effect.forEach(entries, (entry) =>
          Effect.map(audit.find(partnerId, entry.smileJobId), (decided): ConsolePages.QueueRow => ({
            smileJobId: entry.smileJobId,
            userId: entry.userId,
            jobId: entry.jobId,
            jobType: entry.jobType,
            reason: entry.reason,
            ageMillis: entry.ageMillis,
            decidedBy: Option.getOrUndefined(Option.map(decided, (found) => found.reviewer))
          })))
        return { partnerId, rows }
      }))
    return page(ConsolePages.queuePage({ session, queues, flash: flashFrom(request) }))
  })
)

const jobView = withSession((session) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const found = yield* jobOf(session, yield* HttpRouter.params)
    if (Either.isLeft(found)) return found.left
    return yield* jobPageOf(session, found.right, flashFrom(request))
  })
)

const image = withSession((session) =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    const found = yield* jobOf(session, params)
    if (Either.isLeft(found)) return found.left
    const bytes = yield* ReviewImages.read(found.right, params["image"] ?? "")
    if (Option.isNone(bytes)) return problem(session, 404, "No such image", "This job has no such image (or it was erased).")
    return HttpServerResponse.uint8Array(bytes.value.bytes, {
      contentType: bytes.value.contentType,
      headers: { "cache-control": "private, no-store", "x-content-type-options": "nosniff", "content-security-policy": "default-src 'none'" }
    })
  })
)

const decide = withSession((session, field) =>
  Effect.gen(function*() {
    const found = yield* jobOf(session, yield* HttpRouter.params)
    if (Either.isLeft(found)) return found.left
    const job = found.right
    const jobPath = ConsolePages.jobHref(job.partnerId, job.smileJobId)
    const verdict = decode(Decision.Verdict, field("verdict"))
    const note = (field("note") ?? "").trim()
    if (note.length > 2000) return redirect(withFlash(jobPath, { kind: "error", text: "The note is longer than 2000 characters; shorten it." }))
    const audit = yield* ReviewAudit
    const machine = job.results[0]
    const already = yield* audit.find(job.partnerId, job.smileJobId)
    let entry: AuditEntry
    if (Option.isSome(already)) {
      entry = already.value
      if (job.state !== "UnderReview") {
        const text = `Job ${job.smileJobId} was already decided by ${entry.reviewer} (${ConsolePages.verdictLabel[entry.verdict]}).`
        return redirect(withFlash(jobPath, { kind: "error", text }))
      }
      // Decided, but the workflow may not have it yet (a stop in between): hand over the audited verdict again, never a new one.
    } else {
      if (job.state !== "UnderReview" || machine === undefined) {
        return redirect(withFlash(jobPath, { kind: "error", text: `This job is ${job.state}, not waiting for a reviewer.` }))
      }
      const offered = verdictOptions(job)
      const chosen = Option.flatMap(verdict, (wanted) => Option.fromNullable(offered.find((option) => option.verdict === wanted)))
      if (Option.isNone(chosen)) {
        return redirect(withFlash(jobPath, {
          kind: "error",
          text: `Choose one of: ${offered.map((option) => ConsolePages.verdictLabel[option.verdict]).join(", ")}.`
        }))
      }
      const recorded = yield* Effect.either(audit.record({
        partnerId: job.partnerId,
        smileJobId: job.smileJobId,
        jobId: job.partnerParams.jobId,
        userId: job.partnerParams.userId,
        jobType: job.partnerParams.jobType,
        reviewer: session.reviewer.username,
        verdict: chosen.value.verdict,
        note,
        outcomeCode: chosen.value.resultCode,
        decidedAt: yield* Clock.currentTimeMillis,
        machine: {
          resultCode: machine.resultCode,
          resultText: machine.resultText,
          confidence: machine.confidence,
          explanation: machine.explanation,
          actions: machine.actions
        }
      }))
      entry = Either.isLeft(recorded) ? recorded.left.first : recorded.right
    }
    const pipeline = yield* JobPipeline
    const handed = yield* Effect.either(pipeline.completeReview(
      { partnerId: job.partnerId, smileJobId: job.smileJobId },
      { verdict: entry.verdict, reviewer: entry.reviewer }
    ))
    if (Either.isLeft(handed)) {
      yield* Effect.logWarning("the pipeline refused an audited verdict").pipe(
        Effect.annotateLogs({ smileJobId: job.smileJobId, reason: handed.left.message })
      )
      return redirect(withFlash(jobPath, { kind: "error", text: handed.left.message }))
    }
    yield* Effect.logInfo("review decided").pipe(
      Effect.annotateLogs({ partnerId: job.partnerId, smileJobId: job.smileJobId, reviewer: entry.reviewer, verdict: entry.verdict })
    )
    const text = entry.reviewer === session.reviewer.username
      ? `Job ${job.smileJobId}: ${ConsolePages.verdictLabel[entry.verdict]} recorded; the partner receives ${entry.outcomeCode}.`
      : `Job ${job.smileJobId} was already decided by ${entry.reviewer} (${ConsolePages.verdictLabel[entry.verdict]}).`
    return redirect(withFlash("/console/queue", { kind: "ok", text }))
  })
)

const users = withSession((session) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const administered = session.reviewer.partners.filter((partner) => mayAdminister(session.reviewer, partner))
    if (administered.length === 0) return problem(session, 403, "Admins only", "User administration is for reviewers with the admin role.")
    const url = new URL(request.url, "http://console.invalid")
    const partnerId = decode(Ids.PartnerId, url.searchParams.get("partner") ?? administered[0])
    const userId = decode(Ids.UserId, url.searchParams.get("user_id"))
    const flash = flashFrom(request)
    if (Option.isNone(userId) || Option.isNone(partnerId)) return page(ConsolePages.userPage({ session, partners: administered, lookup: undefined, flash }))
    if (!mayAdminister(session.reviewer, partnerId.value)) {
      return problem(session, 403, "Not your partner", `You do not administer the users of partner ${partnerId.value}.`)
    }
    const found = yield* UserAdmin.overview(partnerId.value, userId.value)
    return page(ConsolePages.userPage({
      session,
      partners: administered,
      flash,
      lookup: { partnerId: partnerId.value, userId: userId.value, state: found.state, actions: found.actions, jobs: found.jobs }
    }))
  })
)

const userAction = withSession((session, field) =>
  Effect.gen(function*() {
    const partnerId = decode(Ids.PartnerId, field("partner"))
    const userId = decode(Ids.UserId, field("user_id"))
    const action = decode(UserAdmin.AdminAction, field("action"))
    if (Option.isNone(partnerId) || Option.isNone(userId) || Option.isNone(action)) {
      return problem(session, 400, "Incomplete form", "The form names no partner, user or action; reload the user's page.")
    }
    if (!mayAdminister(session.reviewer, partnerId.value)) {
      return problem(session, 403, "Not your partner", `You do not administer the users of partner ${partnerId.value}.`)
    }
    const back = `/console/users?partner=${encodeURIComponent(partnerId.value)}&user_id=${encodeURIComponent(userId.value)}`
    if (action.value === "delete" && field("confirm") !== "yes") {
      return redirect(withFlash(back, { kind: "error", text: "Tick “erase every image” to confirm the deletion." }))
    }
    const applied = yield* Effect.either(UserAdmin.apply({ partnerId: partnerId.value, userId: userId.value, action: action.value, actor: session.reviewer.username }))
    if (Either.isLeft(applied)) return redirect(withFlash(back, { kind: "error", text: applied.left.message }))
    const erased = applied.right.imagesErased > 0 ? ` ${applied.right.imagesErased} images erased.` : ""
    return redirect(withFlash(back, { kind: "ok", text: `${UserAdmin.actionLabel[action.value]}: done; the user is now ${applied.right.state.replaceAll("_", " ")}.${erased}` }))
  })
)

const auditTrail = withSession((session) =>
  Effect.gen(function*() {
    const audit = yield* ReviewAudit
    const trails = yield* Effect.forEach(session.reviewer.partners, (partnerId) =>
      Effect.map(audit.list(partnerId, 200), (entries) => ({ partnerId, entries })))
    return page(ConsolePages.auditPage({ session, trails }))
  })
)

/** A defect behind a console page: logged; the reviewer gets a plain 500 page. */
const orServerError = <E, R>(effect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.catchAllCause(effect, (cause) =>
    Effect.zipRight(
      Effect.logError("console request failed", cause),
      Effect.succeed(page(ConsolePages.problemPage({ session: undefined, title: "Server error", detail: "The console failed; the error is logged. Try again." }), 500))
    ))

/**
 * The console's routes, for the server's router (`HttpApiBuilder.Router`),
 * in the style of `Http.ts`'s upload route. Requires {@link ConsoleServices}.
 */
export const routes: Layer.Layer<never, never, ConsoleServices> = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const services = yield* Effect.context<ConsoleServices>()
    const serve = <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
      orServerError(handler).pipe(Effect.provide(services)) as Effect.Effect<
        HttpServerResponse.HttpServerResponse,
        never,
        Exclude<R, ConsoleServices>
      >
    yield* router.get("/console", serve(Effect.map(currentSession, (session) => redirect(session === undefined ? "/console/sign-in" : "/console/queue"))))
    yield* router.get("/console/console.css", Effect.succeed(HttpServerResponse.text(stylesheet, {
      contentType: "text/css; charset=utf-8",
      headers: { "cache-control": "public, max-age=3600", "x-content-type-options": "nosniff" }
    })))
    yield* router.get("/console/sign-in", serve(signInForm))
    yield* router.post("/console/sign-in", serve(signIn))
    yield* router.post("/console/sign-out", serve(signOut))
    yield* router.get("/console/queue", serve(queue))
    yield* router.get("/console/jobs/:partnerId/:smileJobId", serve(jobView))
    yield* router.post("/console/jobs/:partnerId/:smileJobId/decision", serve(decide))
    yield* router.get("/console/jobs/:partnerId/:smileJobId/images/:image", serve(image))
    yield* router.get("/console/users", serve(users))
    yield* router.post("/console/users/action", serve(userAction))
    yield* router.get("/console/audit", serve(auditTrail))
  })
)

