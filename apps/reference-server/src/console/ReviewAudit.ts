/**
 * ReviewAudit: the record of every reviewer decision: who decided, when,
 * what, with which note, and what the machine had said.
 *
 * One entry per job: {@link ReviewAuditService.record} is first-writer-wins
 * (a second decision on the same job fails with {@link AlreadyDecided},
 * which names the first), so the audit and the verdict handed to the
 * pipeline can never disagree. Entries are never changed or removed.
 *
 * Adapters: {@link ReviewAudit.layerMemory} and `ReviewAuditSql.layer`
 * (SQLite and Postgres, through `@effect/sql`).
 */
import { Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { Actions, Decision, Ids, JobType, ResultCode } from "@selfie-auth/core"

/** What the machine had said when the reviewer decided: the stored machine result. */
export const MachineSaid = Schema.Struct({
  resultCode: ResultCode.JobResultCode,
  resultText: Schema.String,
  confidence: Schema.Number,
  explanation: Schema.String,
  actions: Actions.Actions
})
export type MachineSaid = typeof MachineSaid.Type

/** One audited decision. */
export const AuditEntry = Schema.Struct({
  partnerId: Ids.PartnerId,
  smileJobId: Ids.SmileJobId,
  jobId: Ids.JobId,
  userId: Ids.UserId,
  jobType: JobType.JobType,
  /** The console username. */
  reviewer: Schema.String.pipe(Schema.minLength(1)),
  verdict: Decision.Verdict,
  /** The reviewer's note (may be empty). */
  note: Schema.String.pipe(Schema.maxLength(2000)),
  /** The 12xx code the verdict produces (`Decision.decideHumanReview`). */
  outcomeCode: ResultCode.JobResultCode,
  decidedAt: Schema.Int.pipe(Schema.nonNegative()),
  machine: MachineSaid
}).annotations({ identifier: "AuditEntry" })
export type AuditEntry = typeof AuditEntry.Type

/** The job already has an audited decision (`first`): one decision per job. */
export class AlreadyDecided extends Schema.TaggedError<AlreadyDecided>()("AlreadyDecided", {
  first: AuditEntry
}) {
  override get message(): string {
    return `job ${this.first.smileJobId} was already decided by ${this.first.reviewer} ("${this.first.verdict}")`
  }
}

export interface ReviewAuditService {
  /** Records a decision; the first for a job wins, later ones fail with {@link AlreadyDecided}. */
  readonly record: (entry: AuditEntry) => Effect.Effect<AuditEntry, AlreadyDecided>
  readonly find: (partnerId: Ids.PartnerId, smileJobId: Ids.SmileJobId) => Effect.Effect<Option.Option<AuditEntry>>
  /** The partner's decisions, newest first, at most `limit`. */
  readonly list: (partnerId: Ids.PartnerId, limit: number) => Effect.Effect<ReadonlyArray<AuditEntry>>
}

export class ReviewAudit extends Context.Tag("@selfie-auth/reference-server/ReviewAudit")<ReviewAudit, ReviewAuditService>() {
  /** Entries in memory; like the SQL adapter, it refuses (as a defect) an entry its schema refuses. */
  static readonly layerMemory: Layer.Layer<ReviewAudit> = Layer.effect(
    ReviewAudit,
    Effect.gen(function*() {
      const entries = yield* Ref.make<ReadonlyArray<AuditEntry>>([])
      return {
        record: Effect.fn("ReviewAudit.record")(function*(entry: AuditEntry) {
          yield* Effect.orDie(Schema.validate(AuditEntry)(entry))
          const first = yield* Ref.modify(entries, (all) => {
            const existing = all.find((candidate) => candidate.partnerId === entry.partnerId && candidate.smileJobId === entry.smileJobId)
            return existing === undefined ? [undefined, [...all, entry]] as const : [existing, all] as const
          })
          if (first !== undefined) return yield* new AlreadyDecided({ first })
          return entry
        }),
        find: (partnerId, smileJobId) =>
          Effect.map(Ref.get(entries), (all) =>
            Option.fromNullable(all.find((entry) => entry.partnerId === partnerId && entry.smileJobId === smileJobId))),
        list: (partnerId, limit) =>
          Effect.map(Ref.get(entries), (all) =>
            all.filter((entry) => entry.partnerId === partnerId)
              .sort((a, b) => b.decidedAt - a.decidedAt || (a.smileJobId < b.smileJobId ? 1 : -1))
              .slice(0, limit))
      }
    })
  )
}
