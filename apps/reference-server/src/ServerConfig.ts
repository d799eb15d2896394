/**
 * The server's configuration: command-line flags, each also an environment
 * variable (a flag wins over its variable), read into one checked value.
 *
 * Every mistake is reported at once, each with what to fix, and the process
 * exits with status 2 before it opens a port or a file.
 */
import { Either, Redacted, Schema } from "effect"
import { parseArgs } from "node:util"
import { consoleOptions, defaultSessionTtlSeconds } from "./console/ConsoleConfig.js"

/** Whether this server stands in for Smile ID's sandbox or its production API (see `--mode`). */
export const ServerMode = Schema.Literal("sandbox", "production")
export type ServerMode = typeof ServerMode.Type

/**
 * Where users, jobs, reviews, callback attempts, the audit trail and the
 * workflow journal live: SQLite files in the data folder (the embedded
 * default), or one Postgres database (`--database-url`).
 */
export type DatabaseConfig =
  | { readonly _tag: "Sqlite" }
  | {
    readonly _tag: "Postgres"
    /** `postgres://user:password@host:5432/database`; it may hold a password, so it is never printed. */
    readonly url: Redacted.Redacted<string>
  }

/**
 * Where images and zips live, always sealed with AES-256-GCM: files in the
 * data folder (the default), or an S3 bucket (`--s3-bucket`). Credentials for
 * S3 come from the AWS SDK's standard chain (`AWS_ACCESS_KEY_ID` and
 * `AWS_SECRET_ACCESS_KEY`, a profile, an instance role), never from here.
 */
export type BlobStorageConfig =
  | { readonly _tag: "Filesystem" }
  | {
    readonly _tag: "S3"
    readonly bucket: string
    /** Absent: the SDK's own (`AWS_REGION`); checked present at parse time. */
    readonly region: string | undefined
    /** An S3-compatible service's URL; absent for AWS itself. */
    readonly endpoint: string | undefined
    /** Prepended to every key: empty, or ending with `/`. */
    readonly keyPrefix: string
    readonly forcePathStyle: boolean
  }

export interface TlsFiles {
  readonly certFile: string
  readonly keyFile: string
}

/** The checked configuration. */
export interface ServerConfig {
  readonly port: number
  readonly host: string
  readonly dataDir: string
  readonly partnersFile: string
  /** `none`: plain HTTP (behind a TLS proxy); `self-signed`: generated in the data dir; `files`: the operator's. */
  readonly tls: { readonly _tag: "None" } | { readonly _tag: "SelfSigned" } | ({ readonly _tag: "Files" } & TlsFiles)
  readonly mode: ServerMode
  /** The base URL clients reach this server at, when it differs from the listening address (a proxy). */
  readonly publicUrl: string | undefined
  /** The largest zip a `PUT` may carry, in bytes. */
  readonly maxUploadBytes: number
  /** How long an upload URL stays valid, in seconds. */
  readonly uploadUrlTtlSeconds: number
  /**
   * The largest JSON or form body the server reads (`POST /v1/...`, the admin
   * API, the console's forms), in bytes (`--max-json-bytes`); longer is 413.
   * Absent means the default, 1 MiB.
   */
  readonly maxJsonBytes?: number | undefined
  /**
   * The AES-256 key (base64 of 32 bytes) that seals stored images; when
   * absent, a key is made in the data folder on first start (and kept as a
   * read key once this is given).
   */
  readonly blobKey: Redacted.Redacted<string> | undefined
  /**
   * Earlier blob keys (`--blob-previous-keys`, base64, comma-separated) that
   * still open the images they sealed but seal nothing new: rotation. Absent
   * when none is given.
   */
  readonly blobPreviousKeys?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  /** The review console's users file (`--reviewers`; without it nobody can sign in) and sign-in lifetime. */
  readonly console: { readonly reviewersFile: string | undefined; readonly sessionTtlSeconds: number }
  /** Stores and workflow journal; absent means the embedded SQLite files (`{ _tag: "Sqlite" }`). */
  readonly database?: DatabaseConfig | undefined
  /**
   * How durable each commit of the SQLite workflow journal is
   * (`--journal-sync`; decision 16): `normal` (the default) survives a killed
   * process, `full` also a power loss. The stores are always `full`. Absent
   * means the default; Postgres ignores it.
   */
  readonly journalSync?: "normal" | "full" | undefined
  /**
   * Days the workflow journal of an ended job is kept, counted from the job's
   * start (`--journal-retention`; 0 keeps it forever). Absent means the
   * default, {@link defaultJournalRetentionDays}.
   */
  readonly journalRetentionDays?: number | undefined
  /** Blobs; absent means the data folder (`{ _tag: "Filesystem" }`). */
  readonly blobs?: BlobStorageConfig | undefined
}

