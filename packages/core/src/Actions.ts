/**
 * The `Actions` of a SmartSelfie result: each check that ran and its outcome,
 * as a lattice.
 *
 * Results arrive in pieces: a machine result first, a human reviewer's result
 * later. Each action's value only ever gets more precise ("refined"), so the
 * values of one action form an order, and two partial results combine with
 * {@link join}. {@link fold} reads the job's category off the actions.
 *
 * The value order of every action has three levels:
 *
 * ```
 *   settled   Passed · Failed · Unable To Determine · Approved · Rejected · Completed · Not Applicable
 *                 ↑ (any settled value of the action but Not Applicable)
 *   pending   Under Review · Provisionally Approved
 *                 ↑ (anything)
 *   bottom    absent: not known yet
 * ```
 *
 * - A pending value (`Under Review`, `Provisionally Approved`) may be refined
 *   to any settled value of its action except `Not Applicable`: a check that is
 *   under review does apply.
 * - A settled value, `Not Applicable` included, stays.
 * - Two different settled values of one action are a {@link ActionConflict},
 *   never a silent pick.
 *
 * Decisions recorded here:
 * - **`Selfie_To_Registered_Selfie_Compare`** takes the product's values
 *   `Completed` / `Under Review` / `Not Applicable` plus `Failed`. The product
 *   text lists no failing value, yet code 0821 ("images did not match") is a
 *   rejection and Smile ID's hosted API reports `"Failed"` there in practice.
 *   `Completed` therefore means "compared, and it matched"; a non-match is
 *   `Failed`. On input, `"Passed"` (what mock servers tend to send, e.g. the
 *   invented responses of this project's captured SDK fixtures) reads as `Completed`.
 * - **`Human_Review_Compare`** exists for job type 2 although the product's
 *   action list omits it: 0825 sends the comparison to a reviewer and 1220/1221
 *   report that reviewer's verdict, so the result needs an action carrying it,
 *   and Smile ID's real responses name it `Human_Review_Compare` with the values
 *   of the other human reviews.
 * - A settled human review decides the machine check it reviews
 *   ({@link reviewOf}) in {@link fold}. Results this project makes refine the
 *   reviewed check as well (see `Decision.decideHumanReview`); results read
 *   from elsewhere may keep the machine's doubt (`Liveness_Check: "Failed"`
 *   beside `Human_Review_Liveness_Check: "Passed"`), and the reviewer wins.
 */
import { Either, Schema } from "effect"
import type { JobType } from "./JobType.js"

// ---------------------------------------------------------------------------
// Names and values

/** Every action name of job types 2 and 4, in the alphabetical order of the wire. */
export const ActionName = Schema.Literal(
  "Human_Review_Compare",
  "Human_Review_Liveness_Check",
  "Human_Review_Selfie_Check",
  "Liveness_Check",
  "Register_Selfie",
  "Selfie_Check",
  "Selfie_Provided",
  "Selfie_To_Registered_Selfie_Compare"
)
export type ActionName = typeof ActionName.Type

/** `Selfie_Provided`: did the user provide a usable selfie. Only two values in the product text. */
export const SelfieProvidedValue = Schema.Literal("Passed", "Failed")
/** `Selfie_Check` (passive liveness on the selfie) and `Liveness_Check` (proof of life on the frames). */
export const CheckValue = Schema.Literal("Passed", "Failed", "Under Review", "Not Applicable")
/** `Human_Review_*`: a reviewer's verdict on a check the machine could not decide. */
export const HumanReviewValue = Schema.Literal("Passed", "Failed", "Unable To Determine", "Under Review", "Not Applicable")
/** `Register_Selfie` (job type 4): the registration itself. */
export const RegisterSelfieValue = Schema.Literal("Approved", "Rejected", "Provisionally Approved", "Not Applicable")
/** `Selfie_To_Registered_Selfie_Compare` (job type 2); `Failed` is our addition, see the module notes. */
export const CompareValue = Schema.Literal("Completed", "Failed", "Under Review", "Not Applicable")

/**
 * A (possibly partial) set of action results. An absent action is not known
 * yet; on the wire it is sent as `"Not Applicable"` by {@link toWire}.
 */
export const Actions = Schema.Struct({
  Human_Review_Compare: Schema.optionalWith(HumanReviewValue, { exact: true }),
  Human_Review_Liveness_Check: Schema.optionalWith(HumanReviewValue, { exact: true }),
  Human_Review_Selfie_Check: Schema.optionalWith(HumanReviewValue, { exact: true }),
  Liveness_Check: Schema.optionalWith(CheckValue, { exact: true }),
  Register_Selfie: Schema.optionalWith(RegisterSelfieValue, { exact: true }),
  Selfie_Check: Schema.optionalWith(CheckValue, { exact: true }),
  Selfie_Provided: Schema.optionalWith(SelfieProvidedValue, { exact: true }),
  Selfie_To_Registered_Selfie_Compare: Schema.optionalWith(CompareValue, { exact: true })
})
export type Actions = typeof Actions.Type

/** The values an action may take. */
export type ValueOf<Name extends ActionName> = NonNullable<Actions[Name]>
/** Any action value. */
export type ActionValue = ValueOf<ActionName>

