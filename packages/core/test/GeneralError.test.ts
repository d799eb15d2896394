import { assert, describe, it } from "@effect/vitest"
import { GeneralError } from "@selfie-auth/core"

// The product text's general failures, as printed there (code, text, listed under registration / authentication).
const productTable: ReadonlyArray<readonly [string, string, boolean, boolean]> = [
  ["2201", "System Error", true, true],
  ["2203", "Error - Invalid JSON", true, true],
  ["2204", "Error - A parameter is of the wrong data type", true, true],
  ["2205", "Error - You are not authorized to do that", true, true],
  ["2207", "Error - Enrolled user is disabled", false, true],
  ["2208", "Error - Enrolled user was deleted from the system", false, true],
  ["2209", "Error - User is already enrolled", true, false],
  ["2210", "Error - No enrolled user found", false, true],
  ["2211", "Error - Enrolled user must complete re-enrollment", false, true],
  ["2212", "Error - Invalid job type", true, true],
  ["2213", "Error - A required parameter is missing", true, true],
  ["2214", "Error - Product not activated for this account", true, true],
  ["2215", "Error - Job already exists for job_id", false, true],
  ["2216", "Error - Enrolled user does not have a photo on file", false, true],
  ["2217", "Error - Invalid Product", true, true],
  ["2220", "Error - Production is not enabled for this account", true, true],
  ["2221", "Error - Invalid token", true, true]
]

describe("GeneralError", () => {
  it("pins every general error of the product text", () => {
    const rows = Object.values(GeneralError.table)
    assert.strictEqual(rows.length, productTable.length)
    for (const [code, text, registration, authentication] of productTable) {
      const row = rows.find((r) => r.code === code)
      assert.isDefined(row, `missing ${code}`)
      assert.strictEqual(row!.text, text)
      assert.strictEqual(row!.listedFor.includes(4), registration, `${code} listed for registration`)
      assert.strictEqual(row!.listedFor.includes(2), authentication, `${code} listed for authentication`)
      assert.isAbove(row!.fix.length, 10)
    }
  })

  it("maps each condition to exactly one code", () => {
    const codes = Object.values(GeneralError.table).map((r) => r.code)
    assert.strictEqual(new Set(codes).size, codes.length)
  })

  it("answers a reused job_id with HTTP 400, as the product text says", () => {
    assert.strictEqual(GeneralError.table.JobAlreadyExists.httpStatus, 400)
  })

  it("folds 23xx and 24xx forms onto 22xx", () => {
    assert.strictEqual(GeneralError.canonicalCode("2301"), "2201")
    assert.strictEqual(GeneralError.canonicalCode("2401"), "2201")
    assert.strictEqual(GeneralError.canonicalCode("2405"), "2205")
    assert.strictEqual(GeneralError.canonicalCode("2413"), "2213")
    assert.strictEqual(GeneralError.canonicalCode("2215"), "2215")
    assert.isUndefined(GeneralError.canonicalCode("2202"))
    assert.isUndefined(GeneralError.canonicalCode("2502"))
    assert.isUndefined(GeneralError.canonicalCode("0820"))
    assert.isUndefined(GeneralError.canonicalCode("22055"))
    assert.strictEqual(GeneralError.tagOfCode("2407"), "UserDisabled")
  })

  it("renders the wire body with the table's text and what exactly was wrong", () => {
    const body = GeneralError.toErrorBody(new GeneralError.MissingParameter({ detail: "partner_params.user_id is required" }))
    assert.deepStrictEqual(body, {
      code: "2213",
      error: "Error - A required parameter is missing: partner_params.user_id is required"
    })
    assert.deepStrictEqual(GeneralError.toErrorBody(new GeneralError.SystemError({ detail: "" })), {
      code: "2201",
      error: "System Error"
    })
  })

  it("rebuilds the condition from a hosted API answer", () => {
    const error = GeneralError.fromCode("2405", "Error - You are not authorized to do that")
    assert.strictEqual(error?._tag, "NotAuthorized")
    assert.isUndefined(GeneralError.fromCode("9999", "?"))
    assert.isTrue(GeneralError.isGeneralError(error))
    assert.isFalse(GeneralError.isGeneralError(new Error("x")))
  })
})
