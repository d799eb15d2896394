/**
 * Console sessions and the sign-in throttle, kept in this process's memory.
 *
 * A session is a random 256-bit id (the cookie's value) mapped to the
 * reviewer, its CSRF token and its absolute expiry; it ends at the expiry or
 * at sign-out. Sessions do not survive a restart and are not shared between
 * server processes: a reviewer signs in again (reviews themselves are
 * durable, so nothing is lost).
 *
 * The throttle counts failed sign-ins per username and per client address
 * over a sliding window; once either reaches its limit, further attempts are
 * refused without checking the password until the oldest failure leaves the
 * window. A success clears the username's count.
 */
import { Clock, Context, Effect, Layer, Ref } from "effect"
import { randomBytes, timingSafeEqual } from "node:crypto"
import type { Reviewer } from "./ConsoleConfig.js"

/** A signed-in reviewer. */
export interface Session {
  readonly id: string
  readonly reviewer: Omit<Reviewer, "passwordHash">
  /** Sent in every form; a POST without it is refused. */
  readonly csrfToken: string
  readonly createdAt: number
  readonly expiresAt: number
}

export interface ThrottleLimits {
  /** Failures per username within the window before it is locked. */
  readonly perUsername: number
  /** Failures per client address within the window before it is locked. */
  readonly perAddress: number
  readonly windowMillis: number
}

export const defaultThrottle: ThrottleLimits = { perUsername: 5, perAddress: 20, windowMillis: 15 * 60 * 1000 }

export interface SessionsService {
  readonly create: (reviewer: Omit<Reviewer, "passwordHash">, ttlSeconds: number) => Effect.Effect<Session>
  /** The live session of a cookie value; expired sessions are dropped. */
  readonly find: (id: string) => Effect.Effect<Session | undefined>
  readonly end: (id: string) => Effect.Effect<void>
  /**
   * Whether sign-in attempts for this username or from this address are
   * locked now; `retryAfterSeconds` says for how long.
   */
  readonly locked: (username: string, address: string) => Effect.Effect<{ readonly retryAfterSeconds: number } | undefined>
  readonly recordFailure: (username: string, address: string) => Effect.Effect<void>
  readonly recordSuccess: (username: string) => Effect.Effect<void>
}

const token = (): string => randomBytes(32).toString("base64url")

/** Constant-time equality of two tokens. */
export const sameToken = (a: string, b: string): boolean => {
  const left = Buffer.from(a, "utf8")
  const right = Buffer.from(b, "utf8")
  return left.length === right.length && timingSafeEqual(left, right)
}

export class Sessions extends Context.Tag("@selfie-auth/reference-server/ConsoleSessions")<Sessions, SessionsService>() {
  static layerMemory(limits: ThrottleLimits = defaultThrottle): Layer.Layer<Sessions> {
    return Layer.effect(
      Sessions,
      Effect.gen(function*() {
        const sessions = yield* Ref.make(new Map<string, Session>())
        const failures = yield* Ref.make(new Map<string, ReadonlyArray<number>>())
        const recent = (all: ReadonlyMap<string, ReadonlyArray<number>>, key: string, now: number) =>
          (all.get(key) ?? []).filter((at) => at > now - limits.windowMillis)
        return {
          create: Effect.fn("Sessions.create")(function*(reviewer, ttlSeconds) {
            const now = yield* Clock.currentTimeMillis
            const session: Session = { id: token(), reviewer, csrfToken: token(), createdAt: now, expiresAt: now + ttlSeconds * 1000 }
            yield* Ref.update(sessions, (all) => {
              const live = new Map([...all].filter(([, entry]) => entry.expiresAt > now))
              return live.set(session.id, session)
            })
            return session
          }),
          find: Effect.fn("Sessions.find")(function*(id) {
            const now = yield* Clock.currentTimeMillis
            const session = (yield* Ref.get(sessions)).get(id)
            if (session === undefined) return undefined
            if (session.expiresAt <= now) {
              yield* Ref.update(sessions, (all) => {
                const next = new Map(all)
                next.delete(id)
                return next
              })
              return undefined
            }
            return session
          }),
          end: (id) =>
            Ref.update(sessions, (all) => {
              const next = new Map(all)
              next.delete(id)
              return next
            }),
          locked: Effect.fn("Sessions.locked")(function*(username, address) {
            const now = yield* Clock.currentTimeMillis
            const all = yield* Ref.get(failures)
            const checks = [
              { times: recent(all, `user:${username.toLowerCase()}`, now), limit: limits.perUsername },
              { times: recent(all, `address:${address}`, now), limit: limits.perAddress }
            ]
            const waits = checks
              .filter(({ limit, times }) => times.length >= limit)
              .map(({ limit, times }) => (times[times.length - limit] ?? now) + limits.windowMillis - now)
            if (waits.length === 0) return undefined
            return { retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) }
          }),
          recordFailure: Effect.fn("Sessions.recordFailure")(function*(username, address) {
            const now = yield* Clock.currentTimeMillis
            yield* Ref.update(failures, (all) => {
              // Forget keys whose failures all left the window, so random names cannot grow the map for ever.
              const next = new Map([...all].filter(([key]) => recent(all, key, now).length > 0))
              for (const key of [`user:${username.toLowerCase()}`, `address:${address}`]) next.set(key, [...recent(all, key, now), now])
              return next
            })
          }),
          recordSuccess: (username) =>
            Ref.update(failures, (all) => {
              const next = new Map(all)
              next.delete(`user:${username.toLowerCase()}`)
              return next
            })
        }
      })
    )
  }
}