/** The value set of each action, in the product text's order. */
export const valuesOf: { readonly [Name in ActionName]: ReadonlyArray<ValueOf<Name>> } = {
  Human_Review_Compare: HumanReviewValue.literals,
  Human_Review_Liveness_Check: HumanReviewValue.literals,
  Human_Review_Selfie_Check: HumanReviewValue.literals,
  Liveness_Check: CheckValue.literals,
  Register_Selfie: RegisterSelfieValue.literals,
  Selfie_Check: CheckValue.literals,
  Selfie_Provided: SelfieProvidedValue.literals,
  Selfie_To_Registered_Selfie_Compare: CompareValue.literals
}

/** The action that carries a job type's outcome. */
export const decidingAction = (jobType: JobType): "Register_Selfie" | "Selfie_To_Registered_Selfie_Compare" =>
  jobType === 4 ? "Register_Selfie" : "Selfie_To_Registered_Selfie_Compare"

/** The actions of each job type, in wire order. */
export const actionsOf = (jobType: JobType): ReadonlyArray<ActionName> =>
  jobType === 4
    ? ["Human_Review_Liveness_Check", "Human_Review_Selfie_Check", "Liveness_Check", "Register_Selfie", "Selfie_Check", "Selfie_Provided"]
    : [
        "Human_Review_Compare",
        "Human_Review_Liveness_Check",
        "Human_Review_Selfie_Check",
        "Liveness_Check",
        "Selfie_Check",
        "Selfie_Provided",
        "Selfie_To_Registered_Selfie_Compare"
      ]

/** Each machine check and the human review that supersedes it once settled. */
export const reviewOf = {
  Selfie_Check: "Human_Review_Selfie_Check",
  Liveness_Check: "Human_Review_Liveness_Check",
  Selfie_To_Registered_Selfie_Compare: "Human_Review_Compare"
} as const satisfies Partial<Record<ActionName, HumanReviewAction>>

/** The human-review actions. */
export const HumanReviewAction = Schema.Literal("Human_Review_Compare", "Human_Review_Liveness_Check", "Human_Review_Selfie_Check")
export type HumanReviewAction = typeof HumanReviewAction.Type

// ---------------------------------------------------------------------------
// The order

/** A value that waits for refinement. */
export const isPending = (value: ActionValue): value is "Under Review" | "Provisionally Approved" =>
  value === "Under Review" || value === "Provisionally Approved"

/** A value that will not change any more. */
export const isSettled = (value: ActionValue): boolean => !isPending(value)

/**
 * `true` when `to` is `from` or a refinement of it (absent, `undefined`, is
 * refined by anything). The order is the same for every action; the value
 * sets keep each action to its own values.
 */
export const refines = (from: ActionValue | undefined, to: ActionValue | undefined): boolean =>
  from === undefined || from === to || (to !== undefined && isPending(from) && to !== "Not Applicable")

/** The values strictly above `value` for an action: what it may still become. */
export const refinementsOf = <Name extends ActionName>(name: Name, value: ValueOf<Name> | undefined): ReadonlyArray<ValueOf<Name>> =>
  valuesOf[name].filter((candidate) => candidate !== value && refines(value, candidate))

/** Pointwise order on partial results: every action of `lower` is refined (or kept) in `upper`. */
export const isRefinedBy = (lower: Actions, upper: Actions): boolean =>
  ActionName.literals.every((name) => refines(lower[name], upper[name]))

/** Two partial results disagree on an action that neither can refine into the other. */
export class ActionConflict extends Schema.TaggedError<ActionConflict>()("ActionConflict", {
  action: ActionName,
  left: Schema.String,
  right: Schema.String
}) {
  override get message(): string {
    return `${this.action} is "${this.left}" in one result and "${this.right}" in the other; a settled value cannot change`
  }
}

/** The least refinement of two values of `name`, or the conflict. */
export const joinValue = <Name extends ActionName>(
  name: Name,
  left: ValueOf<Name> | undefined,
  right: ValueOf<Name> | undefined
): Either.Either<ValueOf<Name> | undefined, ActionConflict> =>
  refines(left, right)
    ? Either.right(right)
    : refines(right, left)
      ? Either.right(left)
      : Either.left(new ActionConflict({ action: name, left: String(left), right: String(right) }))

/**
 * Combines two partial results of one job into the least result that refines
 * both. Commutative, associative and idempotent wherever defined; fails with
 * the first {@link ActionConflict} (in wire order) when two settled values
 * differ or a pending value meets `Not Applicable`.
 */
export const join = (left: Actions, right: Actions): Either.Either<Actions, ActionConflict> => {
  const joined: { -readonly [Name in ActionName]?: ActionValue } = {}
  for (const name of ActionName.literals) {
    const value = joinValue<ActionName>(name, left[name], right[name])
    if (Either.isLeft(value)) return Either.left(value.left)
    if (value.right !== undefined) joined[name] = value.right
  }
  return Either.right(joined as Actions)
}

// ---------------------------------------------------------------------------
// The job's category

