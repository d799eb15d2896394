import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src")

describe("the web entry", () => {
  it("reaches no module that imports node:*", () => {
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = fs.readFileSync(file, "utf8")
      assert.notMatch(text, /from\s+["']node:/, `${path.basename(file)} imports a node: module`)
      for (const [, relative] of text.matchAll(/from\s+["'](\.[^"']+)\.js["']/g)) visit(path.join(path.dirname(file), `${relative}.ts`))
    }
    visit(path.join(src, "web.ts"))
    assert.isTrue(seen.has(path.join(src, "SignerWebCrypto.ts")))
  })
})
