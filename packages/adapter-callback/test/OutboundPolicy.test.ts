import { assert, describe, it } from "@effect/vitest"
import { OutboundPolicy } from "@selfie-auth/adapter-callback"
import { Effect } from "effect"

describe("OutboundPolicy.classify", () => {
  const table: ReadonlyArray<readonly [string, OutboundPolicy.AddressClass]> = [
    ["93.184.216.34", "public"],
    ["2606:2800:220:1:248:1893:25c8:1946", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["172.15.255.255", "public"],
    ["192.168.1.1", "private"],
    ["fc00::1", "private"],
    ["fdff:ffff::1", "private"],
    ["169.254.10.1", "linkLocal"],
    ["fe80::1", "linkLocal"],
    ["fe80::1%eth0", "linkLocal"],
    ["febf::1", "linkLocal"],
    ["fec0::1", "public"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "multicast"],
    ["ff02::1", "multicast"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "metadata"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["[::1]", "loopback"]
  ]
  for (const [address, expected] of table) {
    it(`${address} is ${expected}`, () => assert.strictEqual(OutboundPolicy.classify(address), expected))
  }

  it("is undefined for a name", () => assert.isUndefined(OutboundPolicy.classify("partner.example")))
})

describe("OutboundPolicy.check", () => {
  it.effect("refuses private, loopback, link-local and metadata addresses under the strict policy", () =>
    Effect.gen(function*() {
      for (const url of ["http://10.1.2.3/cb", "http://127.0.0.1:8080/cb", "http://169.254.1.1/", "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://[::ffff:192.168.0.1]/"]) {
        const error = yield* Effect.flip(OutboundPolicy.check(url, OutboundPolicy.strict))
        assert.strictEqual(error.reason, "Address", url)
      }
      const metadata = yield* Effect.flip(OutboundPolicy.check("http://169.254.169.254/", OutboundPolicy.strict))
      assert.include(metadata.message, "cloud metadata address")
    }))

  it.effect("sees through the usual disguises of loopback and private addresses", () =>
    Effect.gen(function*() {
      // The URL parser normalises IPv4 shorthand, decimal, octal and hex forms before the check.
      for (const url of ["http://127.1/", "http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://[0:0:0:0:0:0:0:1]/"]) {
        const error = yield* Effect.flip(OutboundPolicy.check(url, OutboundPolicy.strict))
        assert.strictEqual(error.reason, "Address", url)
      }
      const decimal = yield* Effect.flip(OutboundPolicy.check("http://2130706433/", OutboundPolicy.strict))
      assert.include(decimal.message, "points to 127.0.0.1")
    }))

  it.effect("checks every address a name resolves to (localhost)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(OutboundPolicy.check("http://localhost:9/cb", OutboundPolicy.strict))
      assert.strictEqual(error.reason, "Address")
      assert.include(error.message, "\"localhost\" resolves to")
      const allowed = yield* OutboundPolicy.check("http://localhost:9/cb", OutboundPolicy.localEvaluation)
      assert.strictEqual(OutboundPolicy.classify(allowed.address), "loopback")
    }))

  it.effect("lets the local evaluation profile reach loopback but nothing else private", () =>
    Effect.gen(function*() {
      const destination = yield* OutboundPolicy.check("http://127.0.0.1:8080/cb", OutboundPolicy.localEvaluation)
      assert.deepStrictEqual([destination.address, destination.family], ["127.0.0.1", 4])
      const privateError = yield* Effect.flip(OutboundPolicy.check("http://192.168.0.10/", OutboundPolicy.localEvaluation))
      assert.strictEqual(privateError.reason, "Address")
      const unspecified = yield* Effect.flip(
        OutboundPolicy.check("http://0.0.0.0:8080/", { schemes: ["http:"], allow: ["loopback", "private", "linkLocal", "metadata"] })
      )
      assert.include(unspecified.message, "never allowed")
    }))

  it.effect("accepts public addresses and refuses other schemes and non-URLs", () =>
    Effect.gen(function*() {
      const destination = yield* OutboundPolicy.check("https://93.184.216.34/cb", OutboundPolicy.strict)
      assert.strictEqual(destination.url.protocol, "https:")
      const ftp = yield* Effect.flip(OutboundPolicy.check("ftp://93.184.216.34/cb", OutboundPolicy.strict))
      assert.strictEqual(ftp.reason, "Scheme")
      const httpsOnly = yield* Effect.flip(OutboundPolicy.check("http://93.184.216.34/", { schemes: ["https:"], allow: [] }))
      assert.include(httpsOnly.message, "use https:")
      const notUrl = yield* Effect.flip(OutboundPolicy.check("partner.example/cb", OutboundPolicy.strict))
      assert.strictEqual(notUrl.reason, "InvalidUrl")
      const unresolvable = yield* Effect.flip(OutboundPolicy.check("http://no-such-host.invalid/", OutboundPolicy.strict))
      assert.strictEqual(unresolvable.reason, "Unresolvable")
    }))

  it("pins every lookup to the checked address, in both callback forms", () => {
    const lookup = OutboundPolicy.pinnedLookup({ url: new URL("http://partner.example/"), address: "93.184.216.34", family: 4 })
    const answers: Array<unknown> = []
    lookup("partner.example", {}, (_error, address, family) => answers.push([address, family]))
    lookup("partner.example", { all: true }, (_error, addresses) => answers.push(addresses))
    assert.deepStrictEqual(answers, [["93.184.216.34", 4], [{ address: "93.184.216.34", family: 4 }]])
  })
})
