/**
 * The decoded value of a row, kept while the row stays the same: a bounded
 * map from a key (say, a job's partner and job id) to the last row read under
 * it and what it decoded to. A read that finds the row unchanged (as many
 * values, each `===` the one kept) gets the value decoded then, without
 * decoding again; any change, by this process or another, an `UPDATE` that
 * keeps the version or a hand edit included, decodes afresh (and a row that
 * no longer decodes fails as it would without the memo).
 *
 * It serves job_status polls, which read the same few in-flight jobs again
 * and again: the comparison of a row's values costs a fraction of a `Schema`
 * decode of it, and a row read as an array of values (see
 * `SqliteReads.RowRead`) needs no object built unless it changed. Values
 * must be immutable, since every reader of an unchanged row gets the same one.
 *
 * The least recently read key is dropped once `capacity` keys are kept.
 */

/** A row as a driver answers it in raw mode: its columns' values, in the statement's column order. */
export type Row = ReadonlyArray<unknown>

export interface RowMemo<A> {
  /** The value of `row`, read under `key`: the one kept when the row is unchanged, else `decode(row)` (kept from now on). */
  readonly valueOf: (key: string, row: Row, decode: (row: Row) => A) => A
  /** How many keys are kept. */
  readonly size: () => number
}

/** Whether two rows have as many values, each identical (`===`: a Buffer value is never equal, so always decoded). */
const sameRow = (a: Row, b: Row): boolean => {
  if (a.length !== b.length) return false
  for (let column = 0; column < a.length; column++) {
    if (a[column] !== b[column]) return false
  }
  return true
}

/** A memo of at most `capacity` keys (at least 1). */
export const make = <A>(capacity: number): RowMemo<A> => {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number of at least 1 (got ${capacity})`)
  const kept = new Map<string, { readonly row: Row; readonly value: A }>()
  return {
    valueOf: (key, row, decode) => {
      const entry = kept.get(key)
      // Delete before setting again, so that the map's order is the order of the last reads.
      if (entry !== undefined) kept.delete(key)
      // An unchanged row keeps its entry: a read that finds it allocates nothing here.
      const current = entry !== undefined && sameRow(entry.row, row) ? entry : { row, value: decode(row) }
      kept.set(key, current)
      if (kept.size > capacity) kept.delete(kept.keys().next().value as string)
      return current.value
    },
    size: () => kept.size
  }
}
