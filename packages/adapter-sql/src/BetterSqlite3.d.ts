/**
 * The part of better-sqlite3's API that {@link SqliteReads} uses (the
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
      all(...params: ReadonlyArray<string | number | null>): Array<unknown>
    }
    interface Database {
      prepare(source: string): Statement
      close(): void
    }
  }
  const Database: new(filename: string, options?: Database.Options) => Database.Database
  export default Database
}
