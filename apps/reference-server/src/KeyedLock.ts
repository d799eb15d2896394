/**
 * One-at-a-time per key: effects run under the same key never overlap, effects
 * under different keys run freely. Used so that two uploads to one job's URL
 * are accepted one after the other (see `UseCases.AcceptUpload`).
 */
import { Effect } from "effect"

interface Entry {
  readonly semaphore: Effect.Semaphore
  holders: number
}

export interface KeyedLock {
  readonly withLock: <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export const KeyedLock = {
  /** A lock table; a key's entry lives only while someone holds or waits for it. */
  make: Effect.sync((): KeyedLock => {
    const entries = new Map<string, Entry>()
    const acquire = (key: string) =>
      Effect.sync(() => {
        const existing = entries.get(key)
        if (existing !== undefined) {
          existing.holders += 1
          return existing
        }
        const entry: Entry = { semaphore: Effect.unsafeMakeSemaphore(1), holders: 1 }
        entries.set(key, entry)
        return entry
      })
    const release = (key: string, entry: Entry) =>
      Effect.sync(() => {
        entry.holders -= 1
        if (entry.holders === 0) entries.delete(key)
      })
    return {
      withLock: (key, effect) =>
        Effect.acquireUseRelease(acquire(key), (entry) => entry.semaphore.withPermits(1)(effect), (entry) => release(key, entry))
    }
  })
}
