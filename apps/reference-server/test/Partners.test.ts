import { assert, describe, it } from "@effect/vitest"
import { Duration, Either, Option, Redacted } from "effect"
import { Timestamp } from "@selfie-auth/core"
import { parsePartnersFile, Partners } from "../src/Partners.js"
import { Effect } from "effect"

const parse = (json: unknown) => parsePartnersFile(typeof json === "string" ? json : JSON.stringify(json), "partners.json")

describe("Partners file", () => {
  it("decodes a partner with defaults: both products, no production, the default signature window", () => {
    const partners = Either.getOrThrow(parse([{ partnerId: "001", apiKey: "k-secret-1", callbackPolicy: "public-only" }]))
    assert.strictEqual(partners.length, 1)
    const [partner] = partners
    assert.strictEqual(partner?.partnerId, "001")
    assert.strictEqual(Redacted.value(partner!.apiKey), "k-secret-1")
    assert.deepStrictEqual(partner?.products, { authentication: true, registration: true })
    assert.strictEqual(partner?.productionEnabled, false)
    assert.strictEqual(partner?.signatureWindow, Timestamp.defaultWindow)
  })

  it("keeps the api key out of every printed form", () => {
    const partners = Either.getOrThrow(parse([{ partnerId: "001", apiKey: "k-secret-1", callbackPolicy: "public-only" }]))
    assert.notInclude(String(partners[0]?.apiKey), "k-secret-1")
    assert.notInclude(JSON.stringify(partners), "k-secret-1")
  })

  it("reads a signature window in seconds", () => {
    const [partner] = Either.getOrThrow(parse([
      { partnerId: "001", apiKey: "k", callbackPolicy: "local-evaluation", signatureWindow: { pastSeconds: 60, futureSeconds: 5 } }
    ]))
    assert.strictEqual(Duration.toMillis(partner!.signatureWindow.past), 60_000)
    assert.strictEqual(Duration.toMillis(partner!.signatureWindow.future), 5_000)
  })

  it("names every problem with its path and says what an entry needs", () => {
    const result = parse([
      { partnerId: "001", apiKey: "", callbackPolicy: "public-only" },
      { partnerId: "001", apiKey: "k", callbackPolicy: "open", colour: "red" },
      { apiKey: "k", callbackPolicy: "public-only", productionEnabled: "yes" }
    ])
    if (Either.isRight(result)) return assert.fail("expected an error")
    const message = result.left.message
    assert.match(message, /^partners file partners\.json: /)
    assert.include(message, "[0].apiKey")
    assert.include(message, "[1].callbackPolicy")
    assert.include(message, "[1].colour")
    assert.include(message, "[2].partnerId is required")
    assert.include(message, "[2].productionEnabled")
    assert.include(message, "callbackPolicy (\"public-only\" or \"local-evaluation\")")
  })

  it("refuses a partner listed twice, an empty list and text that is not JSON", () => {
    const twice = parse([
      { partnerId: "001", apiKey: "a", callbackPolicy: "public-only" },
      { partnerId: "001", apiKey: "b", callbackPolicy: "public-only" }
    ])
    assert.match(Either.isLeft(twice) ? twice.left.message : "", /\[1\]\.partnerId partner id "001" is listed twice/)
    assert.isTrue(Either.isLeft(parse([])))
    assert.match(Either.isLeft(parse("[{")) ? parse("[{").pipe(Either.flip, Either.getOrThrow).message : "", /is not valid JSON/)
  })

  it("finds partners by id, and only configured ones", () => {
    const partners = Either.getOrThrow(parse([{ partnerId: "001", apiKey: "k", callbackPolicy: "public-only" }]))
    const found = Effect.runSync(Effect.provide(Partners, Partners.layer(partners)))
    assert.isTrue(Option.isSome(found.find("001")))
    assert.isTrue(Option.isNone(found.find("002")))
  })
})