interface OptionSpec {
  readonly flag: string
  readonly env: string
  readonly kind: "string" | "boolean"
  readonly value: string
  readonly help: string
}

/** Every option, in `--help` order. The single source of the help text and of `docs/configuration.md`. */
export const options: ReadonlyArray<OptionSpec> = [
  { flag: "port", env: "SELFIE_AUTH_PORT", kind: "string", value: "<n>", help: "TCP port to listen on; 0 picks a free one (default 8443, 8080 with --http)" },
  { flag: "host", env: "SELFIE_AUTH_HOST", kind: "string", value: "<address>", help: "address to listen on (default 127.0.0.1; 0.0.0.0 or :: to accept remote clients)" },
  { flag: "data", env: "SELFIE_AUTH_DATA", kind: "string", value: "<dir>", help: "data folder: certificate, upload-URL secret, stores (required; created if absent)" },
  { flag: "partners", env: "SELFIE_AUTH_PARTNERS", kind: "string", value: "<file.json>", help: "JSON array of partners: partnerId, apiKey, callbackPolicy, products, productionEnabled (required)" },
  { flag: "http", env: "SELFIE_AUTH_HTTP", kind: "boolean", value: "", help: "serve plain HTTP, for use behind a TLS-terminating proxy (the official Node SDK needs https)" },
  { flag: "cert", env: "SELFIE_AUTH_CERT", kind: "string", value: "<file.pem>", help: "TLS certificate chain (PEM) to serve instead of the self-signed one; needs --key" },
  { flag: "key", env: "SELFIE_AUTH_KEY", kind: "string", value: "<file.pem>", help: "private key (PEM) of --cert" },
  { flag: "mode", env: "SELFIE_AUTH_MODE", kind: "string", value: "sandbox|production", help: "production: only partners with productionEnabled may run jobs, others get 2220 (default sandbox)" },
  { flag: "public-url", env: "SELFIE_AUTH_PUBLIC_URL", kind: "string", value: "<url>", help: "base URL clients use, e.g. https://selfie.example.com, when behind a proxy (upload URLs are built on it)" },
  { flag: "max-upload-bytes", env: "SELFIE_AUTH_MAX_UPLOAD_BYTES", kind: "string", value: "<n>", help: "largest zip accepted by an upload URL, in bytes (default 20971520 = 20 MiB)" },
  { flag: "max-json-bytes", env: "SELFIE_AUTH_MAX_JSON_BYTES", kind: "string", value: "<n>", help: "largest JSON or form body of a request (POST /v1/..., /admin/v1/..., /console/...), in bytes (default 1048576 = 1 MiB)" },
  { flag: "upload-url-ttl", env: "SELFIE_AUTH_UPLOAD_URL_TTL", kind: "string", value: "<seconds>", help: "how long an upload URL stays valid (default 3600)" },
  { flag: "blob-key", env: "SELFIE_AUTH_BLOB_KEY", kind: "string", value: "<base64>", help: "AES-256 key (base64 of 32 bytes) sealing stored selfies; prefer the variable (default: a key made in <dir>, which stays a read key once this is given)" },
  { flag: "blob-previous-keys", env: "SELFIE_AUTH_BLOB_PREVIOUS_KEYS", kind: "string", value: "<base64,...>", help: "earlier blob keys, comma-separated, that still open the images they sealed (rotation: move the old --blob-key here); prefer the variable" },
  ...consoleOptions,
  { flag: "database-url", env: "SELFIE_AUTH_DATABASE_URL", kind: "string", value: "<postgres://...>", help: "keep stores, review queue, deliveries, audit and the workflow journal in this Postgres database instead of SQLite files in <dir>; prefer the variable (it may hold a password)" },
  { flag: "journal-sync", env: "SELFIE_AUTH_JOURNAL_SYNC", kind: "string", value: "normal|full", help: "SQLite workflow journal durability: normal survives a killed process (default), full also a power loss, at one more disk flush per journal write (the stores are always full)" },
  { flag: "journal-retention", env: "SELFIE_AUTH_JOURNAL_RETENTION", kind: "string", value: "<days>", help: "prune the workflow journal of every job that ended and started more than this many days ago, hourly; its results stay in the job store (default 30, 0 keeps it forever)" },
  { flag: "s3-bucket", env: "SELFIE_AUTH_S3_BUCKET", kind: "string", value: "<name>", help: "keep images and zips in this S3 bucket instead of <dir>/blobs, still sealed with --blob-key (then required); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or an instance role" },
  { flag: "s3-region", env: "SELFIE_AUTH_S3_REGION", kind: "string", value: "<region>", help: "the bucket's region, e.g. eu-west-1 (default AWS_REGION)" },
  { flag: "s3-endpoint", env: "SELFIE_AUTH_S3_ENDPOINT", kind: "string", value: "<url>", help: "an S3-compatible service instead of AWS, e.g. http://127.0.0.1:9000" },
  { flag: "s3-prefix", env: "SELFIE_AUTH_S3_PREFIX", kind: "string", value: "<prefix/>", help: "put every object under this key prefix, ending with / (default: the bucket's root)" },
  { flag: "s3-force-path-style", env: "SELFIE_AUTH_S3_FORCE_PATH_STYLE", kind: "boolean", value: "", help: "address the bucket as <endpoint>/<bucket> rather than <bucket>.<endpoint> (most S3-compatible services need it)" },
  { flag: "help", env: "", kind: "boolean", value: "", help: "print this help and exit" }
]

