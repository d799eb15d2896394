/**
 * `RowMemo`: a row (its columns' values) read again unchanged gives the value
 * decoded before; any changed, added or missing value decodes again; the
 * least recently read key goes first once the memo is full.
 */
import { RowMemo } from "@selfie-auth/adapter-sql"
import { assert, describe, it } from "vitest"

/** A decoder that counts its calls and returns a fresh object each time. */
const counting = () => {
  const calls: Array<RowMemo.Row> = []
  const decode = (row: RowMemo.Row) => (calls.push(row), { decodedFrom: [...row] })
  return { calls, decode }
}

describe("RowMemo", () => {
  it("gives the same value for an unchanged row, read under the same key, without decoding again", () => {
    const memo = RowMemo.make<{ readonly decodedFrom: RowMemo.Row }>(4)
    const { calls, decode } = counting()
    const first = memo.valueOf("a", ["a", "Uploaded", 2, null], decode)
    // Another array with the same values: what the driver answers on the next read.
    const again = memo.valueOf("a", ["a", "Uploaded", 2, null], decode)
    assert.strictEqual(again, first)
    assert.deepStrictEqual(calls, [["a", "Uploaded", 2, null]])
  })

  it("decodes again when a value changed, even with the same version, or when values were added or removed", () => {
    const memo = RowMemo.make<{ readonly decodedFrom: RowMemo.Row }>(4)
    const { calls, decode } = counting()
    memo.valueOf("a", ["a", "Uploaded", 2], decode)
    const changed = memo.valueOf("a", ["a", "Completed", 2], decode)
    assert.deepStrictEqual(changed.decodedFrom, ["a", "Completed", 2])
    const added = memo.valueOf("a", ["a", "Completed", 2, 1], decode)
    assert.deepStrictEqual(added.decodedFrom, ["a", "Completed", 2, 1])
    // A value at the end that is `undefined` is still one more column.
    const addedUndefined = memo.valueOf("a", ["a", "Completed", 2, 1, undefined], decode)
    assert.deepStrictEqual(addedUndefined.decodedFrom, ["a", "Completed", 2, 1, undefined])
    const removed = memo.valueOf("a", ["a", "Completed"], decode)
    assert.deepStrictEqual(removed.decodedFrom, ["a", "Completed"])
    // The first and the last value are compared too.
    memo.valueOf("a", ["b", "Completed"], decode)
    memo.valueOf("a", ["b", "Failed"], decode)
    assert.strictEqual(calls.length, 7)
  })

  it("compares with ===: a value that is an object (a Buffer column) is decoded every time", () => {
    const memo = RowMemo.make<{ readonly decodedFrom: RowMemo.Row }>(4)
    const { calls, decode } = counting()
    memo.valueOf("a", ["a", Buffer.from("x")], decode)
    memo.valueOf("a", ["a", Buffer.from("x")], decode)
    assert.strictEqual(calls.length, 2)
  })

  it("keeps the value of one key apart from another's, and never keeps a row whose decoding threw", () => {
    const memo = RowMemo.make<string>(4)
    assert.strictEqual(memo.valueOf("a", [1], () => "a1"), "a1")
    assert.strictEqual(memo.valueOf("b", [1], () => "b1"), "b1")
    assert.strictEqual(memo.valueOf("a", [1], () => "not decoded"), "a1")
    assert.throws(() => memo.valueOf("a", [2], () => {
      throw new Error("corrupt row")
    }), /corrupt row/)
    // The key's old value is gone with the failed read: the next read decodes.
    assert.strictEqual(memo.valueOf("a", [1], () => "a1 again"), "a1 again")
    // A row that still does not decode fails again, it is never answered from the memo.
    const corrupt = () => {
      throw new Error("still corrupt")
    }
    assert.throws(() => memo.valueOf("b", [3], corrupt), /still corrupt/)
    assert.throws(() => memo.valueOf("b", [3], corrupt), /still corrupt/)
  })

  it("drops the least recently read key once it holds capacity keys", () => {
    const memo = RowMemo.make<string>(2)
    memo.valueOf("a", [1], () => "a")
    memo.valueOf("b", [1], () => "b")
    memo.valueOf("a", [1], () => "a decoded again") // a is now the most recent
    memo.valueOf("c", [1], () => "c") // drops b
    assert.strictEqual(memo.size(), 2)
    assert.strictEqual(memo.valueOf("a", [1], () => "a decoded again"), "a")
    assert.strictEqual(memo.valueOf("b", [1], () => "b decoded again"), "b decoded again")
  })

  it("refuses a capacity below one", () => {
    assert.throws(() => RowMemo.make(0), /capacity must be a whole number of at least 1/)
    assert.throws(() => RowMemo.make(1.5), /capacity/)
  })
})
