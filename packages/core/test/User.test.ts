import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { GeneralError, Ids, User } from "@selfie-auth/core"

const partnerId = Ids.PartnerId.make("001")
const userId = Ids.UserId.make("user-1")
const fresh = User.make({ partnerId, userId, at: 1_000 })
const selfie = (n: number) => {
  const smileJobId = Ids.SmileJobId.make(String(n).padStart(10, "0"))
  return { blobKey: User.selfieBlobKeyOf({ partnerId, userId }, smileJobId), jobId: Ids.JobId.make(`job-${n}`), smileJobId }
}

const apply = (user: User.User, ...events: ReadonlyArray<User.UserEvent>): User.Transitioned => {
  let current: User.Transitioned = { user, erase: { keys: [], prefixes: [] } }
  for (const event of events) current = Either.getOrThrow(User.transition(current.user, event))
  return current
}
const refused = (user: User.User, event: User.UserEvent): User.IllegalUserTransition =>
  Either.getOrThrow(Either.flip(User.transition(user, event)))

const registered = apply(fresh, { _tag: "Register", at: 2_000, selfie: selfie(1) }).user
const users: Record<User.StateName, User.User> = {
  not_registered: fresh,
  registered,
  registered_without_photo: apply(registered, { _tag: "ErasePhoto", at: 3_000 }).user,
  disabled: apply(registered, { _tag: "Disable", at: 3_000 }).user,
  deleted: apply(registered, { _tag: "Delete", at: 3_000 }).user,
  flagged_for_re_enrollment: apply(registered, { _tag: "FlagReEnrollment", at: 3_000 }).user
}

describe("User.stateOf", () => {
  it("names each state of the product text", () => {
    for (const [name, user] of Object.entries(users)) assert.strictEqual(User.stateOf(user), name)
  })

  it("reads a disabled user that is also flagged as disabled, and keeps the flag when enabled", () => {
    const both = apply(users.flagged_for_re_enrollment, { _tag: "Disable", at: 4_000 }).user
    assert.strictEqual(User.stateOf(both), "disabled")
    assert.strictEqual(User.stateOf(apply(both, { _tag: "Enable", at: 5_000 }).user), "flagged_for_re_enrollment")
  })
})

describe("User.admitJob", () => {
  // state -> [type 4 outcome, type 2 outcome]; undefined = admitted
  const table: Record<User.StateName, readonly [string | undefined, string | undefined]> = {
    not_registered: [undefined, "2210"],
    registered: ["2209", undefined],
    registered_without_photo: [undefined, "2216"],
    disabled: ["2207", "2207"],
    deleted: [undefined, "2208"],
    flagged_for_re_enrollment: [undefined, "2211"]
  }

  for (const [state, [registration, authentication]] of Object.entries(table)) {
    it(`${state}: registration ${registration ?? "admitted"}, authentication ${authentication ?? "admitted"}`, () => {
      const user = users[state as User.StateName]
      const code = (error: GeneralError.GeneralError | undefined) => (error === undefined ? undefined : GeneralError.infoOf(error).code)
      assert.strictEqual(code(User.admitJob(user, 4)), registration)
      assert.strictEqual(code(User.admitJob(user, 2)), authentication)
    })
  }

  it("says whose user it is and what to do", () => {
    const error = User.admitJob(users.flagged_for_re_enrollment, 2)!
    assert.include(error.detail, `user_id "user-1" of partner "001"`)
    assert.include(error.detail, "re-register the selfie with job type 4, or clear the flag")
    assert.include(User.admitJob(users.registered, 4)!.detail, "flag the user for re-enrollment")
    assert.strictEqual(GeneralError.toErrorBody(User.admitJob(fresh, 2)!).code, "2210")
  })
})

