/**
 * Locates the project's own golden fixtures, so tests run from a fresh clone.
 * See README.md beside this package for where each file came from.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** `official-sdk/`: captured requests, zips and SDK outcomes of the official Node and Python SDKs. */
export const officialSdkDir = path.join(packageRoot, "official-sdk")

/** One captured HTTP request of an official SDK. */
export interface CapturedRequest {
  readonly seq: number
  readonly scenario: string
  readonly method: string
  readonly url: string
  readonly rawHeaders: ReadonlyArray<string>
  readonly rawBody: string
  readonly body: unknown
  readonly signatureCheck?: string
  /** The file name under `official-sdk/log`. */
  readonly file: string
}

/** Every captured request, in capture order. */
export const capturedRequests = (): ReadonlyArray<CapturedRequest> => {
  const dir = path.join(officialSdkDir, "log")
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((file) => ({ ...(JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as object), file }) as CapturedRequest)
}

/** The captured zips, by file name. */
export const capturedZips = (): ReadonlyArray<{ readonly name: string; readonly bytes: Uint8Array }> => {
  const dir = path.join(officialSdkDir, "zips")
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".zip"))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(path.join(dir, name))) }))
}

/** The info.json extracted from a captured zip (`<scenario>-<hash>`). */
export const extractedInfoJson = (zipName: string): unknown =>
  JSON.parse(fs.readFileSync(path.join(officialSdkDir, "extracted", zipName.replace(/\.zip$/, ".info.json")), "utf8"))

/** `faces/`: a handful of labelled face photos (see faces/README.md). */
export const facesDir = path.join(packageRoot, "faces")

export const readFace = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(facesDir, name)))

/** `demo/`: photos of two people for the main demo and end-to-end tests (see demo/README.md). */
export const demoDir = path.join(packageRoot, "demo")

export const readDemo = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(demoDir, name)))
