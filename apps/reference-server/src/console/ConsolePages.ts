/**
 * The console's pages, as pure functions from what to show to HTML. Every
 * value goes through the {@link html} tag, which escapes it; forms that
 * change anything carry the session's CSRF token.
 */
import type { Decision, Job, ResultCode, User } from "@selfie-auth/core"
import type { Ids } from "@selfie-auth/core"
import type { AdminAction } from "../admin/UserAdmin.js"
import { actionLabel } from "../admin/UserAdmin.js"
import type { Session } from "./Sessions.js"
import type { ImageCatalogue } from "./ReviewImages.js"
import type { AuditEntry } from "./ReviewAudit.js"
import { formatAge, formatTime, html } from "./Html.js"
import type { SafeHtml } from "./Html.js"

/** A message shown at the top of a page. */
export interface Flash {
  readonly kind: "ok" | "error"
  readonly text: string
}

type Section = "queue" | "users" | "audit" | undefined

/** How each verdict reads on its button. */
export const verdictLabel: Record<Decision.Verdict, string> = {
  same_person: "Same person",
  different_person: "Different person",
  spoof: "Spoof",
  unusable: "Unusable",
  live: "Live person"
}

const verdictHint: Record<Decision.Verdict, string> = {
  same_person: "the selfie and the registered selfie show the same live person",
  different_person: "the two selfies show different people",
  spoof: "a photo, screen, mask or other presentation attack",
  unusable: "too dark, blurry or cut off to decide",
  live: "a real, live person is in front of the camera"
}

const csrfField = (session: Session) => html`<input type="hidden" name="csrf" value="${session.csrfToken}">`

const jobTypeName = (jobType: number) => (jobType === 2 ? "Authentication (type 2)" : "Registration (type 4)")

const pathOf = (...segments: ReadonlyArray<string>) => segments.map(encodeURIComponent).join("/")

/** The link to a job's review page. */
export const jobHref = (partnerId: string, smileJobId: string) => `/console/jobs/${pathOf(partnerId, smileJobId)}`

const userHref = (partnerId: string, userId: string) =>
  `/console/users?partner=${encodeURIComponent(partnerId)}&user_id=${encodeURIComponent(userId)}`

const flashBlock = (flash: Flash | undefined) =>
  flash === undefined ? "" : html`<div class="flash ${flash.kind}" role="${flash.kind === "error" ? "alert" : "status"}">${flash.text}</div>`