/** What {@link fold} reads off a job's actions. */
export type Outcome = "approved" | "provisional" | "rejected" | "undetermined"

const isFailure = (value: ActionValue): boolean => value === "Failed" || value === "Rejected"
const isSuccess = (value: ActionValue): boolean => value === "Passed" || value === "Approved" || value === "Completed"

/** The value that decides a check: its settled human review, else a pending review, else the machine's value. */
const effectiveValue = (actions: Actions, name: ActionName): ActionValue | undefined => {
  const review = name in reviewOf ? actions[reviewOf[name as keyof typeof reviewOf]] : undefined
  if (review !== undefined && review !== "Not Applicable") return review
  return actions[name]
}

/**
 * The job's category, from the actions of its job type (others are ignored):
 *
 * 1. `rejected` when an action failed (`Failed`, `Rejected`);
 * 2. else `provisional` when one is pending (`Under Review`, `Provisionally
 *    Approved`) or a reviewer was `Unable To Determine` (the product: "a human
 *    review was inconclusive" is provisionally approved);
 * 3. else `approved` when the deciding action (`Register_Selfie` for type 4,
 *    `Selfie_To_Registered_Selfie_Compare` for type 2) succeeded;
 * 4. else `undetermined`: nothing failed but nothing was decided either (a job
 *    that ended in a general failure such as `0001`, or a result not yet known).
 *
 * A check is judged by its settled (or pending) human review when it has one,
 * so a reviewer's `Passed` overrides the machine's doubt.
 *
 * Monotone under refinement of present values: once `approved`, `rejected` or
 * `undetermined`, refining the pending values of the same actions keeps it.
 */
export const fold = (actions: Actions, jobType: JobType): Outcome => {
  const judged = actionsOf(jobType)
    .filter((name) => !(Object.values(reviewOf) as ReadonlyArray<ActionName>).includes(name))
    .map((name) => effectiveValue(actions, name))
    .filter((value): value is ActionValue => value !== undefined)
  if (judged.some(isFailure)) return "rejected"
  if (judged.some((value) => isPending(value) || value === "Unable To Determine")) return "provisional"
  const deciding = effectiveValue(actions, decidingAction(jobType))
  return deciding !== undefined && isSuccess(deciding) ? "approved" : "undetermined"
}

// ---------------------------------------------------------------------------
// The wire

/** What an action absent from a result is sent as. */
export const notApplicable = "Not Applicable" as const

/**
 * The wire `Actions` object of a result: every action of the job type, absent
 * ones as `"Not Applicable"`, plus any other action present in `actions` (never
 * dropped), keys in alphabetical order as Smile ID sends them.
 *
 * @example
 * toWire({ Selfie_Provided: "Passed", Selfie_Check: "Passed", Register_Selfie: "Approved" }, 4)
 * // { Human_Review_Liveness_Check: "Not Applicable", Human_Review_Selfie_Check: "Not Applicable",
 * //   Liveness_Check: "Not Applicable", Register_Selfie: "Approved", Selfie_Check: "Passed", Selfie_Provided: "Passed" }
 */
export const toWire = (actions: Actions, jobType: JobType): Record<string, string> => {
  const wire: Record<string, string> = {}
  const ofJobType = actionsOf(jobType)
  for (const name of ActionName.literals) {
    const value = actions[name]
    if (value !== undefined) wire[name] = value
    else if (ofJobType.includes(name)) wire[name] = notApplicable
  }
  return wire
}

/** What {@link fromWire} made of a wire `Actions` object. */
export interface FromWire {
  /** The actions of this module with values from their value sets. */
  readonly actions: Actions
  /** Entries whose name is not an action of job type 2 or 4 (other products' actions), kept verbatim. */
  readonly unknownActions: Readonly<Record<string, string>>
  /** Entries of a known action whose value is outside its value set, kept verbatim. */
  readonly unrecognisedValues: Readonly<Record<string, string>>
}

/** Input spellings read as another value of the same action. */
const aliases: Partial<Record<ActionName, Readonly<Record<string, ActionValue>>>> = {
  Selfie_To_Registered_Selfie_Compare: { Passed: "Completed" }
}

const isActionName = Schema.is(ActionName)

/**
 * Reads a wire `Actions` object leniently: known actions with known values
 * land in `actions`; everything else is kept aside, not dropped. A
 * `"Not Applicable"` on an action whose value set lacks it (`Selfie_Provided`)
 * is {@link toWire}'s filler for "absent" and reads as absent.
 */
export const fromWire = (record: Readonly<Record<string, string>>): FromWire => {
  const actions: { -readonly [Name in ActionName]?: ActionValue } = {}
  const unknownActions: Record<string, string> = {}
  const unrecognisedValues: Record<string, string> = {}
  for (const [name, raw] of Object.entries(record)) {
    if (!isActionName(name)) {
      unknownActions[name] = raw
      continue
    }
    const value = aliases[name]?.[raw] ?? raw
    if ((valuesOf[name] as ReadonlyArray<string>).includes(value)) actions[name] = value as ActionValue
    else if (value !== notApplicable) unrecognisedValues[name] = raw
  }
  return { actions: actions as Actions, unknownActions, unrecognisedValues }
}