/** The `--help` text. */
export const helpText = (): string => {
  const rows = options.map((option) => {
    const left = `  --${option.flag}${option.value === "" ? "" : ` ${option.value}`}`
    const env = option.env === "" ? "" : ` [env ${option.env}]`
    return `${left.padEnd(36)}${option.help}${env}`
  })
  return [
    "selfie-auth-server: a self-hosted, Smile ID v1 compatible SmartSelfie server (job types 2 and 4)",
    "",
    "Usage: selfie-auth-server --data <dir> --partners <file.json> [--port <n>] [--host <address>] [--http | --cert <file> --key <file>]",
    "                          [--database-url <postgres://...>] [--s3-bucket <name> --s3-region <region> --blob-key <base64>]",
    "       selfie-auth-server blob-keys [--reseal] --data <dir> [the server's --blob-*, --s3-* and --database-url options]",
    "",
    "Options (a flag wins over its environment variable):",
    ...rows,
    `${"  --reseal".padEnd(36)}${resealHelp}`,
    "",
    "Serves HTTPS by default with a self-signed certificate created in <dir>/tls on first start;",
    "clients trust it with NODE_EXTRA_CA_CERTS=<dir>/tls/certificate.pem (the path is printed at start).",
    "Embedded by default (SQLite files and blobs in <dir>); with --database-url and --s3-bucket the state lives in",
    "Postgres and S3 instead, off this machine (see docs/configuration.md, \"Postgres and S3\").",
    "The review console is at /console, the OpenAPI document at /openapi.json, Swagger UI at /docs.",
    "blob-keys lists the keys the stored images and zips are sealed with, and every blob the configured keys cannot open;",
    "with --reseal (every server using the store stopped) it re-seals them all with the current key, so earlier keys can be retired.",
    "Docs: docs/run-the-reference-server.md, docs/configuration.md and docs/human-review.md"
  ].join("\n")
}

/** Configuration mistakes, all of them, each saying what to fix. */
export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `invalid configuration:\n${this.problems.map((problem) => `  - ${problem}`).join("\n")}\nRun with --help for every option.`
  }
}

