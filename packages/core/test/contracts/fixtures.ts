/**
 * Builders shared by the port contract suites. Every suite works under partner
 * ids unique to the test run, so the suites can run against a persistent
 * database or bucket without cleaning it first.
 */
import { Ids, Job, User } from "@selfie-auth/core"

const runId = Math.random().toString(36).slice(2, 10)
let counter = 0

/** A partner id no other test (of this or an earlier run) uses. */
export const uniquePartnerId = (label = "partner"): Ids.PartnerId => Ids.PartnerId.make(`${label}-${runId}-${++counter}`)

let smileCounter = Math.floor(Math.random() * 1e9)

/** A Smile job id unique within this run (stores refuse duplicates across partners). */
export const uniqueSmileJobId = (): Ids.SmileJobId =>
  Ids.SmileJobId.make(String(1_000_000_000 + (++smileCounter % 9_000_000_000)).padStart(10, "0"))

export const newJob = (options: {
  readonly partnerId: Ids.PartnerId
  readonly jobId?: string
  readonly userId?: string
  readonly jobType?: 2 | 4
  readonly at?: number
  readonly callbackUrl?: string
  readonly smileJobId?: Ids.SmileJobId
}): Job.Job =>
  Job.make({
    partnerId: options.partnerId,
    smileJobId: options.smileJobId ?? uniqueSmileJobId(),
    partnerParams: {
      userId: Ids.UserId.make(options.userId ?? "user-1"),
      jobId: Ids.JobId.make(options.jobId ?? "job-1"),
      jobType: options.jobType ?? 2,
      extras: { branch: "lagos", "a key with spaces": "ünïcödé ✓" }
    },
    callbackUrl: options.callbackUrl,
    at: options.at ?? 1_000
  })

export const newUser = (partnerId: Ids.PartnerId, userId = "user-1", at = 1_000): User.User =>
  User.make({ partnerId, userId: Ids.UserId.make(userId), at })
