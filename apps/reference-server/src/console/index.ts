/**
 * The human review console: configuration, passwords, sessions, the audit
 * trail, the pages and their routes. See `docs/human-review.md`.
 */
export * as ConsoleConfig from "./ConsoleConfig.js"
export * as ConsolePages from "./ConsolePages.js"
export * as ConsoleRoutes from "./ConsoleRoutes.js"
export * as Html from "./Html.js"
export * as Password from "./Password.js"
export * from "./ReviewAudit.js"
export * as ReviewAuditSql from "./ReviewAuditSql.js"
export * as ReviewConsole from "./ReviewConsole.js"
export * as ReviewImages from "./ReviewImages.js"
export * from "./Sessions.js"