/** What `selfie-auth-server blob-keys` needs: where the blobs are and the keys that seal them (and the database, for its lock). */
export type BlobKeysConfig = Pick<ServerConfig, "dataDir" | "blobKey" | "blobPreviousKeys" | "database" | "blobs">

/**
 * What the command line asked for: run with a configuration, print the help,
 * or report (and with `reseal`, move to the current key) the keys the stored
 * blobs need (`blob-keys`).
 */
export type Command =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Run"; readonly config: ServerConfig }
  | { readonly _tag: "BlobKeys"; readonly reseal: boolean; readonly config: BlobKeysConfig }

/** The `blob-keys` command's own flag, beside the server's options. */
const resealHelp = "with blob-keys: re-seal every blob under the current key (stop every server using the store first)"

const defaultMaxUploadBytes = 20 * 1024 * 1024
/** `--max-json-bytes` when not given: 1 MiB, hundreds of times a v1 request. */
export const defaultMaxJsonBytes = 1024 * 1024
const defaultUploadUrlTtlSeconds = 3600
/**
 * `--journal-retention` when not given: 30 days, far past the day the
 * start-up sweep looks back, and long enough to read a month's journals
 * when investigating a job.
 */
export const defaultJournalRetentionDays = 30

/**
 * Reads the command line (`argv` without node and the script) and the
 * environment into a {@link Command}. Pure: no file is read here.
 */