describe("User.transition", () => {
  it("registers a new user with the selfie on file, clears both flags, erases nothing", () => {
    const { erase, user } = apply(fresh, { _tag: "Register", at: 2_000, selfie: selfie(1) })
    assert.deepStrictEqual(user.state, {
      _tag: "Registered",
      selfie: { ...selfie(1), registeredAt: 2_000 },
      disabled: false,
      reEnrollmentRequired: false
    })
    assert.strictEqual(user.updatedAt, 2_000)
    assert.strictEqual(user.createdAt, 1_000)
    assert.strictEqual(user.version, 0, "transitions leave the version to the store")
    assert.deepStrictEqual(erase, { keys: [], prefixes: [] })
  })

  it("re-enrolls a flagged user: the new selfie replaces the old, which is erased", () => {
    const { erase, user } = apply(users.flagged_for_re_enrollment, { _tag: "Register", at: 5_000, selfie: selfie(2) })
    assert.strictEqual(User.stateOf(user), "registered")
    assert.deepStrictEqual(erase.keys, [selfie(1).blobKey])
  })

  it("registers again after deletion and after the photo was erased", () => {
    for (const from of [users.deleted, users.registered_without_photo]) {
      const { erase, user } = apply(from, { _tag: "Register", at: 5_000, selfie: selfie(2) })
      assert.strictEqual(User.stateOf(user), "registered")
      assert.deepStrictEqual(erase.keys, [])
    }
  })

  it("refuses to register an enrolled or disabled user, with the general error's code in the detail", () => {
    const again = refused(users.registered, { _tag: "Register", at: 5_000, selfie: selfie(2) })
    assert.strictEqual(again.from, "registered")
    assert.strictEqual(again.event, "register")
    assert.match(again.detail, /^2209: /)
    assert.match(refused(users.disabled, { _tag: "Register", at: 5_000, selfie: selfie(2) }).detail, /^2207: /)
    assert.include(again.message, `Cannot register user "user-1" of partner "001" while registered`)
  })

  it("deletes a registered user and erases the selfie and every blob under the user's prefix", () => {
    for (const from of [users.registered, users.disabled, users.flagged_for_re_enrollment]) {
      const { erase, user } = apply(from, { _tag: "Delete", at: 9_000 })
      assert.deepStrictEqual(user.state, { _tag: "Deleted", deletedAt: 9_000 })
      assert.deepStrictEqual(erase.keys, [selfie(1).blobKey])
      assert.deepStrictEqual<ReadonlyArray<string>>(erase.prefixes, ["partners/001/users/user-1/"])
    }
    const withoutPhoto = apply(users.registered_without_photo, { _tag: "Delete", at: 9_000 })
    assert.deepStrictEqual(withoutPhoto.erase.keys, [])
    assert.deepStrictEqual<ReadonlyArray<string>>(withoutPhoto.erase.prefixes, ["partners/001/users/user-1/"])
  })

  it("erases the photo but keeps the user", () => {
    const { erase, user } = apply(users.registered, { _tag: "ErasePhoto", at: 4_000 })
    assert.deepStrictEqual(erase.keys, [selfie(1).blobKey])
    assert.deepStrictEqual(user.state, { _tag: "Registered", disabled: false, reEnrollmentRequired: false })
  })

  it("disables, enables, flags and clears only when that changes something", () => {
    const cases: ReadonlyArray<readonly [User.StateName, User.UserEvent["_tag"], string]> = [
      ["disabled", "Disable", "already disabled"],
      ["registered", "Enable", "not disabled"],
      ["flagged_for_re_enrollment", "FlagReEnrollment", "already flagged"],
      ["registered", "ClearReEnrollment", "not flagged"],
      ["registered_without_photo", "ErasePhoto", "no photo"],
      ["not_registered", "Disable", "register the user first"],
      ["deleted", "FlagReEnrollment", "register the user first"],
      ["not_registered", "Delete", "only a registered user can be deleted"],
      ["deleted", "Delete", "only a registered user can be deleted"]
    ]
    for (const [state, tag, why] of cases) {
      const error = refused(users[state], { _tag: tag, at: 9_000 } as User.UserEvent)
      assert.strictEqual(error.from, state, `${tag} from ${state}`)
      assert.include(error.detail, why, `${tag} from ${state}`)
    }
  })

  it("keeps users' blobs apart whatever the ids: a slash or dots never name another folder", () => {
    assert.strictEqual(User.blobPrefixOf({ partnerId: "001", userId: "a/../b" }), "partners/001/users/a%2F%2E%2E%2Fb/")
    assert.strictEqual(User.blobPrefixOf({ partnerId: "..", userId: "." }), "partners/%2E%2E/users/%2E/")
    assert.strictEqual(selfie(1).blobKey, "partners/001/users/user-1/selfies/0000000001.jpg")
    assert.notStrictEqual(User.blobPrefixOf({ partnerId: "0", userId: "01" }), User.blobPrefixOf({ partnerId: "00", userId: "1" }))
    assert.strictEqual(
      User.selfieBlobKeyOf({ partnerId: "001", userId: "u" }, Ids.SmileJobId.make("0000000042")),
      "partners/001/users/u/selfies/0000000042.jpg"
    )
  })

  it("never loses a selfie: whatever the events, every selfie that left the file is in some erasure", () => {
    const event = fc.oneof(
      fc.integer({ min: 1, max: 50 }).map((n): User.UserEvent => ({ _tag: "Register", at: n, selfie: selfie(n) })),
      fc.constantFrom<User.UserEvent["_tag"]>("ErasePhoto", "Disable", "Enable", "Delete", "FlagReEnrollment", "ClearReEnrollment")
        .map((tag) => ({ _tag: tag, at: 0 }) as User.UserEvent)
    )
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        let user = fresh
        for (const e of events) {
          const before = user.state._tag === "Registered" ? user.state.selfie?.blobKey : undefined
          const result = User.transition(user, e)
          if (Either.isLeft(result)) continue
          const { erase } = result.right
          user = result.right.user
          const after = user.state._tag === "Registered" ? user.state.selfie?.blobKey : undefined
          if (before !== undefined && before !== after) {
            assert.isTrue(erase.keys.includes(before) || erase.prefixes.some((p) => before.startsWith(p)), `${before} after ${e._tag}`)
          }
          if (after !== undefined) assert.notInclude(erase.keys, after)
        }
      })
    )
  })
})