/** The page frame: header, navigation, who is signed in, the content. */
export const layout = (options: {
  readonly title: string
  readonly session: Session | undefined
  readonly section: Section
  readonly flash?: Flash | undefined
  readonly body: SafeHtml
}): string => {
  const { session } = options
  const nav = (section: Exclude<Section, undefined>, href: string, label: string) =>
    html`<a href="${href}"${options.section === section ? html` aria-current="page"` : ""}>${label}</a>`
  return "<!doctype html>\n" + html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · selfie-auth review</title>
<link rel="stylesheet" href="/console/console.css">
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="bar">
  <span class="brand">selfie-auth · Review console</span>
  ${session === undefined ? html`<span></span>` : html`<nav aria-label="Console">
    ${nav("queue", "/console/queue", "Review queue")}
    ${session.reviewer.role === "admin" ? nav("users", "/console/users", "Users") : ""}
    ${nav("audit", "/console/audit", "Audit trail")}
  </nav>
  <form class="who" method="post" action="/console/sign-out">
    <span>Signed in as <strong>${session.reviewer.username}</strong> (${session.reviewer.role})</span>
    ${csrfField(session)}
    <button type="submit">Sign out</button>
  </form>`}
</header>
<main id="content">
${flashBlock(options.flash)}
${options.body}
</main>
</body>
</html>
`.text
}

/** The sign-in form. */
export const signInPage = (options: { readonly flash?: Flash | undefined; readonly username?: string; readonly configured: boolean }): string =>
  layout({
    title: "Sign in",
    session: undefined,
    section: undefined,
    flash: options.flash,
    body: html`<section class="card signin" aria-labelledby="signin-title">
  <h1 id="signin-title">Sign in to review</h1>
  ${options.configured ? "" : html`<p class="flash error" role="alert">No reviewers are configured on this server; the operator lists them with --reviewers (see docs/human-review.md).</p>`}
  <form method="post" action="/console/sign-in">
    <div class="field"><label for="username">Username</label>
      <input id="username" name="username" type="text" autocomplete="username" required maxlength="64" value="${options.username ?? ""}" autofocus></div>
    <div class="field"><label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></div>
    <button type="submit">Sign in</button>
  </form>
</section>`
  })

/** One waiting job in the queue. */
export interface QueueRow {
  readonly smileJobId: string
  readonly userId: string
  readonly jobId: string
  readonly jobType: number
  readonly reason: string
  readonly ageMillis: number
  /** Set once a reviewer decided (the job leaves the queue when the pipeline settles it). */
  readonly decidedBy: string | undefined
}

/** The review queue of each of the reviewer's partners. */
export const queuePage = (options: {
  readonly session: Session
  readonly flash?: Flash | undefined
  readonly queues: ReadonlyArray<{ readonly partnerId: string; readonly rows: ReadonlyArray<QueueRow> }>
}): string =>
  layout({
    title: "Review queue",
    session: options.session,
    section: "queue",
    flash: options.flash,
    body: html`<h1>Review queue</h1>
${options.queues.map(({ partnerId, rows }) => html`<section class="card" aria-labelledby="queue-${partnerId}">
  <h2 id="queue-${partnerId}">Partner ${partnerId} <span class="tag">${rows.length} waiting</span></h2>
  ${rows.length === 0
      ? html`<p class="muted">No job is waiting for a reviewer.</p>`
      : html`<table>
    <caption class="muted">Longest waiting first</caption>
    <thead><tr><th scope="col">Job</th><th scope="col">Waiting</th><th scope="col">Type</th><th scope="col">User</th><th scope="col">Why a human must decide</th></tr></thead>
    <tbody>
    ${rows.map((row) => html`<tr>
      <td><a href="${jobHref(partnerId, row.smileJobId)}">${row.smileJobId}</a><br><span class="muted">${row.jobId}</span></td>
      <td>${formatAge(row.ageMillis)}</td>
      <td>${jobTypeName(row.jobType)}</td>
      <td>${row.userId}</td>
      <td>${row.reason}${row.decidedBy === undefined ? "" : html`<br><span class="tag good">decided by ${row.decidedBy}, finishing</span>`}</td>
    </tr>`)}
    </tbody>
  </table>`}
</section>`)}`
  })

/** A verdict the reviewer may give, with the result it produces. */
export interface VerdictOption {
  readonly verdict: Decision.Verdict
  readonly resultCode: ResultCode.JobResultCode
  readonly resultText: string
}

const actionTag = (value: string) => {
  const kind = value === "Passed" || value === "Approved" || value === "Completed"
    ? "good"
    : value === "Failed" || value === "Rejected"
    ? "bad"
    : value === "Under Review" || value === "Provisionally Approved"
    ? "warn"
    : ""
  return html`<span class="tag ${kind}">${value}</span>`
}

const resultFacts = (result: Job.JobResult) => html`<dl class="facts">
  <dt>Result</dt><dd><strong>${result.resultCode}</strong> ${result.resultText}</dd>
  <dt>Confidence</dt><dd>${String(Math.round(result.confidence))} / 100</dd>
  <dt>Judgement</dt><dd>${result.isMachineResult ? "machine" : "human reviewer"}, ${result.isFinal ? "final" : "provisional"}</dd>
  <dt>Decided</dt><dd>${formatTime(result.decidedAt)}</dd>
  <dt>Findings</dt><dd>${result.explanation}</dd>
</dl>`

const actionsTable = (actions: Job.JobResult["actions"]) => {
  const entries = Object.entries(actions).filter(([, value]) => value !== undefined)
  return entries.length === 0 ? "" : html`<table>
  <thead><tr><th scope="col">Action</th><th scope="col">Value</th></tr></thead>
  <tbody>${entries.map(([name, value]) => html`<tr><td>${name.replaceAll("_", " ")}</td><td>${actionTag(String(value))}</td></tr>`)}</tbody>
</table>`
}

const imageFigure = (src: string, caption: string, alt: string) =>
  html`<figure><img src="${src}" alt="${alt}" loading="lazy"><figcaption>${caption}</figcaption></figure>`

/** One job: images side by side, the machine's findings, and (while it waits) the decision form. */
export const jobPage = (options: {
  readonly session: Session
  readonly flash?: Flash | undefined
  readonly job: Job.Job
  readonly images: ImageCatalogue
  readonly waitingMillis: number | undefined
  readonly verdicts: ReadonlyArray<VerdictOption>
  readonly audit: AuditEntry | undefined
  readonly mayAdminister: boolean
}): string => {
  const { job, images } = options
  const base = jobHref(job.partnerId, job.smileJobId)
  const machine = job.results[0]
  const later = job.results.slice(1)
  const frames = Array.from({ length: images.livenessFrames }, (_, index) => index + 1)
  const deciding = job.state === "UnderReview" && options.audit === undefined && options.verdicts.length > 0
  return layout({
    title: `Job ${job.smileJobId}`,
    session: options.session,
    section: "queue",
    flash: options.flash,
    body: html`<p><a href="/console/queue">← Review queue</a></p>
<h1>Job ${job.smileJobId} <span class="tag ${job.state === "UnderReview" ? "warn" : ""}">${job.state === "UnderReview" ? "waiting for review" : job.state}</span></h1>
<section class="card" aria-label="Job">
  <dl class="facts">
    <dt>Partner</dt><dd>${job.partnerId}</dd>
    <dt>User</dt><dd>${options.mayAdminister ? html`<a href="${userHref(job.partnerId, job.partnerParams.userId)}">${job.partnerParams.userId}</a>` : job.partnerParams.userId}</dd>
    <dt>Partner's job id</dt><dd>${job.partnerParams.jobId}</dd>
    <dt>Type</dt><dd>${jobTypeName(job.partnerParams.jobType)}</dd>
    <dt>Created</dt><dd>${formatTime(job.timeline.createdAt)}</dd>
    ${options.waitingMillis === undefined ? "" : html`<dt>Waiting</dt><dd>${formatAge(options.waitingMillis)}</dd>`}
    ${job.reviewReason === undefined ? "" : html`<dt>Why a human must decide</dt><dd><strong>${job.reviewReason}</strong></dd>`}
  </dl>
</section>
<section class="card" aria-labelledby="images-title">
  <h2 id="images-title">Images</h2>
  ${images.problem === undefined ? "" : html`<p class="flash error">${images.problem}</p>`}
  <div class="images">
    ${images.selfie ? imageFigure(`${base}/images/selfie`, "Selfie of this job", "The selfie submitted with this job") : ""}
    ${job.partnerParams.jobType === 2
      ? images.registered
        ? imageFigure(`${base}/images/registered`, "Registered selfie (on file)", "The selfie on file for this user")
        : html`<p class="muted">The user has no selfie on file any more.</p>`
      : ""}
  </div>
  <h3>Liveness frames (${frames.length})</h3>
  ${frames.length === 0
      ? html`<p class="muted">No liveness frames were submitted: only the selfie could be checked.</p>`
      : html`<div class="frames">${frames.map((n) => imageFigure(`${base}/images/liveness-${n}`, `Frame ${n}`, `Liveness frame ${n} of ${frames.length}`))}</div>`}
</section>
<div class="columns">
  <section class="card" aria-labelledby="machine-title">
    <h2 id="machine-title">What the machine found</h2>
    ${machine === undefined ? html`<p class="muted">No result yet.</p>` : html`${resultFacts(machine)}${actionsTable(machine.actions)}`}
  </section>
  <section class="card" aria-labelledby="decision-title">
    <h2 id="decision-title">Decision</h2>
    ${options.audit === undefined ? "" : html`<dl class="facts">
      <dt>Reviewer</dt><dd>${options.audit.reviewer}</dd>
      <dt>Verdict</dt><dd>${verdictLabel[options.audit.verdict]} → ${options.audit.outcomeCode}</dd>
      <dt>When</dt><dd>${formatTime(options.audit.decidedAt)}</dd>
      <dt>Note</dt><dd>${options.audit.note === "" ? html`<span class="muted">none</span>` : options.audit.note}</dd>
    </dl>`}
    ${later.map((result) => html`<h3>Final result</h3>${resultFacts(result)}${actionsTable(result.actions)}`)}
    ${deciding ? html`<form method="post" action="${base}/decision">
      ${csrfField(options.session)}
      <div class="field"><label for="note">Note (optional, kept in the audit trail)</label>
        <textarea id="note" name="note" rows="3" maxlength="2000"></textarea></div>
      <fieldset class="plain">
        <legend class="muted">Your verdict settles the review and sends the partner the final result.</legend>
        <div class="verdicts">
          ${options.verdicts.map((option) => html`<button type="submit" name="verdict" value="${option.verdict}"${option.verdict === "same_person" || option.verdict === "live" ? "" : html` class="secondary"`} title="${verdictHint[option.verdict]}">
            <span>${verdictLabel[option.verdict]}</span><small>→ ${option.resultCode} ${option.resultText}</small></button>`)}
        </div>
      </fieldset>
    </form>`
      : job.state === "UnderReview" && options.audit !== undefined
      ? html`<p class="muted">The verdict was handed to the job's workflow; the final result follows shortly.</p>`
      : options.audit === undefined && later.length === 0 ? html`<p class="muted">This job is not waiting for a reviewer.</p>` : ""}
  </section>
</div>`
  })
}

/** A user's state, actions and jobs (admins). */
export const userPage = (options: {
  readonly session: Session
  readonly flash?: Flash | undefined
  readonly partners: ReadonlyArray<Ids.PartnerId>
  readonly lookup: {
    readonly partnerId: string
    readonly userId: string
    readonly state: User.StateName
    readonly actions: ReadonlyArray<AdminAction>
    readonly jobs: ReadonlyArray<Job.Job>
  } | undefined
}): string =>
  layout({
    title: "Users",
    session: options.session,
    section: "users",
    flash: options.flash,
    body: html`<h1>Users</h1>
<section class="card" aria-labelledby="find-title">
  <h2 id="find-title">Find a user</h2>
  <form method="get" action="/console/users" class="inline-forms">
    <div class="field"><label for="partner">Partner</label>
      <select id="partner" name="partner">${options.partners.map((partner) => html`<option value="${partner}"${partner === options.lookup?.partnerId ? html` selected` : ""}>${partner}</option>`)}</select></div>
    <div class="field grow"><label for="user_id">User id</label>
      <input id="user_id" name="user_id" type="text" required maxlength="255" value="${options.lookup?.userId ?? ""}"></div>
    <div class="field"><button type="submit">Show</button></div>
  </form>
</section>
${options.lookup === undefined ? "" : html`<section class="card" aria-labelledby="user-title">
  <h2 id="user-title">User ${options.lookup.userId} <span class="tag">${options.lookup.state.replaceAll("_", " ")}</span></h2>
  <div class="inline-forms">
    ${options.lookup.actions.map((action) => html`<form method="post" action="/console/users/action">
      ${csrfField(options.session)}
      <input type="hidden" name="partner" value="${options.lookup?.partnerId ?? ""}">
      <input type="hidden" name="user_id" value="${options.lookup?.userId ?? ""}">
      <input type="hidden" name="action" value="${action}">
      ${action === "delete" ? html`<label class="check"><input type="checkbox" name="confirm" value="yes" required> erase every image</label>` : ""}
      <button type="submit"${action === "delete" ? html` class="danger"` : html` class="secondary"`}>${actionLabel[action]}</button>
    </form>`)}
    ${options.lookup.actions.length === 0 ? html`<p class="muted">No action applies to a user in this state.</p>` : ""}
  </div>
  <h3>Jobs</h3>
  ${options.lookup.jobs.length === 0 ? html`<p class="muted">No jobs.</p>` : html`<table>
    <thead><tr><th scope="col">Job</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Result</th><th scope="col">Created</th></tr></thead>
    <tbody>${options.lookup.jobs.map((job) => {
      const latest = job.results[job.results.length - 1]
      return html`<tr><td><a href="${jobHref(job.partnerId, job.smileJobId)}">${job.smileJobId}</a><br><span class="muted">${job.partnerParams.jobId}</span></td>
        <td>${jobTypeName(job.partnerParams.jobType)}</td><td>${job.state}</td>
        <td>${latest === undefined ? "" : html`${latest.resultCode} ${latest.resultText}`}</td><td>${formatTime(job.timeline.createdAt)}</td></tr>`
    })}</tbody>
  </table>`}
</section>`}`
  })

/** The audit trail of each of the reviewer's partners, newest first. */
export const auditPage = (options: {
  readonly session: Session
  readonly trails: ReadonlyArray<{ readonly partnerId: string; readonly entries: ReadonlyArray<AuditEntry> }>
}): string =>
  layout({
    title: "Audit trail",
    session: options.session,
    section: "audit",
    body: html`<h1>Audit trail</h1>
${options.trails.map(({ entries, partnerId }) => html`<section class="card" aria-labelledby="audit-${partnerId}">
  <h2 id="audit-${partnerId}">Partner ${partnerId}</h2>
  ${entries.length === 0 ? html`<p class="muted">No decisions yet.</p>` : html`<table>
    <thead><tr><th scope="col">When</th><th scope="col">Reviewer</th><th scope="col">Job</th><th scope="col">Verdict</th><th scope="col">The machine had said</th><th scope="col">Note</th></tr></thead>
    <tbody>${entries.map((entry) => html`<tr>
      <td class="nowrap">${formatTime(entry.decidedAt)}</td><td>${entry.reviewer}</td>
      <td><a href="${jobHref(entry.partnerId, entry.smileJobId)}">${entry.smileJobId}</a><br><span class="muted">user ${entry.userId}</span></td>
      <td>${verdictLabel[entry.verdict]} → <strong>${entry.outcomeCode}</strong></td>
      <td>${entry.machine.resultCode} ${entry.machine.resultText} (confidence ${String(Math.round(entry.machine.confidence))})<br><span class="muted">${entry.machine.explanation}</span></td>
      <td>${entry.note}</td>
    </tr>`)}</tbody>
  </table>`}
</section>`)}`
  })

/** A page for a refusal (403, 404, 400). */
export const problemPage = (options: { readonly session: Session | undefined; readonly title: string; readonly detail: string }): string =>
  layout({
    title: options.title,
    session: options.session,
    section: undefined,
    body: html`<section class="card"><h1>${options.title}</h1><p>${options.detail}</p><p><a href="/console/queue">Back to the review queue</a></p></section>`
  })
