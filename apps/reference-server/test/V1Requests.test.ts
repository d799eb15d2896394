/**
 * `V1Requests.readBody`, the reader of every v1 JSON body (the `HttpApi`
 * entry and the direct job_status route): what it keeps and when it decides.
 */
import type * as http from "node:http"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import type { BodyRead } from "../src/v1/V1Requests.js"
import { readBody } from "../src/v1/V1Requests.js"

const limit = 1024

/** A request whose body the test writes; `reads` collects what `readBody` decided. */
const incoming = (headers: http.IncomingHttpHeaders = {}) => {
  const stream = new PassThrough()
  const request = Object.assign(stream, { headers }) as unknown as http.IncomingMessage
  const reads: Array<BodyRead> = []
  readBody(request, limit, (read) => reads.push(read))
  return { stream, reads }
}

const settled = () => new Promise((resolve) => setImmediate(resolve))

describe("readBody", () => {
  it("refuses a declared Content-Length over the limit at once, without reading the body", () => {
    const { stream, reads } = incoming({ "content-length": String(limit + 1) })
    expect(reads).toEqual([{ _tag: "TooLarge" }])
    expect(stream.listenerCount("data")).toBe(0)
    expect(stream.readableFlowing).toBe(null)
  })

  it("reads a body of exactly the limit, declared or chunked, byte for byte", async () => {
    const declared = incoming({ "content-length": String(limit) })
    declared.stream.end(Buffer.alloc(limit, "a"))
    await settled()
    expect(declared.reads).toEqual([{ _tag: "Read", bytes: Buffer.alloc(limit, "a") }])

    const chunked = incoming()
    chunked.stream.write(Buffer.alloc(limit / 2, "b"))
    chunked.stream.write(Buffer.alloc(limit / 2, "c"))
    chunked.stream.end()
    await settled()
    expect(chunked.reads).toEqual([{ _tag: "Read", bytes: Buffer.concat([Buffer.alloc(limit / 2, "b"), Buffer.alloc(limit / 2, "c")]) }])
  })

  it("refuses a chunked body once it passes the limit: at its end within twice the limit, at once past that", async () => {
    const short = incoming()
    short.stream.write(Buffer.alloc(limit + 1))
    await settled()
    expect(short.reads).toEqual([])
    short.stream.end(Buffer.alloc(100))
    await settled()
    expect(short.reads).toEqual([{ _tag: "TooLarge" }])

    const flood = incoming()
    flood.stream.write(Buffer.alloc(limit))
    flood.stream.write(Buffer.alloc(limit))
    await settled()
    expect(flood.reads).toEqual([])
    flood.stream.write(Buffer.alloc(1))
    await settled()
    expect(flood.reads).toEqual([{ _tag: "TooLarge" }])
    // Whatever still comes is thrown away; the decision stands.
    flood.stream.end(Buffer.alloc(limit))
    await settled()
    expect(flood.reads).toEqual([{ _tag: "TooLarge" }])
  })

  it("reports a body cut short as unreadable", async () => {
    const { stream, reads } = incoming()
    stream.write("{\"partner_id\":")
    stream.destroy(new Error("aborted"))
    await settled()
    expect(reads).toEqual([{ _tag: "Unreadable" }])
  })
})
