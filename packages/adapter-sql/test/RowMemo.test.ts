/**
 * `RowMemo`: a row read again unchanged gives the value decoded before; any
 * changed, added or missing column decodes again; the least recently read
 * key goes first once the memo is full.
 */
import { RowMemo } from "@selfie-auth/adapter-sql"
import { assert, describe, it } from "vitest"

/** A decoder that counts its calls and returns a fresh object each time. */
const counting = () => {
  const calls: Array<RowMemo.Row> = []
  const decode = (row: RowMemo.Row) => (calls.push(row), { decodedFrom: { ...row } })
  return { calls, decode }
}

describe("RowMemo", () => {
  it("gives the same value for an unchanged row, read under the same key, without decoding again", () => {
    const memo = RowMemo.make<{ readonly decodedFrom: RowMemo.Row }>(4)
    const { calls, decode } = counting()
    const first = memo.valueOf("a", { id: "a", state: "Uploaded", version: 2, note: null }, decode)
    // Another object with the same column values: what the driver answers on the next read.
    const again = memo.valueOf("a", { id: "a", state: "Uploaded", version: 2, note: null }, decode)
    assert.strictEqual(again, first)
    assert.strictEqual(calls.length, 1)
  })

  it("decodes again when a column changed, even with the same version, or when columns were added or removed", () => {
    const memo = RowMemo.make<{ readonly decodedFrom: RowMemo.Row }>(4)
    const { calls, decode } = counting()
    memo.valueOf("a", { id: "a", state: "Uploaded", version: 2 }, decode)
    const changed = memo.valueOf("a", { id: "a", state: "Completed", version: 2 }, decode)
    assert.deepStrictEqual(changed.decodedFrom, { id: "a", state: "Completed", version: 2 })
    const added = memo.valueOf("a", { id: "a", state: "Completed", version: 2, extra: 1 }, decode)
    assert.deepStrictEqual(added.decodedFrom, { id: "a", state: "Completed", version: 2, extra: 1 })
    // Same count of columns, one renamed.
    const renamed = memo.valueOf("a", { id: "a", state: "Completed", version: 2, other: 1 }, decode)
    assert.deepStrictEqual(renamed.decodedFrom, { id: "a", state: "Completed", version: 2, other: 1 })
    const removed = memo.valueOf("a", { id: "a", state: "Completed" }, decode)
    assert.deepStrictEqual(removed.decodedFrom, { id: "a", state: "Completed" })
    assert.strictEqual(calls.length, 5)
  })

  it("keeps the value of one key apart from another's, and never keeps a row whose decoding threw", () => {
    const memo = RowMemo.make<string>(4)
    assert.strictEqual(memo.valueOf("a", { v: 1 }, () => "a1"), "a1")
    assert.strictEqual(memo.valueOf("b", { v: 1 }, () => "b1"), "b1")
    assert.strictEqual(memo.valueOf("a", { v: 1 }, () => "not decoded"), "a1")
    assert.throws(() => memo.valueOf("a", { v: 2 }, () => {
      throw new Error("corrupt row")
    }), /corrupt row/)
    // The key's old value is gone with the failed read: the next read decodes.
    assert.strictEqual(memo.valueOf("a", { v: 1 }, () => "a1 again"), "a1 again")
  })

  it("drops the least recently read key once it holds capacity keys", () => {
    const memo = RowMemo.make<string>(2)
    memo.valueOf("a", { v: 1 }, () => "a")
    memo.valueOf("b", { v: 1 }, () => "b")
    memo.valueOf("a", { v: 1 }, () => "a decoded again") // a is now the most recent
    memo.valueOf("c", { v: 1 }, () => "c") // drops b
    assert.strictEqual(memo.size(), 2)
    assert.strictEqual(memo.valueOf("a", { v: 1 }, () => "a decoded again"), "a")
    assert.strictEqual(memo.valueOf("b", { v: 1 }, () => "b decoded again"), "b decoded again")
  })

  it("refuses a capacity below one", () => {
    assert.throws(() => RowMemo.make(0), /capacity must be a whole number of at least 1/)
    assert.throws(() => RowMemo.make(1.5), /capacity/)
  })
})
