/**
 * `SqliteFileLock.holdExclusive`: while one scope holds a file, every other
 * holder is refused at once, in this process and in another; closing the
 * scope frees the file, and so does the holding process being killed.
 */
import { assert, describe, it } from "@effect/vitest"
import { SqliteFileLock } from "@selfie-auth/adapter-sql"
import { Effect, Exit, Scope } from "effect"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { once } from "node:events"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import * as TestDatabases from "./TestDatabases.js"

const betterSqlite3 = createRequire(import.meta.url).resolve("better-sqlite3")

/**
 * A plain Node process that takes the same lock the way the module does
 * (`BEGIN EXCLUSIVE`, no busy wait) and says `held` or `busy`; one that holds
 * it stays alive until killed.
 */
const childScript = `
const Database = require(${JSON.stringify(betterSqlite3)})
const db = new Database(process.argv[1], { timeout: 0 })
try { db.exec("BEGIN EXCLUSIVE") } catch (e) { console.log(e.code === "SQLITE_BUSY" ? "busy" : "error " + e.message); process.exit(0) }
console.log("held")
setInterval(() => {}, 1000)
`

/** The child and its first line; killed when the test's scope closes, whatever the test did with it. */
const startChild = (filename: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const child = spawn(process.execPath, ["-e", childScript, filename], { stdio: ["ignore", "pipe", "inherit"] })
      const [line] = await once(child.stdout, "data") as [Buffer]
      return { child, said: line.toString().trim() }
    }),
    ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
  )

const killed = (child: ChildProcess) =>
  Effect.promise(async () => {
    const exited = once(child, "exit")
    child.kill("SIGKILL")
    await exited
  })

const lockFile = Effect.map(TestDatabases.temporaryFolder, (folder) => path.join(folder, "pipeline.lock"))

/** Takes the lock in a scope of its own, returning how the attempt ended and the scope to close. */
const attempt = (filename: string) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const exit = yield* Effect.exit(Scope.extend(SqliteFileLock.holdExclusive(filename), scope))
    return { exit, scope }
  })

describe("SqliteFileLock.holdExclusive", () => {
  it.scoped("refuses a second holder in the same process with FileLocked naming the file, until the first lets go", () =>
    Effect.gen(function*() {
      const filename = yield* lockFile
      const first = yield* attempt(filename)
      assert.isTrue(Exit.isSuccess(first.exit))
      assert.isTrue(fs.existsSync(filename))

      const second = yield* attempt(filename)
      assert.deepStrictEqual(second.exit, Exit.fail(new SqliteFileLock.FileLocked({ filename })))

      yield* Scope.close(first.scope, Exit.void)
      const third = yield* attempt(filename)
      assert.isTrue(Exit.isSuccess(third.exit))
      yield* Scope.close(third.scope, Exit.void)
    }))

  it.scoped("is seen by another process: refused while held here, free once released", () =>
    Effect.gen(function*() {
      const filename = yield* lockFile
      const held = yield* attempt(filename)
      assert.isTrue(Exit.isSuccess(held.exit))
      const refused = yield* startChild(filename)
      assert.strictEqual(refused.said, "busy")

      yield* Scope.close(held.scope, Exit.void)
      const other = yield* startChild(filename)
      assert.strictEqual(other.said, "held")
      yield* killed(other.child)
    }))

  it.scoped("is released by the kernel when its holder is killed: taken at once after SIGKILL", () =>
    Effect.gen(function*() {
      const filename = yield* lockFile
      const holder = yield* startChild(filename)
      assert.strictEqual(holder.said, "held")
      const whileHeld = yield* attempt(filename)
      assert.deepStrictEqual(whileHeld.exit, Exit.fail(new SqliteFileLock.FileLocked({ filename })))

      yield* killed(holder.child)
      const afterCrash = yield* attempt(filename)
      assert.isTrue(Exit.isSuccess(afterCrash.exit))
      yield* Scope.close(afterCrash.scope, Exit.void)
    }))

  it.scoped("dies with SQLite's reason when the file cannot be opened at all", () =>
    Effect.gen(function*() {
      const folder = yield* TestDatabases.temporaryFolder
      const exit = yield* Effect.exit(Effect.scoped(SqliteFileLock.holdExclusive(path.join(folder, "missing", "pipeline.lock"))))
      assert.isTrue(Exit.isFailure(exit) && exit.cause._tag === "Die")
      if (Exit.isFailure(exit) && exit.cause._tag === "Die") {
        assert.include(String(exit.cause.defect), `cannot lock ${path.join(folder, "missing", "pipeline.lock")}`)
      }
    }))
})
