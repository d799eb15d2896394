import { assert, describe, it } from "@effect/vitest"
import { Actions } from "@selfie-auth/core"
import { Arbitrary, Either, FastCheck as fc } from "effect"

const names = Actions.ActionName.literals
const anyActions = Arbitrary.make(Actions.Actions)
const anyJobType = fc.constantFrom(2 as const, 4 as const)
const valuePairs = names.flatMap((name) =>
  Actions.valuesOf[name].map((value) => [name, value] as readonly [Actions.ActionName, Actions.ActionValue])
)
const anyValue = (name: Actions.ActionName) =>
  fc.option(fc.constantFrom(...Actions.valuesOf[name]), { nil: undefined }) as fc.Arbitrary<Actions.ActionValue | undefined>

/** Refines each pending value of `actions` to one of its refinements, chosen by `picks`; keeps the keys. */
const refineWith = (actions: Actions.Actions, picks: ReadonlyArray<number>): Actions.Actions => {
  const refined: Record<string, Actions.ActionValue> = {}
  names.forEach((name, index) => {
    const value = actions[name]
    if (value === undefined) return
    const options = Actions.refinementsOf(name, value)
    const pick = picks[index] ?? 0
    refined[name] = options.length === 0 || pick % 3 === 0 ? value : options[pick % options.length]!
  })
  return refined as Actions.Actions
}
const anyRefinementPair = fc
  .tuple(anyActions, fc.array(fc.nat(), { minLength: names.length, maxLength: names.length }))
  .map(([lower, picks]) => [lower, refineWith(lower, picks)] as const)

const joinOrConflict = (a: Actions.Actions, b: Actions.Actions) =>
  Either.match(Actions.join(a, b), { onLeft: (conflict) => `conflict on ${conflict.action}`, onRight: (joined) => joined })

describe("Actions value sets", () => {
  it("are the product text's, plus Failed for the compare and the compare's human review", () => {
    assert.deepStrictEqual(Actions.valuesOf.Selfie_Provided, ["Passed", "Failed"])
    assert.deepStrictEqual(Actions.valuesOf.Selfie_Check, ["Passed", "Failed", "Under Review", "Not Applicable"])
    assert.deepStrictEqual(Actions.valuesOf.Liveness_Check, ["Passed", "Failed", "Under Review", "Not Applicable"])
    for (const review of ["Human_Review_Selfie_Check", "Human_Review_Liveness_Check", "Human_Review_Compare"] as const) {
      assert.deepStrictEqual(Actions.valuesOf[review], ["Passed", "Failed", "Unable To Determine", "Under Review", "Not Applicable"])
    }
    assert.deepStrictEqual(Actions.valuesOf.Register_Selfie, ["Approved", "Rejected", "Provisionally Approved", "Not Applicable"])
    assert.deepStrictEqual(Actions.valuesOf.Selfie_To_Registered_Selfie_Compare, ["Completed", "Failed", "Under Review", "Not Applicable"])
  })

  it("give each job type its actions", () => {
    assert.deepStrictEqual(Actions.actionsOf(4), [
      "Human_Review_Liveness_Check",
      "Human_Review_Selfie_Check",
      "Liveness_Check",
      "Register_Selfie",
      "Selfie_Check",
      "Selfie_Provided"
    ])
    assert.include(Actions.actionsOf(2), "Selfie_To_Registered_Selfie_Compare")
    assert.include(Actions.actionsOf(2), "Human_Review_Compare")
    assert.notInclude(Actions.actionsOf(2), "Register_Selfie")
  })
})

