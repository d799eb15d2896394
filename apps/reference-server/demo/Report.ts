/**
 * The demo's report as text: one table per job (code, text, confidence,
 * actions, expectation), a summary of the three outcomes, and the callbacks
 * received. A difference from the expectation is written out in words.
 */
import { categoryOf, type DemoReport, type StepOutcome } from "./Demo.js"
import * as Table from "./Table.js"

const expectation = (outcome: StepOutcome): string =>
  `${outcome.step.expectedCode} ${categoryOf(outcome.step.expectedCode)}`

const got = (outcome: StepOutcome): string =>
  outcome.result === undefined ? "no result" : `${outcome.result.code} ${outcome.result.category}`

type KeyValue = readonly [string, string | ReadonlyArray<string>]

const keyValueTable = (rows: ReadonlyArray<KeyValue>): string =>
  Table.render<KeyValue>([{ header: "field", cell: (row) => row[0] }, { header: "value", cell: (row) => row[1] }], rows)

/** The table of one job's result. */
export const jobTable = (outcome: StepOutcome): string => {
  const result = outcome.result
  if (result === undefined) {
    const failed: ReadonlyArray<KeyValue> = [
      ["error", Table.wrap(outcome.error ?? "no result")],
      ["expected", `${expectation(outcome)}: NOT MET, the job ended without a result`]
    ]
    return keyValueTable(failed)
  }
  const actionWidth = Math.max(0, ...Object.keys(result.actions).map((name) => name.length))
  const actions = Object.entries(result.actions).map(([name, value]) => `${name.padEnd(actionWidth)}  ${value}`)
  const rows: ReadonlyArray<KeyValue> = [
    ["code", `${result.code} (${result.category})`],
    ["text", result.text],
    ["confidence", result.confidence ?? "(none)"],
    ["actions", actions],
    [
      "expected",
      outcome.asExpected
        ? `${expectation(outcome)}: as expected`
        : Table.wrap(`${expectation(outcome)}: DIFFERENT, the server answered ${got(outcome)} (${result.text})`)
    ]
  ]
  return keyValueTable(rows)
}

/** One line under a job's progress: smile job id, polls and time. */
export const jobFooter = (outcome: StepOutcome): string =>
  `      smile job ${outcome.smileJobId ?? "(none)"}, ${outcome.polls} job_status poll${outcome.polls === 1 ? "" : "s"}, ` +
  `${(outcome.millis / 1000).toFixed(1)} s from prep upload to result`

/** The summary of every job and the callbacks. */
export const summary = (report: DemoReport): string => {
  const jobs = Table.render<StepOutcome>([
    { header: "job", cell: (outcome) => outcome.jobId },
    { header: "what", cell: (outcome) => outcome.step.title },
    { header: "expected", cell: expectation },
    { header: "got", cell: got },
    { header: "as expected", cell: (outcome) => (outcome.asExpected ? "yes" : "NO") }
  ], report.steps)

  const callbacks = report.callbacks.length === 0
    ? "  (none arrived)"
    : Table.render<DemoReport["callbacks"][number]>([
      { header: "delivery id", cell: (callback) => callback.deliveryId ?? "-" },
      { header: "job", cell: (callback) => callback.jobId ?? "-" },
      { header: "code", cell: (callback) => callback.code ?? "-" },
      {
        header: "signature verified",
        cell: (callback) =>
          callback.verified ? `yes${callback.bodyBound ? " (v1 + body signature)" : ""}` : Table.wrap(`NO: ${callback.refusal ?? ""}`, 60)
      }
    ], report.callbacks)

  const lines = ["Results", jobs, "", "Callbacks received (each checked with verifyCallback)", callbacks]
  if (report.missingCallbacks.length > 0) {
    lines.push(`  MISSING: no verified callback arrived for ${report.missingCallbacks.join(", ")}`)
  }
  lines.push(
    "",
    report.allAsExpected
      ? "Every job ended as expected and every callback verified."
      : "The demo did NOT end as expected: see the rows marked NO / DIFFERENT / MISSING above."
  )
  return lines.join("\n")
}
