/**
 * The part of better-sqlite3's API that {@link SqliteReads} and {@link SqliteFileLock} use (the
 * package ships no types of its own).
 *
 * @internal
 */
declare module "better-sqlite3" {
  namespace Database {
    interface Options {
      readonly readonly?: boolean
      readonly fileMustExist?: boolean
      /** Milliseconds a statement waits for a lock held by another connection (busy timeout). */
      readonly timeout?: number
    }
    interface Statement {
      /** The first row for the parameters (an array of values in raw mode), or `undefined` when there is none. */
      get(...params: ReadonlyArray<string | number | null>): unknown
      /** Raw mode: rows are arrays of their columns' values instead of objects. */
      raw(toggle?: boolean): this
    }
    interface Database {
      prepare(source: string): Statement
      /** Runs one or more statements that return no rows. */
      exec(source: string): this
      close(): void
    }
  }
  const Database: new(filename: string, options?: Database.Options) => Database.Database
  export default Database
}
