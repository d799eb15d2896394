/**
 * The V8 heap a face worker starts with: a floor under the old generation's
 * allocation limit, so that the worker does not run a full garbage collection
 * every few images.
 *
 * V8 starts a full (mark-compact) collection when the old generation plus the
 * external memory allocated since the last one (ArrayBuffers: decoded pixels,
 * the image's bytes, tensors read back from WASM) nears a limit it sets after
 * each collection from the live heap. A face worker keeps about 50 MB live
 * (the libraries' code and the models' graphs) and the limit came out near
 * 74 MB, while an image allocates 2 to 5 MB of ArrayBuffers: a full collection
 * every 4 to 5 images, each marking the 50 MB for about 40 ms on V8's helper
 * threads. Measured on the shared face set, that was 10 % of the CPU an image
 * costs, and a second worker on the same cores lacked it.
 *
 * V8 takes a floor for that limit from `--initial-old-space-size`, and applies
 * it to an isolate when the isolate is created. Node has no per-worker setting
 * for it (a Worker's `execArgv` refuses V8 flags), so the flag is set
 * process-wide while face workers start and put back to V8's default once every
 * starting worker is online: isolates created at other times are untouched.
 * A process started with its own `--initial-old-space-size` or
 * `--initial-heap-size` is left alone.
 *
 * @example
 * const spawn = WorkerHeap.withOldSpaceFloor(() => new Worker(script))
 */
import * as v8 from "node:v8"

/**
 * The floor, in MB. With 128 a worker analysing the shared set ran a full
 * collection about every hundred images instead of every 4 to 5; with 96,
 * about every 45 (decision record 23). Between collections the heap may now
 * reach the floor, so a worker's RSS can grow by up to the floor less the
 * ~74 MB V8 would have allowed.
 */
export const oldSpaceFloorMb = 128

/** What the floor needs of a starting worker (a `Worker`): the events that end its start. */
export interface StartingWorker {
  once(event: "online" | "exit", listener: () => void): unknown
}

/** Whether the process's own flags already set the old generation's initial size. */
export const setByProcessFlags = (execArgv: ReadonlyArray<string>, nodeOptions: string | undefined): boolean =>
  [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].some((arg) =>
    /^--initial[-_](old[-_]space|heap)[-_]size\b/.test(arg)
  )

/**
 * A spawner that starts workers under the floor, given how to set V8 flags.
 * One per process (the flag is process-wide): {@link withOldSpaceFloor} is it.
 */
export const makeSpawner = (options: {
  readonly floorMb: number
  readonly setFlags: (flags: string) => void
  readonly leaveAlone: boolean
}) => {
  let starting = 0
  return <W extends StartingWorker>(spawn: () => W): W => {
    if (options.leaveAlone) return spawn()
    if (starting === 0) options.setFlags(`--initial-old-space-size=${options.floorMb}`)
    starting += 1
    let settled = false
    const settle = () => {
      if (settled) return
      settled = true
      starting -= 1
      // 0 is V8's default: no floor.
      if (starting === 0) options.setFlags("--initial-old-space-size=0")
    }
    let worker: W
    try {
      worker = spawn()
    } catch (cause) {
      settle()
      throw cause
    }
    // A worker is online once its isolate runs; one that fails before that exits. ("error" is left to the
    // caller: listening for it here would take an unhandled worker error away from the process.)
    worker.once("online", settle)
    worker.once("exit", settle)
    return worker
  }
}

/** Starts a worker with its old generation's limit floored at {@link oldSpaceFloorMb}. */
export const withOldSpaceFloor = makeSpawner({
  floorMb: oldSpaceFloorMb,
  setFlags: v8.setFlagsFromString,
  leaveAlone: setByProcessFlags(process.execArgv, process.env["NODE_OPTIONS"])
})
