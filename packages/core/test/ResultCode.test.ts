import { assert, describe, it } from "@effect/vitest"
import { GeneralError, ResultCode } from "@selfie-auth/core"
import { Schema } from "effect"

type Row = readonly [
  code: string,
  resultText: string,
  judgementLine: string | undefined,
  category: ResultCode.Category,
  judgement: ResultCode.Judgement,
  jobTypes: ReadonlyArray<2 | 4>,
  deprecated: boolean
]

// Every job-result code of the product text (smartselfie-authentication.txt), typed here from the text.
const productRows: ReadonlyArray<Row> = [
  ["0001", "Data Invalid", undefined, "general_failure", "none", [2, 4], false],
  ["0001", "Data Invalid - Unable to extract zip file", undefined, "general_failure", "none", [2, 4], false],
  ["0001", "System Error", undefined, "general_failure", "none", [2, 4], false],
  ["0840", "Enroll User", "PASS - Machine Judgement", "approved", "machine", [4], false],
  ["0841", "Failed Enroll", "FAIL - Possible Spoof - Machine Judgement", "rejected", "machine", [4], false],
  ["0844", "PROVISIONAL - Possible Spoof - Machine Judgement", "PROVISIONAL - Possible Spoof - Machine Judgement", "provisional", "machine", [4], false],
  ["0846", "PENDING - Possible Spoof - Machine Judgement", "PENDING - Possible Spoof - Machine Judgement", "provisional", "machine", [4], true],
  ["0941", "FAIL - No Face Found", "FAIL - No Face Found", "rejected", "machine", [4], false],
  ["0942", "FAIL - Image Quality Judged Too Poor", "FAIL - Image Quality Judged Too Poor", "rejected", "machine", [4], false],
  ["1240", "Enroll User", "PASS - Human Judgement", "approved", "human", [4], false],
  ["1241", "Failed Enroll", "FAIL - Image Unusable", "rejected", "human", [4], false],
  ["1242", "Failed Enroll", "Spoof detected - Human Judgement", "rejected", "human", [4], false],
  ["0820", "Authenticate User", "Machine Judgement - PASS", "approved", "machine", [2], false],
  ["0821", "Failed Authentication", "Machine Judgement - FAIL - COMPARISON", "rejected", "machine", [2], false],
  ["0822", "Machine Judgement - PURE PROVISIONAL", "Machine Judgement - PURE PROVISIONAL", "provisional", "machine", [2], false],
  ["0823", "Failed Authentication", "Machine Judgement - FAIL - Possible Spoof", "rejected", "machine", [2], true],
  ["0824", "Machine Judgement - PROVISIONAL - Possible Spoof", "Machine Judgement - PROVISIONAL - Possible Spoof", "provisional", "machine", [2], false],
  ["0825", "Machine Judgement - PROVISIONAL - Machine Compare Unsure", "Machine Judgement - PROVISIONAL - Machine Compare Unsure", "provisional", "machine", [2], false],
  ["0921", "FAIL - No Face Found", "FAIL - No Face Found", "rejected", "machine", [2], false],
  ["0922", "FAIL - Image Quality Judged Too Poor", "FAIL - Image Quality Judged Too Poor", "rejected", "machine", [2], false],
  ["1220", "Authenticate User", "Human Judgement - PASS", "approved", "human", [2], false],
  ["1221", "Failed Authentication", "Human Judgement - FAIL - Human Compare Failed", "rejected", "human", [2], false],
  ["1222", "Failed Authentication", "Human Judgement - FAIL - Spoof Detected", "rejected", "human", [2], false]
]

const sameSet = (actual: ReadonlyArray<number>, expected: ReadonlyArray<number>) =>
  assert.deepStrictEqual([...actual].sort(), [...expected].sort())

