// The baseline of the reference-server benchmark: a bare node:http handler
// that reads each request's JSON body and answers the JSON the real server
// answered for the same endpoint (captured once by the benchmark), with no
// signature check, no storage and no framework. Run as its own process:
//
//   node bench/bareServer.mjs <answers.json> <keep-alive millis>
//
// where answers.json maps a path ("/v1/upload", "/v1/job_status") to the
// answer body, and the keep-alive timeout is the reference server's
// (Listener.keepAliveTimeoutMillis, passed by the benchmark). Prints
// `listening on http://127.0.0.1:<port>` when ready.
import * as fs from "node:fs"
import * as http from "node:http"

const answers = JSON.parse(fs.readFileSync(process.argv[2], "utf8"))

const server = http.createServer((request, response) => {
  const chunks = []
  request.on("data", (chunk) => chunks.push(chunk))
  request.on("end", () => {
    const answer = answers[request.url ?? ""]
    if (request.method !== "POST" || answer === undefined) {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}')
      return
    }
    try {
      JSON.parse(Buffer.concat(chunks).toString("utf8"))
    } catch {
      response.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid json"}')
      return
    }
    response.writeHead(200, { "content-type": "application/json" }).end(answer)
  })
})

// As the reference server does: a load generator's client that waits for the others between its warm-up and its
// measured requests must not find its connection closed under it.
const keepAliveMillis = Number(process.argv[3])
if (!Number.isInteger(keepAliveMillis) || keepAliveMillis <= 0) {
  throw new Error(`the keep-alive timeout (second argument) must be a positive whole number of milliseconds, got ${process.argv[3]}`)
}
server.keepAliveTimeout = keepAliveMillis
server.headersTimeout = keepAliveMillis + 1_000

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`)
})
process.on("SIGTERM", () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
