/** The reviewers file: what it accepts, and refusals that name the entry and the fix. */
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { ConsoleServerConfig, parseReviewersFile } from "../../src/console/ConsoleConfig.js"

const hash = "$scrypt$ln=15,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$" + Buffer.alloc(32, 7).toString("base64").replace(/=+$/, "")

const problems = (json: unknown) =>
  Either.match(parseReviewersFile(JSON.stringify(json), "reviewers.json"), { onLeft: (error) => error.message, onRight: () => "accepted" })

describe("reviewers file", () => {
  it("decodes reviewers with their role, partners and parsed hash", () => {
    const reviewers = Either.getOrThrow(parseReviewersFile(
      JSON.stringify([{ username: "alice", passwordHash: hash, role: "reviewer", partners: ["001"] }]),
      "reviewers.json"
    ))
    assert.strictEqual(reviewers.length, 1)
    assert.deepStrictEqual([reviewers[0]?.username, reviewers[0]?.role, reviewers[0]?.partners], ["alice", "reviewer", ["001"]])
    assert.strictEqual(reviewers[0]?.passwordHash.logN, 15)
  })

  it("lists every problem with its path", () => {
    const message = problems([
      { username: "alice", passwordHash: "hunter2", role: "reviewer", partners: ["001"] },
      { username: "bob smith", passwordHash: hash, role: "root", partners: [] },
      { username: "ALICE", passwordHash: hash, role: "admin", partners: ["001"], password: "plain" }
    ])
    assert.include(message, "reviewers file reviewers.json:")
    assert.include(message, "[0].passwordHash expected $scrypt$ln=<n>,r=<n>,p=<n>$<salt base64>$<hash base64>")
    assert.include(message, "[1].username must be 1 to 64 letters")
    assert.include(message, "[1].role")
    assert.include(message, "[1].partners")
    assert.include(message, "[2].password")
  })

  it("refuses a name listed twice (case-insensitive) and text that is not JSON", () => {
    assert.include(
      problems([
        { username: "alice", passwordHash: hash, role: "reviewer", partners: ["001"] },
        { username: "Alice", passwordHash: hash, role: "admin", partners: ["002"] }
      ]),
      '[1].username "Alice" is listed twice'
    )
    assert.include(
      Either.match(parseReviewersFile("[{", "r.json"), { onLeft: (error) => error.message, onRight: () => "" }),
      "is not valid JSON"
    )
  })

  it("the server options: a session lifetime from 1 minute to 7 days, 8 hours by default", () => {
    const decode = Schema.decodeUnknownEither(ConsoleServerConfig)
    assert.deepStrictEqual(Either.getOrThrow(decode({})), { sessionTtlSeconds: 28_800 })
    assert.isTrue(Either.isLeft(decode({ sessionTtlSeconds: 30 })))
    assert.isTrue(Either.isLeft(decode({ sessionTtlSeconds: 8 * 24 * 3600 })))
    assert.deepStrictEqual(Either.getOrThrow(decode({ reviewersFile: "/etc/selfie/reviewers.json", sessionTtlSeconds: 600 })), {
      reviewersFile: "/etc/selfie/reviewers.json",
      sessionTtlSeconds: 600
    })
  })
})
