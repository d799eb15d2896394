/**
 * The labelled face set the benchmarks read: `../shared/faces` beside the
 * repository, or `--dataset DIR` (a folder with `labels.tsv` — file, person,
 * kind, note, source — and `images/`). A benchmark run without one says so
 * and how to pass another, and exits 0 having measured nothing.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..")

/** A path given on the command line, relative to where the `pnpm` command was typed (pnpm runs scripts in this package). */
export const fromWhereTyped = (dir: string) => path.resolve(process.env["INIT_CWD"] ?? process.cwd(), dir)

export interface Label {
  readonly file: string
  readonly person: string
  readonly kind: string
  readonly note: string
}

/** The set's folder and labels, or the process ends with the message saying none was found (`command` is the pnpm script). */
export const openDataset = (datasetArg: string | undefined, command: string) => {
  const dir = datasetArg === undefined ? path.join(repoRoot, "..", "shared", "faces") : fromWhereTyped(datasetArg)
  const labelsPath = path.join(dir, "labels.tsv")
  if (!fs.existsSync(labelsPath)) {
    console.log(
      `${command}: no labelled face set at ${dir} (expected ${labelsPath} and an images/ folder).\n` +
        `Nothing measured. Pass another set with: pnpm ${command} --dataset DIR\n` +
        `(labels.tsv: tab-separated file, person, kind, note, source; kinds single, multi, noface, partial, dark, bright, blur, small, spoof, real).`
    )
    process.exit(0)
  }
  const labels: ReadonlyArray<Label> = fs.readFileSync(labelsPath, "utf8").split("\n").slice(1)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [file = "", person = "", kind = "", note = ""] = line.split("\t")
      return { file, person, kind, note }
    })
  /** An image of the set, as bytes. */
  const readImage = (file: string) => new Uint8Array(fs.readFileSync(path.join(dir, "images", file)))
  return { dir, labels, readImage }
}
