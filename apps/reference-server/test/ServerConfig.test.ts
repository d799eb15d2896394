import { assert, describe, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { helpText, options, parseCommand } from "../src/ServerConfig.js"

const run = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const command = parseCommand(argv, env)
  if (Either.isLeft(command)) return assert.fail(`expected a command, got: ${command.left.message}`)
  if (command.right._tag !== "Run") return assert.fail("expected Run")
  return command.right.config
}

const problemsOf = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const command = parseCommand(argv, env)
  if (Either.isRight(command)) return assert.fail("expected a configuration error")
  return command.left.problems
}

describe("ServerConfig", () => {
  it("reads blob-keys with the server's own options and variables, no partners file needed, --reseal only there", () => {
    const key = Buffer.alloc(32, 1).toString("base64")
    const previous = Buffer.alloc(32, 2).toString("base64")
    const command = parseCommand(["blob-keys", "--reseal", "--data", "/tmp/d", "--s3-bucket", "selfies", "--s3-region", "eu-west-1"], {
      SELFIE_AUTH_BLOB_KEY: key,
      SELFIE_AUTH_BLOB_PREVIOUS_KEYS: previous,
      SELFIE_AUTH_DATABASE_URL: "postgres://u@db/x"
    })
    if (Either.isLeft(command) || command.right._tag !== "BlobKeys") return assert.fail("expected BlobKeys")
    assert.isTrue(command.right.reseal)
    const { config } = command.right
    assert.strictEqual(config.dataDir, "/tmp/d")
    assert.strictEqual(config.blobKey === undefined ? undefined : Redacted.value(config.blobKey), key)
    assert.deepStrictEqual(config.blobPreviousKeys?.map(Redacted.value), [previous])
    assert.strictEqual(config.blobs?._tag, "S3")
    assert.strictEqual(config.database?._tag, "Postgres")

    const report = parseCommand(["blob-keys", "--data", "/tmp/d"], {})
    assert.isTrue(Either.isRight(report) && report.right._tag === "BlobKeys" && !report.right.reseal)
    assert.include(problemsOf(["blob-keys"]).join("\n"), "--data (or SELFIE_AUTH_DATA) is required")
    assert.include(problemsOf(["blob-keys", "--data", "/tmp/d", "--s3-bucket", "selfies", "--s3-region", "r"]).join("\n"), "--blob-key")
    assert.include(problemsOf(["--reseal", "--data", "/tmp/d", "--partners", "/tmp/p.json"]).join("\n"), "--reseal")
    assert.include(helpText(), "selfie-auth-server blob-keys [--reseal]")
  })

  it("reads the flags, with HTTPS, sandbox and loopback by default", () => {
    const config = run(["--port", "0", "--data", "/tmp/d", "--partners", "/tmp/p.json"])
    assert.deepStrictEqual(config, {
      port: 0,
      host: "127.0.0.1",
      dataDir: "/tmp/d",
      partnersFile: "/tmp/p.json",
      tls: { _tag: "SelfSigned" },
      mode: "sandbox",
      publicUrl: undefined,
      maxUploadBytes: 20 * 1024 * 1024,
      uploadUrlTtlSeconds: 3600,
      maxJsonBytes: 1024 * 1024,
      blobKey: undefined,
      console: { reviewersFile: undefined, sessionTtlSeconds: 28800 },
      database: { _tag: "Sqlite" },
      journalRetentionDays: 30,
      blobs: { _tag: "Filesystem" }
    })
  })

  it("reads every flag from its environment variable, and a flag wins over its variable", () => {
    const env = {
      SELFIE_AUTH_PORT: "9443",
      SELFIE_AUTH_DATA: "/env/data",
      SELFIE_AUTH_PARTNERS: "/env/partners.json",
      SELFIE_AUTH_HOST: "::",
      SELFIE_AUTH_MODE: "production",
      SELFIE_AUTH_PUBLIC_URL: "https://selfie.example.com/",
      SELFIE_AUTH_MAX_UPLOAD_BYTES: "4096",
      SELFIE_AUTH_UPLOAD_URL_TTL: "60",
      SELFIE_AUTH_CERT: "/env/cert.pem",
      SELFIE_AUTH_KEY: "/env/key.pem"
    }
    const fromEnv = run([], env)
    assert.strictEqual(fromEnv.port, 9443)
    assert.strictEqual(fromEnv.host, "::")
    assert.strictEqual(fromEnv.mode, "production")
    assert.strictEqual(fromEnv.publicUrl, "https://selfie.example.com")
    assert.strictEqual(fromEnv.maxUploadBytes, 4096)
    assert.strictEqual(fromEnv.uploadUrlTtlSeconds, 60)
    assert.deepStrictEqual(fromEnv.tls, { _tag: "Files", certFile: "/env/cert.pem", keyFile: "/env/key.pem" })
    assert.strictEqual(run(["--port", "1234"], env).port, 1234)
    assert.deepStrictEqual(run(["--http"], { SELFIE_AUTH_DATA: "d", SELFIE_AUTH_PARTNERS: "p" }).tls, { _tag: "None" })
    assert.strictEqual(run(["--http"], { SELFIE_AUTH_DATA: "d", SELFIE_AUTH_PARTNERS: "p" }).port, 8080)
    assert.deepStrictEqual(run([], { SELFIE_AUTH_DATA: "d", SELFIE_AUTH_PARTNERS: "p", SELFIE_AUTH_HTTP: "true" }).tls, { _tag: "None" })
  })

  it("lists every mistake at once, each naming the flag, its variable and the fix", () => {
    const problems = problemsOf(["--port", "70000", "--cert", "c.pem", "--mode", "live"])
    assert.strictEqual(problems.length, 5)
    assert.match(problems[0] ?? "", /--port \(or SELFIE_AUTH_PORT\) must be a whole number from 0 to 65535 \(got "70000"\)/)
    assert.match(problems.join("\n"), /--data \(or SELFIE_AUTH_DATA\) is required/)
    assert.match(problems.join("\n"), /--partners \(or SELFIE_AUTH_PARTNERS\) is required/)
    assert.match(problems.join("\n"), /--cert \(or SELFIE_AUTH_CERT\) and --key \(or SELFIE_AUTH_KEY\) go together/)
    assert.match(problems.join("\n"), /--mode \(or SELFIE_AUTH_MODE\) must be sandbox or production \(got "live"\)/)
  })

  it("refuses an unknown flag, --http with --cert, a bad boolean and a public URL with a query", () => {
    assert.match(problemsOf(["--prot", "1"])[0] ?? "", /Unknown option '--prot'.*see --help/)
    assert.match(problemsOf(["--http", "--cert", "c", "--key", "k", "--data", "d", "--partners", "p"]).join(), /--http .* serves plain HTTP/)
    assert.match(problemsOf([], { SELFIE_AUTH_HTTP: "maybe", SELFIE_AUTH_DATA: "d", SELFIE_AUTH_PARTNERS: "p" })[0] ?? "", /must be true or false \(got "maybe"\)/)
    assert.match(problemsOf(["--public-url", "https://x.example/?a=1", "--data", "d", "--partners", "p"])[0] ?? "", /--public-url/)
  })

  it("reads the review console's reviewers file and session lifetime", () => {
    const config = run(["--data", "d", "--partners", "p", "--reviewers", "r.json"], { SELFIE_AUTH_SESSION_TTL: "600" })
    assert.deepStrictEqual(config.console, { reviewersFile: "r.json", sessionTtlSeconds: 600 })
    assert.match(problemsOf(["--data", "d", "--partners", "p", "--session-ttl", "5"])[0] ?? "", /--session-ttl \(or SELFIE_AUTH_SESSION_TTL\) must be a whole number from 60 to 604800/)
  })

  it("takes a blob key of 32 bytes in base64, redacted", () => {
    const key = Buffer.alloc(32, 7).toString("base64")
    const config = run(["--data", "d", "--partners", "p"], { SELFIE_AUTH_BLOB_KEY: key })
    assert.notInclude(String(config.blobKey), key)
    assert.match(problemsOf(["--data", "d", "--partners", "p", "--blob-key", "c2hvcnQ="])[0] ?? "", /--blob-key \(or SELFIE_AUTH_BLOB_KEY\) must be 32 bytes in base64/)
  })

  it("reads the largest v1 JSON body from --max-json-bytes or its variable, from 1 KiB to 64 MiB", () => {
    assert.strictEqual(run(["--data", "d", "--partners", "p"]).maxJsonBytes, 1_048_576)
    assert.strictEqual(run(["--data", "d", "--partners", "p", "--max-json-bytes", "1024"]).maxJsonBytes, 1024)
    assert.strictEqual(run(["--data", "d", "--partners", "p"], { SELFIE_AUTH_MAX_JSON_BYTES: "65536" }).maxJsonBytes, 65_536)
    assert.strictEqual(run(["--data", "d", "--partners", "p", "--max-json-bytes", "4096"], { SELFIE_AUTH_MAX_JSON_BYTES: "65536" }).maxJsonBytes, 4096)
    for (const value of ["1023", "67108865", "1e6", "2048.5"]) {
      assert.deepStrictEqual(problemsOf(["--data", "d", "--partners", "p", "--max-json-bytes", value]), [
        `--max-json-bytes (or SELFIE_AUTH_MAX_JSON_BYTES) must be a whole number from 1024 to 67108864 (got ${JSON.stringify(value)})`
      ])
    }
  })

  it("reads the journal's durability, normal or full, from the flag or its variable", () => {
    assert.isUndefined(run(["--data", "d", "--partners", "p"]).journalSync)
    assert.strictEqual(run(["--data", "d", "--partners", "p", "--journal-sync", "full"]).journalSync, "full")
    assert.strictEqual(run(["--data", "d", "--partners", "p"], { SELFIE_AUTH_JOURNAL_SYNC: "normal" }).journalSync, "normal")
    assert.match(
      problemsOf(["--data", "d", "--partners", "p", "--journal-sync", "off"])[0] ?? "",
      /--journal-sync \(or SELFIE_AUTH_JOURNAL_SYNC\) must be normal or full \(got "off"\)/
    )
  })

  it("reads how many days the journal of an ended job is kept, 30 by default and 0 for ever", () => {
    assert.strictEqual(run(["--data", "d", "--partners", "p"]).journalRetentionDays, 30)
    assert.strictEqual(run(["--data", "d", "--partners", "p", "--journal-retention", "0"]).journalRetentionDays, 0)
    assert.strictEqual(run(["--data", "d", "--partners", "p"], { SELFIE_AUTH_JOURNAL_RETENTION: "7" }).journalRetentionDays, 7)
    assert.match(
      problemsOf(["--data", "d", "--partners", "p", "--journal-retention", "2w"])[0] ?? "",
      /--journal-retention \(or SELFIE_AUTH_JOURNAL_RETENTION\) must be a whole number from 0 to 36500 \(got "2w"\)/
    )
  })

  const required = ["--data", "d", "--partners", "p"]
  const blobKey = Buffer.alloc(32, 9).toString("base64")

  it("keeps the stores and the journal on Postgres with --database-url, redacted, from the flag or its variable", () => {
    const url = "postgres://selfie:s3cret-password@db.example.com:5432/selfie_auth"
    const config = run([...required, "--database-url", url])
    if (config.database?._tag !== "Postgres") return assert.fail("expected Postgres")
    assert.strictEqual(Redacted.value(config.database.url), url)
    assert.notInclude(String(config.database.url), "s3cret")
    assert.notInclude(JSON.stringify(config), "s3cret")
    const fromEnv = run(required, { SELFIE_AUTH_DATABASE_URL: "postgresql://postgres@127.0.0.1/test?options=-c%20search_path%3Dx" })
    assert.strictEqual(fromEnv.database?._tag, "Postgres")
  })

  it("refuses a database URL that is not Postgres without echoing it (it may hold a password)", () => {
    for (const url of ["mysql://root:hunter2@db/x", "hunter2", "postgres:///only-a-path", "postgres://"]) {
      const problems = problemsOf([...required, "--database-url", url])
      assert.strictEqual(problems.length, 1)
      assert.match(problems[0] ?? "", /--database-url \(or SELFIE_AUTH_DATABASE_URL\) must be a Postgres URL such as postgres:\/\/user:password@/)
      assert.notInclude(problems[0] ?? "", "hunter2")
    }
  })

  it("keeps blobs in S3 with --s3-bucket and its options, from flags or variables", () => {
    const config = run([
      ...required,
      "--s3-bucket", "selfies.example",
      "--s3-region", "eu-west-1",
      "--s3-endpoint", "http://127.0.0.1:9000",
      "--s3-prefix", "selfie-auth/prod/",
      "--s3-force-path-style",
      "--blob-key", blobKey
    ])
    assert.deepStrictEqual(config.blobs, {
      _tag: "S3",
      bucket: "selfies.example",
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:9000",
      keyPrefix: "selfie-auth/prod/",
      forcePathStyle: true
    })
    const fromEnv = run(required, {
      SELFIE_AUTH_S3_BUCKET: "selfies",
      AWS_REGION: "us-east-1",
      SELFIE_AUTH_S3_FORCE_PATH_STYLE: "false",
      SELFIE_AUTH_BLOB_KEY: blobKey
    })
    assert.deepStrictEqual(fromEnv.blobs, {
      _tag: "S3",
      bucket: "selfies",
      region: "us-east-1",
      endpoint: undefined,
      keyPrefix: "",
      forcePathStyle: false
    })
    assert.strictEqual(run(required, { SELFIE_AUTH_S3_BUCKET: "selfies", SELFIE_AUTH_S3_REGION: "af-south-1", AWS_REGION: "us-east-1", SELFIE_AUTH_BLOB_KEY: blobKey }).blobs?._tag, "S3")
  })

  it("says what to fix in S3 settings: the blob key, the region, the name, the endpoint, the prefix, stray options", () => {
    const withoutKey = problemsOf([...required, "--s3-bucket", "selfies", "--s3-region", "eu-west-1"])
    assert.deepStrictEqual(withoutKey.length, 1)
    assert.match(withoutKey[0] ?? "", /--s3-bucket .* give --blob-key \(or SELFIE_AUTH_BLOB_KEY\), e\.g\. from: openssl rand -base64 32/)
    const problems = problemsOf([
      ...required, "--blob-key", blobKey,
      "--s3-bucket", "Selfies_Bucket",
      "--s3-endpoint", "ftp://storage.example",
      "--s3-prefix", "/prod"
    ]).join("\n")
    assert.match(problems, /--s3-bucket \(or SELFIE_AUTH_S3_BUCKET\) must be an S3 bucket name: 3 to 63 lowercase .* \(got "Selfies_Bucket"\)/)
    assert.match(problems, /needs the bucket's region: give --s3-region \(or SELFIE_AUTH_S3_REGION\) or set AWS_REGION/)
    assert.match(problems, /--s3-endpoint \(or SELFIE_AUTH_S3_ENDPOINT\) must be an http\(s\) URL/)
    assert.match(problems, /--s3-prefix \(or SELFIE_AUTH_S3_PREFIX\) must end with "\/" and not start with one/)
    const stray = problemsOf([...required, "--s3-endpoint", "http://127.0.0.1:9000", "--s3-force-path-style"])
    assert.deepStrictEqual(stray, [
      "--s3-endpoint (or SELFIE_AUTH_S3_ENDPOINT) applies to S3 storage only: give --s3-bucket (or SELFIE_AUTH_S3_BUCKET) too, or drop it",
      "--s3-force-path-style (or SELFIE_AUTH_S3_FORCE_PATH_STYLE) applies to S3 storage only: give --s3-bucket (or SELFIE_AUTH_S3_BUCKET) too, or drop it"
    ])
  })

  it("docs/configuration.md lists every option with its variable", () => {
    const docs = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/configuration.md"), "utf8")
    for (const option of options) {
      assert.include(docs, `\`--${option.flag}`, `docs/configuration.md does not document --${option.flag}`)
      if (option.env !== "") assert.include(docs, `\`${option.env}\``, `docs/configuration.md does not name ${option.env}`)
    }
  })

  it("--help documents every option and its environment variable", () => {
    assert.deepStrictEqual(parseCommand(["--help", "--port", "nonsense"], {}), Either.right({ _tag: "Help" }))
    const help = helpText()
    for (const option of options) {
      assert.include(help, `--${option.flag}`)
      if (option.env !== "") assert.include(help, option.env)
    }
    assert.include(help, "NODE_EXTRA_CA_CERTS")
  })
})