export const parseCommand = (
  argv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Either.Either<Command, InvalidConfiguration> => {
  const blobKeysCommand = argv[0] === "blob-keys"
  let parsed: ReturnType<typeof parseArgs>["values"]
  try {
    parsed = parseArgs({
      args: blobKeysCommand ? argv.slice(1) : [...argv],
      options: Object.fromEntries([
        ...options.map((option) => [option.flag, { type: option.kind }] as const),
        ...(blobKeysCommand ? [["reseal", { type: "boolean" }] as const] : [])
      ]),
      strict: true,
      allowPositionals: false
    }).values
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error)
    return Either.left(new InvalidConfiguration({ problems: [`${text}; see --help for the options`] }))
  }
  if (parsed["help"] === true) return Either.right({ _tag: "Help" })

  const problems: Array<string> = []
  const read = (flag: string): string | undefined => {
    const option = options.find((candidate) => candidate.flag === flag)
    const fromFlag = parsed[flag]
    if (typeof fromFlag === "string") return fromFlag
    if (fromFlag === true) return "true"
    const fromEnv = option === undefined || option.env === "" ? undefined : env[option.env]
    return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv
  }
  const source = (flag: string): string => {
    const option = options.find((candidate) => candidate.flag === flag)
    return `--${flag}${option !== undefined && option.env !== "" ? ` (or ${option.env})` : ""}`
  }
  const readFlag = (flag: string): boolean => {
    const value = read(flag)
    if (value === undefined) return false
    if (/^(1|true|yes)$/i.test(value)) return true
    if (/^(0|false|no)$/i.test(value)) return false
    problems.push(`${source(flag)} must be true or false (got ${JSON.stringify(value)})`)
    return false
  }
  const readInteger = (flag: string, fallback: number, minimum: number, maximum: number): number => {
    const value = read(flag)
    if (value === undefined) return fallback
    if (!/^\d+$/.test(value) || Number(value) < minimum || Number(value) > maximum) {
      problems.push(`${source(flag)} must be a whole number from ${minimum} to ${maximum} (got ${JSON.stringify(value)})`)
      return fallback
    }
    return Number(value)
  }

  const plainHttp = readFlag("http")
  const port = readInteger("port", plainHttp ? 8080 : 8443, 0, 65_535)
  const host = read("host") ?? "127.0.0.1"
  const dataDir = read("data")
  if (dataDir === undefined) problems.push(`${source("data")} is required: the folder for the certificate, secrets and stores`)
  const partnersFile = read("partners")
  if (partnersFile === undefined && !blobKeysCommand) {
    problems.push(`${source("partners")} is required: a JSON file listing the partners (see docs/configuration.md)`)
  }
  const certFile = read("cert")
  const keyFile = read("key")
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push(`${source("cert")} and ${source("key")} go together: give both, or neither for a self-signed certificate`)
  }
  if (plainHttp && certFile !== undefined) {
    problems.push(`${source("http")} serves plain HTTP, so --cert/--key make no sense with it; drop one or the other`)
  }
  const modeText = read("mode") ?? "sandbox"
  const mode = Schema.is(ServerMode)(modeText) ? modeText : undefined
  if (mode === undefined) problems.push(`${source("mode")} must be sandbox or production (got ${JSON.stringify(modeText)})`)
  const publicUrl = read("public-url")
  if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(publicUrl)) {
    problems.push(`${source("public-url")} must be an http(s) URL without query, e.g. https://selfie.example.com (got ${JSON.stringify(publicUrl)})`)
  }
  const maxUploadBytes = readInteger("max-upload-bytes", defaultMaxUploadBytes, 1024, 1024 * 1024 * 1024)
  const maxJsonBytes = readInteger("max-json-bytes", defaultMaxJsonBytes, 1024, 64 * 1024 * 1024)
  const uploadUrlTtlSeconds = readInteger("upload-url-ttl", defaultUploadUrlTtlSeconds, 1, 7 * 24 * 3600)
  const reviewersFile = read("reviewers")
  const sessionTtlSeconds = readInteger("session-ttl", defaultSessionTtlSeconds, 60, 7 * 24 * 3600)
  const blobKey = read("blob-key")
  if (blobKey !== undefined && !isBlobKey(blobKey)) {
    problems.push(`${source("blob-key")} must be 32 bytes in base64 (44 characters), e.g. from: openssl rand -base64 32`)
  }
  // Base64 has no commas; blanks around entries and empty entries (a trailing comma) are ignored.
  const blobPreviousKeys = (read("blob-previous-keys") ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "")
  for (const [index, entry] of blobPreviousKeys.entries()) {
    if (!isBlobKey(entry)) {
      problems.push(
        `${source("blob-previous-keys")} entry ${index + 1} of ${blobPreviousKeys.length} must be 32 bytes in base64 (44 characters); ` +
          "separate keys with commas (the value is not shown)"
      )
    }
  }

  const database = readDatabase(read("database-url"), source, problems)
  const journalSync = read("journal-sync")
  if (journalSync !== undefined && journalSync !== "normal" && journalSync !== "full") {
    problems.push(`${source("journal-sync")} must be normal or full (got ${JSON.stringify(journalSync)})`)
  }
  const journalRetentionDays = readInteger("journal-retention", defaultJournalRetentionDays, 0, 36_500)
  const blobs = readBlobStorage({
    bucket: read("s3-bucket"),
    region: read("s3-region") ?? env["AWS_REGION"],
    endpoint: read("s3-endpoint"),
    keyPrefix: read("s3-prefix"),
    forcePathStyle: readFlag("s3-force-path-style")
  }, source, problems)
  if (blobs._tag === "S3" && blobKey === undefined) {
    problems.push(
      `${source("s3-bucket")} keeps images outside the data folder, so their key must live outside it too: ` +
        `give ${source("blob-key")}, e.g. from: openssl rand -base64 32 (and keep it safe; without it the images cannot be read)`
    )
  }

  if (blobKeysCommand && problems.length === 0 && dataDir !== undefined) {
    return Either.right({
      _tag: "BlobKeys",
      reseal: parsed["reseal"] === true,
      config: {
        dataDir,
        blobKey: blobKey === undefined ? undefined : Redacted.make(blobKey),
        ...(blobPreviousKeys.length === 0 ? {} : { blobPreviousKeys: blobPreviousKeys.map((entry) => Redacted.make(entry)) }),
        database,
        blobs
      }
    })
  }
  if (problems.length > 0 || dataDir === undefined || partnersFile === undefined || mode === undefined) {
    return Either.left(new InvalidConfiguration({ problems }))
  }
  return Either.right({
    _tag: "Run",
    config: {
      port,
      host,
      dataDir,
      partnersFile,
      tls: plainHttp
        ? { _tag: "None" }
        : certFile !== undefined && keyFile !== undefined
          ? { _tag: "Files", certFile, keyFile }
          : { _tag: "SelfSigned" },
      mode,
      publicUrl: publicUrl?.replace(/\/+$/, ""),
      maxUploadBytes,
      uploadUrlTtlSeconds,
      maxJsonBytes,
      blobKey: blobKey === undefined ? undefined : Redacted.make(blobKey),
      ...(blobPreviousKeys.length === 0 ? {} : { blobPreviousKeys: blobPreviousKeys.map((entry) => Redacted.make(entry)) }),
      console: { reviewersFile, sessionTtlSeconds },
      database,
      ...(journalSync === "normal" || journalSync === "full" ? { journalSync } : {}),
      journalRetentionDays,
      blobs
    }
  })
}

