import { assert, describe, it } from "@effect/vitest"
import { describeFailure } from "../src/Cli.js"

const systemError = (code: string) => Object.assign(new Error(`listen ${code} 127.0.0.1:8443`), { code })

describe("describeFailure", () => {
  it("says what to do when the port is taken, however deeply the system error is wrapped", () => {
    const wrapped = new Error("", { cause: { _tag: "ServeError", cause: systemError("EADDRINUSE") } })
    assert.include(describeFailure(wrapped), "the port is already in use")
    assert.include(describeFailure(wrapped), "--port")
  })

  it("names the fix for a privileged port and for a host that is not local", () => {
    assert.include(describeFailure(systemError("EACCES")), "above 1023")
    assert.include(describeFailure(systemError("EADDRNOTAVAIL")), "--host")
  })

  it("falls back to the first message in the chain, never to an empty one", () => {
    assert.strictEqual(describeFailure(new Error("", { cause: new Error("the face engine could not load its models") })),
      "the face engine could not load its models")
    assert.strictEqual(describeFailure("plain words"), "plain words")
  })
})
