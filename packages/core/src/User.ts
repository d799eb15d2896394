/**
 * The lifecycle of one partner's user, as a pure state machine.
 *
 * A user is keyed by `(partnerId, userId)`: the same `user_id` under two
 * partners is two unrelated users. Its {@link UserState} is one of
 *
 * - `NotRegistered`: never registered (also what an unknown user id reads as).
 * - `Registered`: enrolled. With a selfie on file (a blob key and the job that
 *   registered it), or without one after {@link ErasePhoto} (2216 on
 *   authentication). Two independent flags: `disabled` (2207) and
 *   `reEnrollmentRequired` (2211).
 * - `Deleted`: removed by the partner (2208); the images are gone.
 *
 * {@link stateOf} names the six states of the product text
 * (`not_registered`, `registered`, `registered_without_photo`, `disabled`,
 * `deleted`, `flagged_for_re_enrollment`); the flags are kept apart in the data
 * so that enabling a user who is also flagged leaves the flag in place.
 *
 * Decisions, from the product text:
 * - **Registration (job type 4)** is admitted for a user that is not registered,
 *   deleted ("re-enroll the user", 2208), registered without a photo ("perform
 *   ... SmartSelfie Registration job for the user_id", 2216), or flagged for
 *   re-enrollment ("re-enroll the user", 2211). A registered user with a photo
 *   and no flag gets 2209 "already enrolled". To replace a selfie on purpose,
 *   flag the user first: re-enrollment is not open to every registered user,
 *   so a reused user id can never silently overwrite someone's selfie.
 * - **A disabled user** can do nothing until enabled: 2207 for both job types
 *   (the product text lists 2207 under authentication only, but answering 2209
 *   to a disabled user's registration would hide the real obstacle).
 * - **Delete** erases the selfie on file and everything under the user's blob
 *   prefix (job uploads included); the transition returns what to erase, so the
 *   caller cannot forget it.
 * - Disabling, flagging and their inverses apply to registered users only, and
 *   are not idempotent: disabling a disabled user is an
 *   {@link IllegalUserTransition}, so an admin console learns that nothing
 *   changed.
 *
 * @example
 * const partnerId = Ids.PartnerId.make("001")
 * const userId = Ids.UserId.make("user-1")
 * const smileJobId = Ids.SmileJobId.make("0000000001")
 * const fresh = User.make({ partnerId, userId, at: 0 })
 * User.admitJob(fresh, 2) // NoEnrolledUser (2210): "... register the selfie with job type 4 first ..."
 * User.transition(fresh, {
 *   _tag: "Register",
 *   at: 1,
 *   selfie: { blobKey: User.selfieBlobKeyOf({ partnerId, userId }, smileJobId), jobId: Ids.JobId.make("job-1"), smileJobId }
 * })
 * // Either.right({ user: { state: { _tag: "Registered", ... } }, erase: { keys: [], prefixes: [] } })
 */
import { Either, Schema } from "effect"
import * as GeneralError from "./GeneralError.js"
import * as Ids from "./Ids.js"
import * as JobType from "./JobType.js"
import { BlobKey, BlobPrefix } from "./ports/BlobStore.js"

/** Milliseconds since the Unix epoch, as read from `Clock.currentTimeMillis`. */
export const EpochMillis = Schema.Int.pipe(Schema.nonNegative())

/** The selfie a registration put on file. */
export const SelfieOnFile = Schema.Struct({
  /** Where the selfie's bytes are in the `BlobStore` (see {@link selfieBlobKeyOf}). */
  blobKey: BlobKey,
  /** The partner's job id of the registration (job type 4) that put it there. */
  jobId: Ids.JobId,
  /** Our reference of that job. */
  smileJobId: Ids.SmileJobId,
  registeredAt: EpochMillis
}).annotations({ identifier: "SelfieOnFile" })
export type SelfieOnFile = typeof SelfieOnFile.Type

/** Never registered. */
export const NotRegistered = Schema.TaggedStruct("NotRegistered", {})
/** Enrolled; see the module notes for the photo and the two flags. */
export const Registered = Schema.TaggedStruct("Registered", {
  selfie: Schema.optionalWith(SelfieOnFile, { exact: true }),
  disabled: Schema.Boolean,
  reEnrollmentRequired: Schema.Boolean
})
/** Deleted by the partner; may register again. */
export const Deleted = Schema.TaggedStruct("Deleted", { deletedAt: EpochMillis })

export const UserState = Schema.Union(NotRegistered, Registered, Deleted).annotations({ identifier: "UserState" })
export type UserState = typeof UserState.Type

/**
 * A user as stored. `version` is the store's optimistic-concurrency counter:
 * 0 for a user never saved, then whatever the `UserStore` returned last. The
 * transitions here never change it.
 */