/** A blob key as configured: standard base64 of exactly 32 bytes. */
const isBlobKey = (text: string): boolean => /^[A-Za-z0-9+/]{43}=$/.test(text.trim())

/** `--database-url`: absent for SQLite; never echoed in a problem, it may hold a password. */
const readDatabase = (
  url: string | undefined,
  source: (flag: string) => string,
  problems: Array<string>
): DatabaseConfig => {
  if (url === undefined) return { _tag: "Sqlite" }
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  if (parsed === undefined || !/^postgres(ql)?:$/.test(parsed.protocol) || parsed.hostname === "") {
    problems.push(
      `${source("database-url")} must be a Postgres URL such as postgres://user:password@db.example.com:5432/selfie_auth ` +
        "(scheme postgres:// or postgresql://, with a host; the value given is not shown, it may hold a password)"
    )
    return { _tag: "Sqlite" }
  }
  return { _tag: "Postgres", url: Redacted.make(url) }
}

/** The S3 rules for bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end. */
const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

/** `--s3-*`: absent bucket means the filesystem, and then no other `--s3-*` option may be given. */
const readBlobStorage = (
  given: {
    readonly bucket: string | undefined
    readonly region: string | undefined
    readonly endpoint: string | undefined
    readonly keyPrefix: string | undefined
    readonly forcePathStyle: boolean
  },
  source: (flag: string) => string,
  problems: Array<string>
): BlobStorageConfig => {
  if (given.bucket === undefined) {
    const stray: Array<string> = [
      ...(given.endpoint === undefined ? [] : ["s3-endpoint"]),
      ...(given.keyPrefix === undefined ? [] : ["s3-prefix"]),
      ...(given.forcePathStyle ? ["s3-force-path-style"] : [])
    ]
    for (const flag of stray) problems.push(`${source(flag)} applies to S3 storage only: give ${source("s3-bucket")} too, or drop it`)
    return { _tag: "Filesystem" }
  }
  if (!bucketName.test(given.bucket)) {
    problems.push(
      `${source("s3-bucket")} must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, ` +
        `starting and ending with a letter or digit (got ${JSON.stringify(given.bucket)})`
    )
  }
  if (given.region === undefined) {
    problems.push(`${source("s3-bucket")} needs the bucket's region: give ${source("s3-region")} or set AWS_REGION (any value, e.g. us-east-1, for an S3-compatible service that ignores it)`)
  } else if (!/^[a-z0-9-]+$/.test(given.region)) {
    problems.push(`${source("s3-region")} must be a region name such as eu-west-1 (got ${JSON.stringify(given.region)})`)
  }
  const endpointOk = given.endpoint === undefined ||
    (URL.canParse(given.endpoint) && /^https?:$/.test(new URL(given.endpoint).protocol) && new URL(given.endpoint).search === "")
  if (!endpointOk) {
    problems.push(`${source("s3-endpoint")} must be an http(s) URL without query, e.g. http://127.0.0.1:9000 (got ${JSON.stringify(given.endpoint)})`)
  }
  const keyPrefix = given.keyPrefix ?? ""
  if (keyPrefix !== "" && (!keyPrefix.endsWith("/") || keyPrefix.startsWith("/"))) {
    problems.push(`${source("s3-prefix")} must end with "/" and not start with one, e.g. selfie-auth/prod/ (got ${JSON.stringify(keyPrefix)})`)
  }
  return {
    _tag: "S3",
    bucket: given.bucket,
    region: given.region,
    endpoint: given.endpoint,
    keyPrefix,
    forcePathStyle: given.forcePathStyle
  }
}
