/**
 * The face workers' heap floor is a process-wide V8 flag: it must be set only
 * while face workers start, and put back once each of them is online or has
 * failed, whatever order their events come in.
 */
import { EventEmitter } from "node:events"
import { describe, expect, it } from "vitest"
import { WorkerHeap } from "@selfie-auth/adapter-face"

const floor = "--initial-old-space-size=128"
const noFloor = "--initial-old-space-size=0"

const spawnerRecordingFlags = (leaveAlone = false) => {
  const flags: Array<string> = []
  const spawn = WorkerHeap.makeSpawner({ floorMb: 128, setFlags: (f) => flags.push(f), leaveAlone })
  return { flags, spawn }
}

describe("WorkerHeap.makeSpawner", () => {
  it("sets the floor before the worker is created and V8's default once it is online", () => {
    const { flags, spawn } = spawnerRecordingFlags()
    const worker = spawn(() => {
      expect(flags).toEqual([floor])
      return new EventEmitter()
    })
    expect(flags).toEqual([floor])
    worker.emit("online")
    expect(flags).toEqual([floor, noFloor])
    // Later events of the same worker change nothing.
    worker.emit("exit", 0)
    expect(flags).toEqual([floor, noFloor])
  })

  it("keeps the floor until every worker starting at the same time is online", () => {
    const { flags, spawn } = spawnerRecordingFlags()
    const first = spawn(() => new EventEmitter())
    const second = spawn(() => new EventEmitter())
    expect(flags).toEqual([floor])
    second.emit("online")
    expect(flags).toEqual([floor])
    first.emit("online")
    expect(flags).toEqual([floor, noFloor])
    const third = spawn(() => new EventEmitter())
    expect(flags).toEqual([floor, noFloor, floor])
    third.emit("online")
    expect(flags).toEqual([floor, noFloor, floor, noFloor])
  })

  it("puts the default back when a worker exits before it is online, and leaves its errors to the caller", () => {
    const { flags, spawn } = spawnerRecordingFlags()
    const failing = spawn(() => new EventEmitter())
    // An error with no listener of the caller's must still reach the process, as it would without the floor.
    expect(failing.listenerCount("error")).toBe(0)
    failing.emit("exit", 1)
    expect(flags).toEqual([floor, noFloor])
    const again = spawn(() => new EventEmitter())
    again.emit("exit", 1)
    expect(flags).toEqual([floor, noFloor, floor, noFloor])
  })

  it("puts the default back and rethrows when the worker cannot be created", () => {
    const { flags, spawn } = spawnerRecordingFlags()
    expect(() =>
      spawn((): EventEmitter => {
        throw new Error("no such file")
      })
    ).toThrow("no such file")
    expect(flags).toEqual([floor, noFloor])
  })

  it("never touches the flags of a process that set the initial size itself", () => {
    const { flags, spawn } = spawnerRecordingFlags(true)
    spawn(() => new EventEmitter()).emit("online")
    expect(flags).toEqual([])
  })
})

describe("WorkerHeap.setByProcessFlags", () => {
  it("finds the initial old-space or heap size among node's arguments or in NODE_OPTIONS", () => {
    expect(WorkerHeap.setByProcessFlags(["--initial-old-space-size=64"], undefined)).toBe(true)
    expect(WorkerHeap.setByProcessFlags(["--initial_heap_size=256"], undefined)).toBe(true)
    expect(WorkerHeap.setByProcessFlags([], "--enable-source-maps --initial-old-space-size=64")).toBe(true)
  })

  it("ignores other heap settings", () => {
    expect(WorkerHeap.setByProcessFlags(["--max-old-space-size=4096", "--max-semi-space-size=32"], "")).toBe(false)
    expect(WorkerHeap.setByProcessFlags([], undefined)).toBe(false)
  })
})