describe("Actions refinement order", () => {
  it("refines pending values to settled ones, never to Not Applicable, and keeps settled values", () => {
    assert.deepStrictEqual(Actions.refinementsOf("Selfie_Check", "Under Review"), ["Passed", "Failed"])
    assert.deepStrictEqual(Actions.refinementsOf("Human_Review_Liveness_Check", "Under Review"), ["Passed", "Failed", "Unable To Determine"])
    assert.deepStrictEqual(Actions.refinementsOf("Register_Selfie", "Provisionally Approved"), ["Approved", "Rejected"])
    assert.deepStrictEqual(Actions.refinementsOf("Selfie_To_Registered_Selfie_Compare", "Under Review"), ["Completed", "Failed"])
    assert.deepStrictEqual(Actions.refinementsOf("Selfie_Check", "Not Applicable"), [])
    assert.deepStrictEqual(Actions.refinementsOf("Register_Selfie", "Approved"), [])
    assert.deepStrictEqual(Actions.refinementsOf("Selfie_Provided", undefined), ["Passed", "Failed"])
  })

  it("is a partial order on every action's values (with absent as bottom)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...names).chain((name) => fc.tuple(anyValue(name), anyValue(name), anyValue(name))),
        ([a, b, c]) => {
          assert.isTrue(Actions.refines(a, a))
          assert.isTrue(Actions.refines(undefined, a))
          if (Actions.refines(a, b) && Actions.refines(b, a)) assert.strictEqual(a, b)
          if (Actions.refines(a, b) && Actions.refines(b, c)) assert.isTrue(Actions.refines(a, c))
        }
      )
    )
  })

  it("keeps every settled value, Not Applicable included", () => {
    for (const [name, value] of valuePairs) {
      if (Actions.isSettled(value)) assert.deepStrictEqual(Actions.refinementsOf(name, value), [], `${name} ${value}`)
      else assert.isAbove(Actions.refinementsOf(name, value).length, 1, `${name} ${value}`)
    }
  })
})

describe("Actions.join", () => {
  it("is commutative", () => {
    fc.assert(fc.property(anyActions, anyActions, (a, b) => assert.deepStrictEqual(joinOrConflict(a, b), joinOrConflict(b, a))))
  })

  it("is associative where defined, and defined on one side exactly when on the other", () => {
    fc.assert(
      fc.property(anyActions, anyActions, anyActions, (a, b, c) => {
        const left = Either.flatMap(Actions.join(a, b), (ab) => Actions.join(ab, c))
        const right = Either.flatMap(Actions.join(b, c), (bc) => Actions.join(a, bc))
        assert.strictEqual(Either.isRight(left), Either.isRight(right))
        if (Either.isRight(left) && Either.isRight(right)) assert.deepStrictEqual(left.right, right.right)
      })
    )
  })

  it("is idempotent", () => {
    fc.assert(fc.property(anyActions, (a) => assert.deepStrictEqual(Actions.join(a, a), Either.right(a))))
  })

  it("is the least upper bound: it refines both sides, and joining a refinement gives the refinement", () => {
    fc.assert(
      fc.property(anyActions, anyActions, (a, b) => {
        const joined = Actions.join(a, b)
        if (Either.isLeft(joined)) return
        assert.isTrue(Actions.isRefinedBy(a, joined.right))
        assert.isTrue(Actions.isRefinedBy(b, joined.right))
      })
    )
    fc.assert(
      fc.property(anyRefinementPair, ([lower, upper]) => {
        assert.isTrue(Actions.isRefinedBy(lower, upper))
        assert.deepStrictEqual(Actions.join(lower, upper), Either.right(upper))
      })
    )
  })

  it("reports two settled values of one action as a typed conflict", () => {
    const result = Actions.join({ Selfie_Check: "Passed", Liveness_Check: "Under Review" }, { Selfie_Check: "Failed" })
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) {
      assert.strictEqual(result.left._tag, "ActionConflict")
      assert.strictEqual(result.left.action, "Selfie_Check")
      assert.include(result.left.message, "\"Passed\"")
    }
    assert.isTrue(Either.isLeft(Actions.join({ Liveness_Check: "Under Review" }, { Liveness_Check: "Not Applicable" })))
    assert.deepStrictEqual(
      Actions.join({ Liveness_Check: "Under Review", Selfie_Provided: "Passed" }, { Liveness_Check: "Passed" }),
      Either.right({ Liveness_Check: "Passed", Selfie_Provided: "Passed" } as Actions.Actions)
    )
  })
})

