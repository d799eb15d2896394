import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"

describe("SignerWebCrypto source", () => {
  const source = fs.readFileSync(fileURLToPath(new URL("../src/SignerWebCrypto.ts", import.meta.url)), "utf8")
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "")

  it("imports nothing from node:, statically or dynamically", () => {
    assert.notMatch(code, /from\s+["']node:/)
    assert.notMatch(code, /import\s*\(\s*["']node:/)
    assert.notMatch(code, /require\s*\(/)
  })

  it("imports only effect and core", () => {
    const imported = [...code.matchAll(/from\s+["']([^"']+)["']/g)].map((match) => match[1])
    assert.deepStrictEqual(imported.sort(), ["@selfie-auth/core", "effect"])
  })

  it("uses no Node globals", () => {
    assert.notMatch(code, /\bBuffer\b/)
    assert.notMatch(code, /\bprocess\b/)
  })
})
