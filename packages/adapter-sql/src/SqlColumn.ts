/**
 * Column schemas that read the same value from either driver.
 *
 * - node-postgres answers `BIGINT` columns as strings (a 64-bit integer may
 *   not fit a JavaScript number) and `JSON` columns already parsed;
 *   better-sqlite3 answers numbers and JSON text.
 * - Writing goes through the first member of each union: a number, JSON text.
 *
 * @internal
 */
import { Schema } from "effect"

/** An integer column: a number (SQLite, Postgres `INTEGER`) or a string of digits (Postgres `BIGINT`). */
export const integer = Schema.Union(Schema.Int, Schema.NumberFromString.pipe(Schema.int()))

/** A nullable integer column (`NULL` until the step it records has happened). */
export const optionalInteger = Schema.NullOr(integer)

/**
 * A JSON column holding `schema`'s encoded form: JSON text (written, and read
 * back from SQLite) or the value node-postgres already parsed.
 */
export const json = <A, I>(schema: Schema.Schema<A, I>) => {
  const encoded = Schema.encodedSchema(schema)
  return Schema.Union(Schema.parseJson(encoded), encoded)
}

