/**
 * The demo program (run by `npm start` once the server listens):
 *
 *   NODE_EXTRA_CA_CERTS=<data>/tls/certificate.pem \
 *     node --import tsx apps/reference-server/demo/main.ts --url https://127.0.0.1:8443 --partners .data/partners.json
 *
 * Exit status: 0 when every job ended as expected and every callback
 * verified; 1 when not (the output says which); 2 for a usage mistake.
 */
import { demoDir } from "@selfie-auth/test-fixtures"
import { Either, Redacted } from "effect"
import * as fs from "node:fs"
import { parseArgs } from "node:util"
import { parsePartnersFile } from "../src/Partners.js"
import * as Demo from "./Demo.js"
import * as Report from "./Report.js"

const help = `selfie-auth demo: registers user A, authenticates the same person (expect 0820 approved), then a
different person against user A (expect 0821 rejected), through the partner client, with callbacks
received and verified on 127.0.0.1.

Usage: node --import tsx apps/reference-server/demo/main.ts --url <server url> --partners <file.json> [--report <file.json>]

  --url <url>            the server, e.g. https://127.0.0.1:8443 (the client uses <url>/v1)
  --partners <file>      the server's partners file; the first partner with callbackPolicy "local-evaluation" is used
  --photos <dir>         the demo photos (default: packages/test-fixtures/demo)
  --report <file>        also write the outcome as JSON
  --help                 print this help

For an https URL with a self-signed certificate, start it with NODE_EXTRA_CA_CERTS=<the certificate the server printed>.`

const usage = (problem: string): never => {
  process.stderr.write(`demo: ${problem}\nRun with --help for the options.\n`)
  process.exit(2)
}

const parsed = (() => {
  try {
    return parseArgs({
      options: {
        url: { type: "string" },
        partners: { type: "string" },
        photos: { type: "string" },
        report: { type: "string" },
        help: { type: "boolean" }
      },
      strict: true,
      allowPositionals: false
    }).values
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error))
  }
})()

if (parsed.help === true) {
  process.stdout.write(`${help}\n`)
  process.exit(0)
}
const url = parsed.url ?? usage("--url is required: the server's URL, e.g. https://127.0.0.1:8443")
if (!/^https?:\/\/[^/]+\/?$/.test(url)) usage(`--url must be the server's scheme, host and port, e.g. https://127.0.0.1:8443 (got ${url})`)
const partnersFile = parsed.partners ?? usage("--partners is required: the server's partners file")

const partnersText = (() => {
  try {
    return fs.readFileSync(partnersFile, "utf8")
  } catch (error) {
    return usage(`cannot read --partners ${partnersFile}: ${error instanceof Error ? error.message : String(error)}`)
  }
})()
const partners = parsePartnersFile(partnersText, partnersFile)
if (Either.isLeft(partners)) usage(partners.left.message)
const partner = Either.isRight(partners) ? partners.right.find((candidate) => candidate.callbackPolicy === "local-evaluation") : undefined
if (partner === undefined) {
  usage(`${partnersFile} has no partner with callbackPolicy "local-evaluation"; the demo receives callbacks on 127.0.0.1, which only such a partner may use`)
}
if (url.startsWith("https:") && process.env["NODE_EXTRA_CA_CERTS"] === undefined) {
  process.stderr.write("demo: note: NODE_EXTRA_CA_CERTS is not set; a self-signed certificate will not be trusted\n")
}

const log = (line: string) => process.stdout.write(`${line}\n`)
const report = await Demo.run({
  serverUrl: url,
  partnerId: partner!.partnerId,
  apiKey: Redacted.value(partner!.apiKey),
  photosDir: parsed.photos ?? demoDir,
  log,
  onStep: (outcome) => {
    log(Report.jobFooter(outcome))
    log(Report.jobTable(outcome))
  }
})
log("")
log(Report.summary(report))
if (parsed.report !== undefined) fs.writeFileSync(parsed.report, `${JSON.stringify(report, null, 2)}\n`)
process.exitCode = report.allAsExpected ? 0 : 1