export const User = Schema.Struct({
  partnerId: Ids.PartnerId,
  userId: Ids.UserId,
  state: UserState,
  version: Schema.Int.pipe(Schema.nonNegative()),
  createdAt: EpochMillis,
  updatedAt: EpochMillis
}).annotations({ identifier: "User" })
export type User = typeof User.Type

/** A user that has never been registered, to start from when the store has none. */
export const make = (input: { readonly partnerId: Ids.PartnerId; readonly userId: Ids.UserId; readonly at: number }): User => ({
  partnerId: input.partnerId,
  userId: input.userId,
  state: { _tag: "NotRegistered" },
  version: 0,
  createdAt: input.at,
  updatedAt: input.at
})

/** The six states of the product text, most restrictive first. */
export const StateName = Schema.Literal(
  "not_registered",
  "deleted",
  "disabled",
  "flagged_for_re_enrollment",
  "registered_without_photo",
  "registered"
)
export type StateName = typeof StateName.Type

/**
 * The product's name for a user's state. A registered user who is both
 * disabled and flagged reads as `disabled`, the condition that blocks more.
 */
export const stateOf = (user: User): StateName => {
  const { state } = user
  switch (state._tag) {
    case "NotRegistered":
      return "not_registered"
    case "Deleted":
      return "deleted"
    case "Registered":
      if (state.disabled) return "disabled"
      if (state.reEnrollmentRequired) return "flagged_for_re_enrollment"
      return state.selfie === undefined ? "registered_without_photo" : "registered"
  }
}

// ---------------------------------------------------------------------------
// Admission of a job at prep upload

const who = (user: User): string => `user_id ${JSON.stringify(user.userId)} of partner ${JSON.stringify(user.partnerId)}`

/**
 * The check a prep upload makes before it creates a job: may this user run
 * this job type now? Answers the general error to send, with a detail that
 * says what to do, or `undefined` when the job is admitted.
 *
 * | state | type 4 (register) | type 2 (authenticate) |
 * |---|---|---|
 * | not registered | admitted | 2210 |
 * | registered | 2209 | admitted |
 * | registered without photo | admitted | 2216 |
 * | disabled | 2207 | 2207 |
 * | deleted | admitted | 2208 |
 * | flagged for re-enrollment | admitted (re-enrollment) | 2211 |
 */
export const admitJob = (user: User, jobType: JobType.JobType): GeneralError.GeneralError | undefined => {
  const state = stateOf(user)
  if (state === "disabled") {
    return new GeneralError.UserDisabled({
      detail: `${who(user)} is disabled; enable the user before running ${JobType.describe(jobType)}`
    })
  }
  if (jobType === JobType.Registration) {
    return state === "registered"
      ? new GeneralError.UserAlreadyEnrolled({
          detail: `${who(user)} already has a selfie on file; authenticate with job type 2, register a new user_id, ` +
            "or flag the user for re-enrollment to replace the selfie"
        })
      : undefined
  }
  switch (state) {
    case "not_registered":
      return new GeneralError.NoEnrolledUser({
        detail: `${who(user)} was never registered; register the selfie with job type 4 first, or check the user_id`
      })
    case "deleted":
      return new GeneralError.UserDeleted({
        detail: `${who(user)} was deleted; register the user again with job type 4, or authenticate an active user`
      })
    case "flagged_for_re_enrollment":
      return new GeneralError.ReEnrollmentRequired({
        detail: `${who(user)} is flagged for re-enrollment; re-register the selfie with job type 4, or clear the flag`
      })
    case "registered_without_photo":
      return new GeneralError.NoPhotoOnFile({
        detail: `${who(user)} has no selfie on file; register one with job type 4 before authenticating`
      })
    case "registered":
      return undefined
  }
}

// ---------------------------------------------------------------------------
// Transitions

/** A registration (job type 4) was approved: put its selfie on file. Also re-enrollment. */
export interface Register {
  readonly _tag: "Register"
  readonly at: number
  readonly selfie: { readonly blobKey: BlobKey; readonly jobId: Ids.JobId; readonly smileJobId: Ids.SmileJobId }
}
/** Erase the selfie on file but keep the user (authentication then answers 2216). */
export interface ErasePhoto {
  readonly _tag: "ErasePhoto"
  readonly at: number
}
export interface Disable {
  readonly _tag: "Disable"
  readonly at: number
}
export interface Enable {
  readonly _tag: "Enable"
  readonly at: number
}
/** Delete the user and erase every image of theirs. */
export interface Delete {
  readonly _tag: "Delete"
  readonly at: number
}
export interface FlagReEnrollment {
  readonly _tag: "FlagReEnrollment"
  readonly at: number
}
export interface ClearReEnrollment {
  readonly _tag: "ClearReEnrollment"
  readonly at: number
}

export type UserEvent = Register | ErasePhoto | Disable | Enable | Delete | FlagReEnrollment | ClearReEnrollment

