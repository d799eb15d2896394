/** User administration: the signed admin API and the operations it shares with the console. */
export * as AdminRoutes from "./AdminRoutes.js"
export * from "./ReplayGuard.js"
export * as UserAdmin from "./UserAdmin.js"