describe("Actions.fold", () => {
  it("reads the job's category off the actions", () => {
    assert.strictEqual(Actions.fold({ Selfie_Provided: "Passed", Selfie_Check: "Passed", Register_Selfie: "Approved" }, 4), "approved")
    assert.strictEqual(Actions.fold({ Selfie_Provided: "Failed", Register_Selfie: "Rejected" }, 4), "rejected")
    assert.strictEqual(
      Actions.fold({ Selfie_Provided: "Passed", Selfie_Check: "Under Review", Human_Review_Selfie_Check: "Under Review", Register_Selfie: "Provisionally Approved" }, 4),
      "provisional"
    )
    assert.strictEqual(Actions.fold({ Selfie_Provided: "Passed", Selfie_To_Registered_Selfie_Compare: "Completed" }, 2), "approved")
    assert.strictEqual(Actions.fold({ Selfie_Provided: "Passed", Selfie_To_Registered_Selfie_Compare: "Failed" }, 2), "rejected")
    assert.strictEqual(Actions.fold({ Selfie_Provided: "Passed" }, 2), "undetermined")
    assert.strictEqual(Actions.fold({}, 4), "undetermined")
  })

  it("lets a settled human review supersede the machine check it reviews", () => {
    const machine: Actions.Actions = {
      Selfie_Provided: "Passed",
      Liveness_Check: "Under Review",
      Human_Review_Liveness_Check: "Under Review",
      Selfie_To_Registered_Selfie_Compare: "Completed"
    }
    assert.strictEqual(Actions.fold(machine, 2), "provisional")
    assert.strictEqual(Actions.fold({ ...machine, Human_Review_Liveness_Check: "Passed" }, 2), "approved")
    assert.strictEqual(Actions.fold({ ...machine, Human_Review_Liveness_Check: "Failed" }, 2), "rejected")
    // an inconclusive review is provisionally approved (product text)
    assert.strictEqual(Actions.fold({ ...machine, Human_Review_Liveness_Check: "Unable To Determine" }, 2), "provisional")
    // a machine failure under a pending review is pending, not a rejection
    assert.strictEqual(Actions.fold({ ...machine, Liveness_Check: "Failed" }, 2), "provisional")
  })

  it("ignores actions of the other job type", () => {
    assert.strictEqual(Actions.fold({ Selfie_Provided: "Passed", Register_Selfie: "Approved", Selfie_To_Registered_Selfie_Compare: "Failed" }, 4), "approved")
  })

  it("never leaves a settled category when pending values are refined", () => {
    fc.assert(
      fc.property(anyRefinementPair, anyJobType, ([lower, upper], jobType) => {
        const before = Actions.fold(lower, jobType)
        if (before !== "provisional") assert.strictEqual(Actions.fold(upper, jobType), before)
      })
    )
  })
})

describe("Actions on the wire", () => {
  it("sends every action of the job type, absent ones as Not Applicable, in alphabetical order", () => {
    const wire = Actions.toWire({ Selfie_Provided: "Passed", Selfie_Check: "Passed", Register_Selfie: "Approved" }, 4)
    assert.deepStrictEqual(Object.entries(wire), [
      ["Human_Review_Liveness_Check", "Not Applicable"],
      ["Human_Review_Selfie_Check", "Not Applicable"],
      ["Liveness_Check", "Not Applicable"],
      ["Register_Selfie", "Approved"],
      ["Selfie_Check", "Passed"],
      ["Selfie_Provided", "Passed"]
    ])
    assert.deepStrictEqual(Object.keys(Actions.toWire({}, 2)), [...Actions.actionsOf(2)])
  })

  it("never drops a present action, even of the other job type", () => {
    assert.strictEqual(Actions.toWire({ Register_Selfie: "Approved" }, 2).Register_Selfie, "Approved")
  })

  it("reads a hosted result leniently, keeping unknown names and values aside", () => {
    const read = Actions.fromWire({
      Human_Review_Compare: "Not Applicable",
      Liveness_Check: "Passed",
      Selfie_Provided: "Not Applicable",
      Selfie_Check: "Maybe",
      Selfie_To_Registered_Selfie_Compare: "Passed",
      Verify_ID_Number: "Not Applicable",
      Return_Personal_Info: "Not Applicable"
    })
    assert.deepStrictEqual(read.actions, {
      Human_Review_Compare: "Not Applicable",
      Liveness_Check: "Passed",
      Selfie_To_Registered_Selfie_Compare: "Completed"
    })
    assert.deepStrictEqual(read.unknownActions, { Verify_ID_Number: "Not Applicable", Return_Personal_Info: "Not Applicable" })
    assert.deepStrictEqual(read.unrecognisedValues, { Selfie_Check: "Maybe" })
  })

  it("round-trips: what toWire sends, fromWire reads back with absent actions as Not Applicable", () => {
    fc.assert(
      fc.property(anyActions, anyJobType, (actions, jobType) => {
        const wire = Actions.toWire(actions, jobType)
        const read = Actions.fromWire(wire)
        assert.deepStrictEqual(read.unknownActions, {})
        assert.deepStrictEqual(read.unrecognisedValues, {})
        assert.deepStrictEqual(Actions.toWire(read.actions, jobType), wire)
        for (const name of names) {
          const value = actions[name]
          if (value !== undefined) assert.strictEqual(read.actions[name], value)
        }
      })
    )
  })
})
