/**
 * A fixed-size pool of face workers (worker_threads) that keeps the models off
 * the event loop. Each worker takes one image at a time; images wait in a FIFO
 * queue. A worker that crashes or overruns `taskTimeoutMs` is terminated and
 * replaced, and its image is retried on another worker up to `maxAttempts`
 * times in all, so a bad worker loses no work.
 *
 * Gotcha: WASM inference cannot be interrupted from outside. Interrupting a
 * caller removes a queued image, but an image already running finishes (its
 * result is dropped); only the timeout stops it, by terminating its worker.
 */
import type { Worker } from "node:worker_threads"
import type { Scope } from "effect"
import { Effect, Schema } from "effect"
import type { FromWorker, ImageMeasurements, ToWorker } from "./WorkerProtocol.js"

/** Why the pool could not measure an image. */
export class PoolTaskError extends Schema.TaggedError<PoolTaskError>()("PoolTaskError", {
  reason: Schema.Literal("ImageUnreadable", "EngineFailure"),
  detail: Schema.String
}) {}

/** A worker could not load its models; the pool was not started. */
export class PoolStartError extends Schema.TaggedError<PoolStartError>()("PoolStartError", {
  detail: Schema.String
}) {}

export interface WorkerPoolOptions {
  readonly size: number
  /** Longest one image may take before its worker is presumed stuck and replaced. */
  readonly taskTimeoutMs: number
  /** Attempts per image in all (first try included) across crashed or stuck workers. */
  readonly maxAttempts: number
  /** Longest a worker may take to load its models. */
  readonly startTimeoutMs: number
  /** Starts one face worker. */
  readonly spawn: () => Worker
}

/** Counters for monitoring and tests. */
export interface PoolStats {
  readonly size: number
  readonly completed: number
  /** Workers replaced after a crash or a timeout. */
  readonly replaced: number
  /** Images sent again after their worker was replaced. */
  readonly retried: number
  /** Model load time of each worker started so far, in milliseconds. */
  readonly loadMs: ReadonlyArray<number>
}

export interface WorkerPool {
  readonly measure: (bytes: Uint8Array) => Effect.Effect<ImageMeasurements, PoolTaskError>
  readonly stats: () => PoolStats
  /** Sends a message to every worker (the test-only hooks). */
  readonly broadcast: (message: ToWorker) => void
}

interface Task {
  readonly id: number
  readonly bytes: Uint8Array
  attempts: number
  readonly settle: (outcome: Effect.Effect<ImageMeasurements, PoolTaskError>) => void
}

interface Slot {
  worker: Worker
  ready: boolean
  task: Task | undefined
  timer: ReturnType<typeof setTimeout> | undefined
}

const describeExit = (code: number) => `worker exited with code ${code}`

/**
 * Starts `size` workers and waits until each has loaded its models. The scope
 * terminates them all; images still waiting then fail with `EngineFailure`.
 */
export const make = (options: WorkerPoolOptions): Effect.Effect<WorkerPool, PoolStartError, Scope.Scope> =>
  Effect.acquireRelease(start(options), (pool) => Effect.promise(() => pool.close()))

interface RunningPool extends WorkerPool {
  readonly close: () => Promise<void>
}

