import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { ViteUserConfig } from "vitest/config"

const root = path.dirname(fileURLToPath(import.meta.url))

/**
 * Tests import workspace packages from their TypeScript sources, so a test run
 * needs no prior build and always sees the code under test.
 */
const workspaceAlias = (name: string, dir: string) => ({
  find: new RegExp(`^@selfie-auth/${name}$`),
  replacement: path.join(root, dir, "src", "index.ts")
})

export const sharedConfig: ViteUserConfig = {
  resolve: {
    alias: [
      workspaceAlias("core", "packages/core"),
      workspaceAlias("adapter-zip", "packages/adapter-zip"),
      workspaceAlias("adapter-signing", "packages/adapter-signing"),
      workspaceAlias("adapter-http", "packages/adapter-http"),
      workspaceAlias("adapter-s3", "packages/adapter-s3"),
      workspaceAlias("adapter-callback", "packages/adapter-callback"),
      workspaceAlias("adapter-sql", "packages/adapter-sql"),
      workspaceAlias("adapter-fs", "packages/adapter-fs"),
      workspaceAlias("adapter-face", "packages/adapter-face"),
      workspaceAlias("test-fixtures", "packages/test-fixtures")
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default"],
    testTimeout: 30_000
  }
}