/** The event is not allowed in the user's state; `detail` says why and what would be. */
export class IllegalUserTransition extends Schema.TaggedError<IllegalUserTransition>()("IllegalUserTransition", {
  partnerId: Schema.String,
  userId: Schema.String,
  from: StateName,
  event: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `Cannot ${this.event} user ${JSON.stringify(this.userId)} of partner ${JSON.stringify(this.partnerId)} ` +
      `while ${this.from.replaceAll("_", " ")}: ${this.detail}`
  }
}

/** Blobs to erase after a transition is stored: exact keys and whole prefixes (ending in `/`). */
export interface Erasure {
  readonly keys: ReadonlyArray<BlobKey>
  readonly prefixes: ReadonlyArray<BlobPrefix>
}

export interface Transitioned {
  readonly user: User
  /** Erase these only once the new user is stored, so a failed save never loses a selfie still on file. */
  readonly erase: Erasure
}

/**
 * One id as one key segment: URI-encoded, dots included, so that no id (a
 * partner's user id may be `..` or contain `/`) can name another folder.
 */
const segment = (id: string): string => encodeURIComponent(id).replaceAll(".", "%2E")

/**
 * The prefix under which every image of a user lives:
 * `partners/<partnerId>/users/<userId>/`, each id encoded as one segment.
 */
export const blobPrefixOf = (user: { readonly partnerId: string; readonly userId: string }): BlobPrefix =>
  BlobPrefix.make(`partners/${segment(user.partnerId)}/users/${segment(user.userId)}/`)

/** The key of a user's registered selfie from a given job: `partners/<p>/users/<u>/selfies/<smileJobId>.jpg`. */
export const selfieBlobKeyOf = (user: { readonly partnerId: string; readonly userId: string }, smileJobId: Ids.SmileJobId): BlobKey =>
  BlobKey.make(`${blobPrefixOf(user)}selfies/${smileJobId}.jpg`)

const nothing: Erasure = { keys: [], prefixes: [] }

const verbOf: { readonly [Tag in UserEvent["_tag"]]: string } = {
  Register: "register",
  ErasePhoto: "erase the photo of",
  Disable: "disable",
  Enable: "enable",
  Delete: "delete",
  FlagReEnrollment: "flag for re-enrollment",
  ClearReEnrollment: "clear the re-enrollment flag of"
}

/**
 * Applies an event to a user. Pure: returns the next user (same `version`,
 * `updatedAt` = the event's time) and the blobs to erase once it is stored,
 * or an {@link IllegalUserTransition} that says why not.
 */
export const transition = (user: User, event: UserEvent): Either.Either<Transitioned, IllegalUserTransition> => {
  const refuse = (detail: string) =>
    Either.left(
      new IllegalUserTransition({ partnerId: user.partnerId, userId: user.userId, from: stateOf(user), event: verbOf[event._tag], detail })
    )
  const next = (state: UserState, erase: Erasure = nothing) => Either.right({ user: { ...user, state, updatedAt: event.at }, erase })
  const { state } = user

  switch (event._tag) {
    case "Register": {
      const admission = admitJob(user, JobType.Registration)
      if (admission !== undefined) return refuse(`${GeneralError.infoOf(admission).code}: ${admission.detail}`)
      const selfie: SelfieOnFile = { ...event.selfie, registeredAt: event.at }
      const previous = state._tag === "Registered" ? state.selfie?.blobKey : undefined
      return next(
        { _tag: "Registered", selfie, disabled: false, reEnrollmentRequired: false },
        { keys: previous !== undefined && previous !== selfie.blobKey ? [previous] : [], prefixes: [] }
      )
    }
    case "Delete":
      if (state._tag !== "Registered") return refuse("only a registered user can be deleted")
      return next(
        { _tag: "Deleted", deletedAt: event.at },
        { keys: state.selfie === undefined ? [] : [state.selfie.blobKey], prefixes: [blobPrefixOf(user)] }
      )
    default: {
      if (state._tag !== "Registered") return refuse("only a registered user can be changed this way; register the user first")
      switch (event._tag) {
        case "ErasePhoto": {
          if (state.selfie === undefined) return refuse("the user has no photo on file")
          const { selfie: erased, ...rest } = state
          return next(rest, { keys: [erased.blobKey], prefixes: [] })
        }
        case "Disable":
          return state.disabled ? refuse("the user is already disabled") : next({ ...state, disabled: true })
        case "Enable":
          return state.disabled ? next({ ...state, disabled: false }) : refuse("the user is not disabled")
        case "FlagReEnrollment":
          return state.reEnrollmentRequired
            ? refuse("the user is already flagged for re-enrollment")
            : next({ ...state, reEnrollmentRequired: true })
        case "ClearReEnrollment":
          return state.reEnrollmentRequired
            ? next({ ...state, reEnrollmentRequired: false })
            : refuse("the user is not flagged for re-enrollment")
      }
    }
  }
}