const start = (options: WorkerPoolOptions) =>
    Effect.async<RunningPool, PoolStartError>((resumeStart) => {
      const slots: Array<Slot> = []
      const queue: Array<Task> = []
      const loadMs: Array<number> = []
      let nextId = 0
      let completed = 0
      let replaced = 0
      let retried = 0
      let closed = false
      let started = false

      const failStart = (detail: string) => {
        if (started) return
        started = true
        closed = true
        for (const slot of slots) void slot.worker.terminate()
        resumeStart(Effect.fail(new PoolStartError({ detail })))
      }

      const dispatch = () => {
        for (const slot of slots) {
          if (queue.length === 0) return
          if (!slot.ready || slot.task !== undefined) continue
          const task = queue.shift()
          if (task === undefined) return
          task.attempts++
          slot.task = task
          slot.timer = setTimeout(() => recover(slot, `no answer within ${options.taskTimeoutMs} ms`), options.taskTimeoutMs)
          slot.worker.postMessage({ _tag: "Analyze", id: task.id, bytes: task.bytes } satisfies ToWorker)
        }
      }

      const finish = (slot: Slot, id: number, outcome: Effect.Effect<ImageMeasurements, PoolTaskError>) => {
        const task = slot.task
        if (task === undefined || task.id !== id) return
        clearTimeout(slot.timer)
        slot.task = undefined
        slot.timer = undefined
        completed++
        task.settle(outcome)
        dispatch()
      }

      /** A crashed or stuck worker: replace it and give its image another chance. */
      const recover = (slot: Slot, why: string) => {
        const task = slot.task
        clearTimeout(slot.timer)
        slot.task = undefined
        slot.timer = undefined
        slot.ready = false
        const old = slot.worker
        old.removeAllListeners()
        void old.terminate()
        if (closed) return
        replaced++
        if (task !== undefined) {
          if (task.attempts < options.maxAttempts) {
            retried++
            queue.unshift(task)
            // Another idle worker may take it before the replacement has loaded its models.
            dispatch()
          } else {
            task.settle(Effect.fail(new PoolTaskError({
              reason: "EngineFailure",
              detail: `${why}; gave up after ${task.attempts} attempts`
            })))
          }
        }
        slot.worker = options.spawn()
        listen(slot)
      }

      const listen = (slot: Slot) => {
        const worker = slot.worker
        const startTimer = setTimeout(() => {
          if (!slot.ready) onStartProblem(slot, `models not loaded within ${options.startTimeoutMs} ms`)
        }, options.startTimeoutMs)
        worker.on("message", (message: FromWorker) => {
          switch (message._tag) {
            case "Ready":
              clearTimeout(startTimer)
              slot.ready = true
              loadMs.push(message.loadMs)
              if (!started && slots.every((s) => s.ready)) {
                started = true
                resumeStart(Effect.succeed(pool))
              }
              dispatch()
              return
            case "StartFailed":
              clearTimeout(startTimer)
              onStartProblem(slot, message.detail)
              return
            case "Analyzed":
              finish(slot, message.id, Effect.succeed(message.measurements))
              return
            case "Unreadable":
              finish(slot, message.id, Effect.fail(new PoolTaskError({ reason: "ImageUnreadable", detail: message.detail })))
              return
            case "Failed":
              finish(slot, message.id, Effect.fail(new PoolTaskError({ reason: "EngineFailure", detail: message.detail })))
              return
          }
        })
        worker.on("error", (error) => {
          clearTimeout(startTimer)
          if (slot.ready) recover(slot, `worker crashed: ${error.message}`)
          else onStartProblem(slot, error.message)
        })
        worker.on("exit", (code) => {
          clearTimeout(startTimer)
          if (closed) return
          if (slot.ready) recover(slot, describeExit(code))
          else onStartProblem(slot, describeExit(code))
        })
      }

      /** A worker that cannot load models will not do better on a retry: stop. */
      const onStartProblem = (slot: Slot, detail: string) => {
        if (!started) return failStart(detail)
        slot.worker.removeAllListeners()
        void slot.worker.terminate()
        slots.splice(slots.indexOf(slot), 1)
        if (slots.length === 0) {
          closed = true
          for (const task of queue.splice(0)) {
            task.settle(Effect.fail(new PoolTaskError({ reason: "EngineFailure", detail: `no worker could start: ${detail}` })))
          }
        }
      }

      const pool: RunningPool = {
        measure: (bytes) =>
          Effect.async<ImageMeasurements, PoolTaskError>((resume) => {
            if (closed) {
              resume(Effect.fail(new PoolTaskError({ reason: "EngineFailure", detail: "the face engine is shut down" })))
              return
            }
            const task: Task = { id: nextId++, bytes, attempts: 0, settle: resume }
            queue.push(task)
            dispatch()
            return Effect.sync(() => {
              const at = queue.indexOf(task)
              if (at >= 0) queue.splice(at, 1)
            })
          }),
        stats: () => ({ size: slots.length, completed, replaced, retried, loadMs: [...loadMs] }),
        broadcast: (message) => {
          for (const slot of slots) slot.worker.postMessage(message)
        },
        close: async () => {
          closed = true
          for (const task of queue.splice(0)) {
            task.settle(Effect.fail(new PoolTaskError({ reason: "EngineFailure", detail: "the face engine is shut down" })))
          }
          await Promise.all(slots.map(async (slot) => {
            clearTimeout(slot.timer)
            slot.task?.settle(Effect.fail(new PoolTaskError({ reason: "EngineFailure", detail: "the face engine is shut down" })))
            slot.worker.removeAllListeners()
            await slot.worker.terminate()
          }))
        }
      }

      for (let i = 0; i < options.size; i++) {
        const slot: Slot = { worker: options.spawn(), ready: false, task: undefined, timer: undefined }
        slots.push(slot)
        listen(slot)
      }
      return Effect.promise(() => pool.close())
    })
