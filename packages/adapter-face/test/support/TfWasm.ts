/**
 * tfjs's WASM backend in the test process, set up as a face worker sets it up:
 * one thread, the `.wasm` files from tfjs-backend-wasm's own folder.
 */
import { createRequire } from "node:module"
import * as path from "node:path"

const require = createRequire(import.meta.url)

/** The members of tfjs-core that selecting the backend needs. */
export interface BackendSelection {
  readonly setBackend: (name: string) => Promise<boolean>
  readonly ready: () => Promise<void>
  readonly env: () => { set: (flag: string, value: boolean) => void }
}

/** Selects the single-threaded WASM backend on `tf` and waits until it is ready. */
export const useWasmBackend = async (tf: BackendSelection): Promise<void> => {
  const wasm = require("@tensorflow/tfjs-backend-wasm") as { setWasmPaths: (prefix: string, usePlatformFetch?: boolean) => void }
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false)
  wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep, false)
  await tf.setBackend("wasm")
  await tf.ready()
}
