#!/usr/bin/env node
/**
 * `selfie-auth-server`: the composition root of the product. Runs the
 * command ({@link Cli.run}) on the product's backend ({@link ProductBackend}).
 */
import * as Cli from "./Cli.js"
import { ProductBackend } from "./ProductBackend.js"

Cli.run(process.argv.slice(2), process.env, ProductBackend.layer).then((code) => {
  process.exitCode = code
  // Everything is closed by now; a stray timer of a dependency must not keep a stopped server alive.
  setTimeout(() => process.exit(code), 2000).unref()
})
