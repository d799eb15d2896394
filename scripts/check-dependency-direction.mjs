#!/usr/bin/env node
// Keeps the dependencies pointing inward (docs/architecture.md):
// - packages/core imports only `effect` (and its own files);
// - packages/* never import apps/*;
// - no source file reaches out of its own package with a relative path;
// - every bare import is declared in the importing package's package.json.
// Exits 1 and lists every violation; prints one summary line otherwise.
import * as fs from "node:fs"
import * as path from "node:path"
import { builtinModules } from "node:module"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))

const workspaceDirs = ["packages", "apps"].flatMap((group) => {
  const dir = path.join(root, group)
  return fs.existsSync(dir)
    ? fs.readdirSync(dir).map((name) => path.join(dir, name)).filter((d) => fs.existsSync(path.join(d, "package.json")))
    : []
})

const sourceFiles = (dir) =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && /\.(ts|tsx|mts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts"))
        .map((e) => path.join(e.parentPath ?? e.path, e.name))
    : []

const packageNameOf = (specifier) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]

const violations = []
let checked = 0
for (const pkgDir of workspaceDirs) {
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"))
  const rel = path.relative(root, pkgDir)
  const isCore = rel === path.join("packages", "core")
  const isPackage = rel.startsWith("packages" + path.sep)
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {})
  ])
  for (const file of sourceFiles(path.join(pkgDir, "src"))) {
    checked++
    const where = path.relative(root, file)
    const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true)
    for (const { fileName: specifier } of info.importedFiles) {
      if (specifier.startsWith(".")) {
        const target = path.resolve(path.dirname(file), specifier)
        if (!target.startsWith(pkgDir + path.sep)) violations.push(`${where}: relative import "${specifier}" leaves its package`)
        continue
      }
      if (isCore) {
        if (specifier !== "effect" && !specifier.startsWith("effect/")) {
          violations.push(`${where}: packages/core may import only "effect", not "${specifier}"`)
        }
        continue
      }
      if (builtins.has(specifier)) continue
      const name = packageNameOf(specifier)
      if (isPackage && /^@selfie-auth\/(reference-server|cli)$/.test(name)) {
        violations.push(`${where}: a package must not import the app "${name}"`)
      }
      if (!declared.has(name)) violations.push(`${where}: "${name}" is imported but not declared in ${rel}/package.json`)
    }
  }
}

if (violations.length > 0) {
  console.error(`dependency direction: ${violations.length} violation(s)`)
  for (const v of violations) console.error(`  ${v}`)
  process.exit(1)
}
console.log(`dependency direction: ${checked} source files checked, no violations`)
