/**
 * Independent witnesses for zips in tests: CPython's `zipfile` (always on the
 * project's machines) and Info-ZIP's `unzip` where it is installed.
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export interface PythonEntry {
  readonly name: string
  readonly method: number
  readonly dateTime: ReadonlyArray<number>
  readonly size: number
  readonly crc: number
  readonly sha256: string
}

const inspectScript = `
import hashlib, io, json, sys, zipfile
z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
print(json.dumps({"firstBad": z.testzip(), "entries": [
  {"name": i.filename, "method": i.compress_type, "dateTime": list(i.date_time), "size": i.file_size,
   "crc": i.CRC, "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()]}))
`

/** What Python's zipfile reads in `zip`; `firstBad` is the first entry failing its CRC (testzip), or null. */
export const inspectWithPython = (zip: Uint8Array): { firstBad: string | null; entries: ReadonlyArray<PythonEntry> } =>
  JSON.parse(execFileSync("python3", ["-c", inspectScript], { input: zip, encoding: "utf8" }))

const writeScript = `
import io, json, sys, zipfile
spec = json.load(sys.stdin)
streamed = sys.argv[1] == "streamed"
# Into a pipe, which cannot seek, zipfile writes each entry's sizes and CRC in a data descriptor after it.
target = sys.stdout.buffer if streamed else io.BytesIO()
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
  for name, content in spec:
    z.writestr(name, bytes.fromhex(content))
if not streamed:
  sys.stdout.buffer.write(target.getvalue())
`

/**
 * A deflated zip written by Python's zipfile, as the Python SDK writes them;
 * `streamed` writes it into a pipe, so every entry gets a data descriptor.
 */
export const zipWithPython = (
  entries: ReadonlyArray<readonly [string, Uint8Array]>,
  mode: "buffered" | "streamed" = "buffered"
): Uint8Array =>
  new Uint8Array(
    execFileSync("python3", ["-c", writeScript, mode], {
      input: JSON.stringify(entries.map(([name, bytes]) => [name, Buffer.from(bytes).toString("hex")]))
    })
  )

/** Whether Info-ZIP's `unzip` is on the PATH. */
export const hasUnzip = (): boolean => spawnSync("unzip", ["-v"], { stdio: "ignore" }).status === 0

/** `unzip -t` on `zip`: its exit status and output. */
export const testWithUnzip = (zip: Uint8Array): { status: number | null; output: string } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adapter-zip-"))
  try {
    const file = path.join(dir, "job.zip")
    fs.writeFileSync(file, zip)
    const result = spawnSync("unzip", ["-t", file], { encoding: "utf8" })
    return { status: result.status, output: result.stdout + result.stderr }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
