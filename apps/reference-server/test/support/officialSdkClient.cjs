// Runs the official smile-identity-core@3.2.1 Node SDK against a server, in
// its own process so that NODE_EXTRA_CA_CERTS (read by Node at start-up)
// makes it trust the server's self-signed certificate. Input: one JSON
// argument; output: one JSON line with what each SDK call resolved to.
"use strict"
const { Signature, Utilities, WebApi } = require("smile-identity-core")

const input = JSON.parse(process.argv[2])
const { url, partnerId, apiKey, steps } = input

const outcome = async (promise) => {
  try {
    return { ok: true, value: await promise }
  } catch (error) {
    return { ok: false, error: String(error && error.message ? error.message : error) }
  }
}

const main = async () => {
  const results = []
  const confirm = (body) => new Signature(partnerId, apiKey).confirm_signature(body.timestamp, body.signature)
  for (const step of steps) {
    if (step.kind === "submit_job") {
      const api = new WebApi(partnerId, step.callbackUrl ?? "", apiKey, url)
      const result = await outcome(api.submit_job(step.partnerParams, step.images, { entered: "false" }, {
        return_job_status: true,
        return_history: true,
        return_images: true
      }))
      results.push({ ...result, confirmed: result.ok ? confirm(result.value) : false })
    } else if (step.kind === "get_job_status") {
      const result = await outcome(new Utilities(partnerId, apiKey, url).get_job_status(step.userId, step.jobId, {
        return_history: true,
        return_images: true
      }))
      results.push({ ...result, confirmed: result.ok ? confirm(result.value) : false })
    }
  }
  process.stdout.write(JSON.stringify(results) + "\n")
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n")
  process.exit(1)
})
