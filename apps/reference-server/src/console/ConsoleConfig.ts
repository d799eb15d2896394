/**
 * Who may use the review console, and for how long a sign-in lasts.
 *
 * Reviewers are listed by the operator in a JSON file (`--reviewers`), each
 * with a scrypt password hash (never the password), a role and the partners
 * whose jobs and users they may see:
 *
 * ```json
 * [
 *   { "username": "alice", "passwordHash": "$scrypt$ln=15,r=8,p=1$...$...", "role": "reviewer", "partners": ["001"] },
 *   { "username": "ops", "passwordHash": "$scrypt$ln=15,r=8,p=1$...$...", "role": "admin", "partners": ["001", "002"] }
 * ]
 * ```
 *
 * - `reviewer`: works the review queue of its partners.
 * - `admin`: also disables, enables, deletes and flags its partners' users.
 *
 * The server options this adds ({@link ConsoleServerConfig}) are
 * `--reviewers <file.json>` and `--session-ttl <seconds>`.
 */
import { Context, Effect, Either, ParseResult, Schema } from "effect"
import * as fs from "node:fs/promises"
import { Ids } from "@selfie-auth/core"
import * as Password from "./Password.js"

/** What a reviewer may do: `reviewer` decides reviews; `admin` also manages users. */
export const ReviewerRole = Schema.Literal("reviewer", "admin")
export type ReviewerRole = typeof ReviewerRole.Type

const Username = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._@-]{1,64}$/, {
    message: () => "must be 1 to 64 letters, digits, '.', '_', '@' or '-'"
  })
)

const PasswordHash = Schema.String.pipe(
  Schema.filter((text) => Either.match(Password.parseHash(text), { onLeft: (error) => error.detail, onRight: () => true }))
)

/** One entry of the reviewers file, as the operator writes it. */
export const ReviewerConfig = Schema.Struct({
  username: Username,
  passwordHash: PasswordHash,
  role: ReviewerRole,
  /** The partners whose queue (and, for admins, users) this reviewer works on. */
  partners: Schema.NonEmptyArray(Ids.PartnerId)
}).annotations({ identifier: "ReviewerConfig" })

/** The whole reviewers file: an array with each username once. */
export const ReviewersFile = Schema.Array(ReviewerConfig).pipe(
  Schema.filter((reviewers) => {
    const seen = new Set<string>()
    const issues: Array<Schema.FilterIssue> = []
    reviewers.forEach((reviewer, index) => {
      const name = reviewer.username.toLowerCase()
      if (seen.has(name)) issues.push({ path: [index, "username"], message: `${JSON.stringify(reviewer.username)} is listed twice (names are case-insensitive)` })
      seen.add(name)
    })
    return issues
  })
).annotations({ identifier: "ReviewersFile" })

/** A configured reviewer, as the console uses it. */
export interface Reviewer {
  readonly username: string
  readonly role: ReviewerRole
  readonly partners: ReadonlyArray<Ids.PartnerId>
  readonly passwordHash: Password.ScryptHash
}

/**
 * The server options of the console, as `ServerConfig` reads them:
 * `--reviewers <file.json>` (env `SELFIE_AUTH_REVIEWERS`; without it nobody
 * can sign in to the console) and `--session-ttl <seconds>` (env
 * `SELFIE_AUTH_SESSION_TTL`; default 8 hours, 1 minute to 7 days).
 */
export const ConsoleServerConfig = Schema.Struct({
  reviewersFile: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  sessionTtlSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.between(60, 7 * 24 * 3600)), { default: () => defaultSessionTtlSeconds })
}).annotations({ identifier: "ConsoleServerConfig" })
export type ConsoleServerConfig = typeof ConsoleServerConfig.Type

export const defaultSessionTtlSeconds = 8 * 3600

/** The command-line options the console adds, in `ServerConfig.options`' shape. */
export const consoleOptions = [
  {
    flag: "reviewers",
    env: "SELFIE_AUTH_REVIEWERS",
    kind: "string",
    value: "<file.json>",
    help: "JSON array of review-console users: username, passwordHash (scrypt), role, partners (see docs/human-review.md)"
  },
  {
    flag: "session-ttl",
    env: "SELFIE_AUTH_SESSION_TTL",
    kind: "string",
    value: "<seconds>",
    help: "how long a console sign-in lasts (default 28800 = 8 h)"
  }
] as const

/** Why a reviewers file cannot be used; `message` names the file, the entry and the fix. */
export class InvalidReviewersFile extends Schema.TaggedError<InvalidReviewersFile>()("InvalidReviewersFile", {
  source: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `reviewers file ${this.source}: ${this.detail}`
  }
}

const toReviewer = (config: typeof ReviewerConfig.Type): Reviewer => ({
  username: config.username,
  role: config.role,
  partners: config.partners,
  passwordHash: Either.getOrThrow(Password.parseHash(config.passwordHash))
})

/** Decodes the text of a reviewers file; every problem is listed with its JSON path. Pure. */
export const parseReviewersFile = (text: string, source: string): Either.Either<ReadonlyArray<Reviewer>, InvalidReviewersFile> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return Either.left(new InvalidReviewersFile({ source, detail: `is not valid JSON (${String(error)}); write a JSON array of reviewer objects` }))
  }
  const decoded = Schema.decodeUnknownEither(ReviewersFile, { errors: "all", onExcessProperty: "error" })(json)
  if (Either.isRight(decoded)) return Either.right(decoded.right.map(toReviewer))
  const problems = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((issue) => {
    const path = issue.path.map((segment) => (typeof segment === "number" ? `[${segment}]` : `.${String(segment)}`)).join("")
    return `${path === "" ? "the file" : path} ${issue.message === "is missing" ? "is required" : issue.message}`
  })
  return Either.left(
    new InvalidReviewersFile({
      source,
      detail: `${problems.join("; ")}. Each entry needs username, passwordHash ($scrypt$...), role ("reviewer" or "admin") and partners (a non-empty array of partner ids)`
    })
  )
}

/** Reads and decodes a reviewers file. */
export const loadReviewers = Effect.fn("ConsoleConfig.loadReviewers")(function*(file: string) {
  const text = yield* Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (error) =>
      new InvalidReviewersFile({ source: file, detail: `cannot be read (${error instanceof Error ? error.message : String(error)}); check --reviewers` })
  })
  return yield* Either.match(parseReviewersFile(text, file), { onLeft: Effect.fail, onRight: Effect.succeed })
})

/** What the console runs with. */
export interface ConsoleSettingsService {
  readonly reviewers: ReadonlyArray<Reviewer>
  /** How long a sign-in lasts, in seconds. */
  readonly sessionTtlSeconds: number
  /** Whether the console is reached over HTTPS (cookies are then `Secure` and `__Host-` prefixed). */
  readonly secure: boolean
  /** Checked for a name nobody has, as costly as the configured hashes (`Password.dummyLike`). */
  readonly unknownReviewerHash: Password.ScryptHash
}

export class ConsoleSettings extends Context.Tag("@selfie-auth/reference-server/ConsoleSettings")<
  ConsoleSettings,
  ConsoleSettingsService
>() {}

/** A reviewer may work on this partner's jobs. */
export const mayReview = (reviewer: Pick<Reviewer, "partners">, partnerId: string): boolean =>
  reviewer.partners.some((partner) => partner === partnerId)

/** A reviewer may manage this partner's users. */
export const mayAdminister = (reviewer: Pick<Reviewer, "partners" | "role">, partnerId: string): boolean =>
  reviewer.role === "admin" && mayReview(reviewer, partnerId)
