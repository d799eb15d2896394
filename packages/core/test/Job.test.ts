import { assert, describe, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { Decision, Ids, Job, ResultCode } from "@selfie-auth/core"

const partnerParams = (jobType: 2 | 4) => ({
  userId: Ids.UserId.make("user-1"),
  jobId: Ids.JobId.make("job-1"),
  jobType,
  extras: { branch: "lagos" }
})
const created = (jobType: 2 | 4 = 2) =>
  Job.make({
    partnerId: Ids.PartnerId.make("001"),
    smileJobId: Ids.SmileJobId.make("0000000001"),
    partnerParams: partnerParams(jobType),
    callbackUrl: "https://partner.example/callback",
    at: 1_000
  })

const decision = (code: ResultCode.JobResultCode, overrides: Partial<Decision.Decision> = {}): Decision.Decision => {
  const row = ResultCode.rowOf(code)
  return {
    resultCode: code,
    resultText: row.resultText,
    actions: {},
    confidence: 97,
    isFinal: row.isFinal,
    isMachineResult: row.judgement !== "human",
    explanation: `test decision ${code}`,
    ...overrides
  }
}
const unsure = decision("0825", {
  actions: { Selfie_Provided: "Passed", Selfie_Check: "Passed", Selfie_To_Registered_Selfie_Compare: "Under Review", Human_Review_Compare: "Under Review" },
  review: { reason: "distance 0.57 in the unsure band", reviewing: ["Human_Review_Compare"] }
})

const run = (job: Job.Job, ...events: ReadonlyArray<Job.JobEvent>): Job.Job =>
  events.reduce((current, event) => Either.getOrThrow(Job.transition(current, event)), job)
const refused = (job: Job.Job, event: Job.JobEvent) => Either.getOrThrow(Either.flip(Job.transition(job, event)))

const processing = (jobType: 2 | 4 = 2) =>
  run(created(jobType), { _tag: "UploadAccepted", at: 2_000 }, { _tag: "ProcessingStarted", at: 3_000 })
const underReview = run(processing(), { _tag: "MachineDecided", at: 4_000, decision: unsure })

describe("Job.make", () => {
  it("starts Created with the partner params and no results; drops an empty callback_url", () => {
    const job = created()
    assert.strictEqual(job.state, "Created")
    assert.deepStrictEqual(job.timeline, { createdAt: 1_000 })
    assert.deepStrictEqual(job.results, [])
    assert.strictEqual(job.partnerParams.extras.branch, "lagos")
    assert.isFalse("callbackUrl" in Job.make({ ...created(), callbackUrl: "", at: 0 }))
  })

  it("is a valid Job by its own schema, and round-trips through encoding", () => {
    const job = run(underReview, { _tag: "HumanReviewed", at: 9_000, decision: Either.getOrThrow(Decision.decideHumanReview({ jobType: 2, machine: unsure, verdict: "same_person" })) })
    const encoded = Schema.encodeSync(Job.Job)(job)
    assert.deepStrictEqual(Schema.decodeUnknownSync(Job.Job)(JSON.parse(JSON.stringify(encoded))), job)
  })
})

describe("Job.transition", () => {
  it("walks the happy path and stamps every step", () => {
    const job = run(processing(), { _tag: "MachineDecided", at: 4_000, decision: decision("0820") })
    assert.strictEqual(job.state, "Completed")
    assert.deepStrictEqual(job.timeline, { createdAt: 1_000, uploadedAt: 2_000, processingStartedAt: 3_000, machineDecidedAt: 4_000 })
    assert.strictEqual(job.results.length, 1)
    assert.strictEqual(Job.latestResult(job)?.resultCode, "0820")
    assert.strictEqual(Job.latestResult(job)?.decidedAt, 4_000)
    assert.isTrue(Job.isTerminal(job))
  })

  it("sends a provisional machine result to review with its reason, then completes with the reviewer's", () => {
    assert.strictEqual(underReview.state, "UnderReview")
    assert.strictEqual(underReview.reviewReason, "distance 0.57 in the unsure band")
    assert.isFalse(Job.isTerminal(underReview))
    const human = Either.getOrThrow(Decision.decideHumanReview({ jobType: 2, machine: unsure, verdict: "different_person" }))
    const done = run(underReview, { _tag: "HumanReviewed", at: 9_000, decision: human })
    assert.strictEqual(done.state, "Completed")
    assert.deepStrictEqual(done.results.map((r) => [r.resultCode, r.isMachineResult, r.isFinal]), [
      ["0825", true, false],
      ["1221", false, true]
    ])
    assert.strictEqual(done.timeline.reviewedAt, 9_000)
  })

  it("stores a Decision field for field (without its review, which becomes reviewReason)", () => {
    const result = Job.latestResult(underReview)!
    const { review: _review, ...fields } = unsure
    assert.deepStrictEqual(result, { ...fields, decidedAt: 4_000 })
  })

  it("fails an unreadable zip with 0001 and the reason", () => {
    const uploaded = run(created(), { _tag: "UploadAccepted", at: 2_000 })
    const failed = run(uploaded, { _tag: "Failed", at: 2_500, resultText: "Data Invalid - Unable to extract zip file", explanation: "not a zip: no end of central directory" })
    assert.strictEqual(failed.state, "Failed")
    assert.deepStrictEqual(failed.results, [
      {
        resultCode: "0001",
        resultText: "Data Invalid - Unable to extract zip file",
        actions: {},
        confidence: 0,
        isFinal: true,
        isMachineResult: true,
        explanation: "not a zip: no end of central directory",
        decidedAt: 2_500
      }
    ])
    assert.strictEqual(failed.timeline.failedAt, 2_500)
  })

  it("files a machine decision of 0001 (e.g. no comparison from the engine) as Failed", () => {
    const job = run(processing(), { _tag: "MachineDecided", at: 4_000, decision: decision("0001", { resultText: "System Error" }) })
    assert.strictEqual(job.state, "Failed")
    assert.strictEqual(job.timeline.failedAt, 4_000)
  })

  it("refuses a second upload once one was accepted", () => {
    for (const job of [run(created(), { _tag: "UploadAccepted", at: 2_000 }), processing(), underReview]) {
      const error = refused(job, { _tag: "UploadAccepted", at: 5_000 })
      assert.strictEqual(error.event, "UploadAccepted")
      assert.include(error.detail, "a zip was already accepted")
    }
  })

  it("records a machine decision exactly once", () => {
    const decided = run(processing(), { _tag: "MachineDecided", at: 4_000, decision: decision("0820") })
    for (const job of [decided, underReview]) {
      const error = refused(job, { _tag: "MachineDecided", at: 5_000, decision: decision("0821") })
      assert.include(error.detail, "already decided")
    }
    assert.include(refused(created(), { _tag: "MachineDecided", at: 5_000, decision: decision("0820") }).detail, "expected the job to be Processing")
  })

  it("takes a human decision only while under review", () => {
    const human = decision("1220")
    assert.include(refused(processing(), { _tag: "HumanReviewed", at: 5_000, decision: human }).detail, "only a provisional result waits")
    const final = run(processing(), { _tag: "MachineDecided", at: 4_000, decision: decision("0820") })
    assert.include(refused(final, { _tag: "HumanReviewed", at: 5_000, decision: human }).detail, "already final")
    const twice = run(underReview, { _tag: "HumanReviewed", at: 5_000, decision: human })
    assert.strictEqual(refused(twice, { _tag: "HumanReviewed", at: 6_000, decision: human }).from, "Completed")
  })

  it("refuses results that do not fit the job or the step", () => {
    const cases: ReadonlyArray<readonly [Job.Job, Job.JobEvent, string]> = [
      [processing(2), { _tag: "MachineDecided", at: 5, decision: decision("0840") }, "does not belong to authentication (job type 2)"],
      [processing(4), { _tag: "MachineDecided", at: 5, decision: decision("0820") }, "does not belong to registration (job type 4)"],
      [processing(), { _tag: "MachineDecided", at: 5, decision: decision("1220") }, "not a machine result"],
      [processing(), { _tag: "MachineDecided", at: 5, decision: decision("0825", { isFinal: true }) }, "0825 is provisional but the decision says isFinal=true"],
      [underReview, { _tag: "HumanReviewed", at: 5, decision: decision("0820") }, "not a human reviewer's result"],
      [underReview, { _tag: "HumanReviewed", at: 5, decision: decision("1240") }, "does not belong to authentication"]
    ]
    for (const [job, event, why] of cases) assert.include(refused(job, event).detail, why)
  })

  it("refuses to fail a job before its zip arrived or after it is final", () => {
    const failure = { _tag: "Failed", at: 5, resultText: "System Error", explanation: "x" } as const
    assert.strictEqual(refused(created(), failure).from, "Created")
    assert.strictEqual(refused(run(processing(), { _tag: "MachineDecided", at: 4, decision: decision("0820") }), failure).from, "Completed")
    assert.include(refused(created(), failure).message, "Job 0000000001 of partner \"001\" cannot take Failed while Created")
  })
})

describe("Job lifecycle invariants", () => {
  const human = Either.getOrThrow(Decision.decideHumanReview({ jobType: 2, machine: unsure, verdict: "same_person" }))
  const event = fc.oneof(
    fc.constant<Job.JobEvent>({ _tag: "UploadAccepted", at: 1 }),
    fc.constant<Job.JobEvent>({ _tag: "ProcessingStarted", at: 2 }),
    fc.constantFrom<ResultCode.JobResultCode>("0820", "0821", "0922").map((code): Job.JobEvent => ({ _tag: "MachineDecided", at: 3, decision: decision(code) })),
    fc.constant<Job.JobEvent>({ _tag: "MachineDecided", at: 3, decision: unsure }),
    fc.constant<Job.JobEvent>({ _tag: "HumanReviewed", at: 4, decision: human }),
    fc.constant<Job.JobEvent>({ _tag: "Failed", at: 5, resultText: "System Error", explanation: "engine crashed" })
  )

  it("whatever the events: at most one machine result, first; results only grow; terminal jobs take nothing more", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 20 }), (events) => {
        let job = created()
        for (const e of events) {
          const next = Job.transition(job, e)
          if (Job.isTerminal(job)) assert.isTrue(Either.isLeft(next), `${e._tag} after ${job.state}`)
          if (Either.isLeft(next)) continue
          const after = next.right
          assert.deepStrictEqual(after.results.slice(0, job.results.length), job.results, "earlier results are kept")
          assert.isAtMost(after.results.filter((r) => r.isMachineResult).length, 1)
          if (after.results.length > 0) assert.isTrue(after.results[0]!.isMachineResult)
          const latest = Job.latestResult(after)
          switch (after.state) {
            case "Created":
            case "Uploaded":
            case "Processing":
              assert.strictEqual(after.results.length, 0)
              break
            case "UnderReview":
              assert.isFalse(latest!.isFinal)
              assert.isDefined(after.reviewReason)
              break
            case "Completed":
              assert.isTrue(latest!.isFinal)
              break
            case "Failed":
              assert.strictEqual(latest!.resultCode, "0001")
              assert.isDefined(after.timeline.failedAt)
          }
          job = after
        }
      })
    )
  })
})