describe("ResultCode table", () => {
  it("pins every job-result row of the product text", () => {
    assert.strictEqual(ResultCode.jobResultRows.length, productRows.length)
    productRows.forEach(([code, resultText, judgementLine, category, judgement, jobTypes, deprecated], index) => {
      const row = ResultCode.jobResultRows[index]!
      const where = `${code} ${resultText}`
      assert.strictEqual(row.code, code, where)
      assert.strictEqual(row.resultText, resultText, where)
      assert.strictEqual(row.judgementLine, judgementLine, where)
      assert.strictEqual(row.category, category, where)
      assert.strictEqual(row.judgement, judgement, where)
      sameSet(row.jobTypes, jobTypes)
      assert.strictEqual(row.deprecated, deprecated, where)
      assert.strictEqual(row.isFinal, category !== "provisional", where)
      assert.isAbove(row.description.length, 10, where)
    })
  })

  it("has one general-failure row per general error, taken from GeneralError.table", () => {
    const generals = Object.values(GeneralError.table)
    assert.strictEqual(ResultCode.generalErrorRows.length, generals.length)
    assert.strictEqual(ResultCode.generalErrorRows.length, 17)
    for (const info of generals) {
      const row = ResultCode.generalErrorRows.find((candidate) => candidate.code === info.code)!
      assert.strictEqual(row.resultText, info.text)
      assert.strictEqual(row.category, "general_failure")
      assert.strictEqual(row.judgement, "none")
      assert.isUndefined(row.judgementLine)
      assert.isTrue(row.isFinal)
      assert.isFalse(row.deprecated)
      sameSet(row.jobTypes, info.listedFor)
    }
    // spot checks against the product text, independent of GeneralError.ts
    assert.strictEqual(ResultCode.rowOf("2215").resultText, "Error - Job already exists for job_id")
    sameSet(ResultCode.rowOf("2209").jobTypes, [4])
    sameSet(ResultCode.rowOf("2216").jobTypes, [2])
  })

  it("keeps code + text unique, and every code unique except the three texts of 0001", () => {
    const keys = ResultCode.table.map((row) => `${row.code} ${row.resultText}`)
    assert.strictEqual(new Set(keys).size, keys.length)
    const codes = ResultCode.table.map((row) => row.code)
    assert.strictEqual(codes.length - new Set(codes).size, 2)
    assert.strictEqual(ResultCode.rowsOf("0001").length, 3)
  })

  it("has exactly one row per literal of the ResultCode schema", () => {
    const literals = ResultCode.ResultCode.literals
    assert.strictEqual(literals.length, 21 + 17)
    assert.deepStrictEqual([...new Set(ResultCode.table.map((row) => row.code))].sort(), [...literals].sort())
    assert.isTrue(Schema.is(ResultCode.ResultCode)("0825"))
    assert.isFalse(Schema.is(ResultCode.ResultCode)("0830"))
  })
})

describe("ResultCode.classify", () => {
  it("answers the row of a known code", () => {
    const answer = ResultCode.classify("0825")
    assert.strictEqual(answer._tag, "Known")
    if (answer._tag !== "Known") return
    assert.strictEqual(answer.row.category, "provisional")
    assert.strictEqual(answer.form, "canonical")
    assert.isFalse(answer.row.isFinal)
  })

  it("picks the text of 0001 by ResultText, the first when absent or unknown", () => {
    const pick = (text?: string) => {
      const answer = ResultCode.classify("0001", text)
      return answer._tag === "Known" ? answer.row.resultText : "unknown"
    }
    assert.strictEqual(pick("System Error"), "System Error")
    assert.strictEqual(pick("Data Invalid - Unable to extract zip file"), "Data Invalid - Unable to extract zip file")
    assert.strictEqual(pick(), "Data Invalid")
    assert.strictEqual(pick("Something else"), "Data Invalid")
    const answer = ResultCode.classify("0001")
    assert.strictEqual(answer._tag === "Known" ? answer.variants.length : 0, 3)
  })

  it("recognises the 23xx and 24xx forms of general errors", () => {
    for (const [received, code, form] of [
      ["2301", "2201", "23xx"],
      ["2405", "2205", "24xx"],
      ["2413", "2213", "24xx"],
      ["2215", "2215", "canonical"]
    ] as const) {
      const answer = ResultCode.classify(received)
      assert.strictEqual(answer._tag, "Known", received)
      if (answer._tag !== "Known") continue
      assert.strictEqual(answer.code, code)
      assert.strictEqual(answer.form, form)
      assert.strictEqual(answer.received, received)
      assert.strictEqual(answer.row.category, "general_failure")
    }
  })

  it("says why a code is unknown", () => {
    for (const code of ["0830", "2202", "2302", "2502", "9999"]) {
      const answer = ResultCode.classify(code)
      assert.strictEqual(answer._tag, "Unknown", code)
      if (answer._tag === "Unknown") assert.include(answer.reason, "not a result code")
    }
    for (const code of ["840", "08400", "", " 0840", "08a0"]) {
      const answer = ResultCode.classify(code)
      assert.strictEqual(answer._tag, "Unknown", code)
      if (answer._tag === "Unknown") assert.include(answer.reason, "four digits")
    }
  })
})
