import { DeliveryLogSql, JobStoreSql, ReviewQueueSql, UserStoreSql } from "@selfie-auth/adapter-sql"
import { Layer } from "effect"
import { deliveryLogContract } from "../../core/test/contracts/DeliveryLogContract.js"
import { jobStoreContract } from "../../core/test/contracts/JobStoreContract.js"
import { reviewQueueContract } from "../../core/test/contracts/ReviewQueueContract.js"
import { userStoreContract } from "../../core/test/contracts/UserStoreContract.js"
import * as TestDatabases from "./TestDatabases.js"

userStoreContract("SQLite", UserStoreSql.layer.pipe(Layer.provide(TestDatabases.sqlite), Layer.orDie))
jobStoreContract("SQLite", JobStoreSql.layer.pipe(Layer.provide(TestDatabases.sqlite), Layer.orDie))
reviewQueueContract("SQLite", ReviewQueueSql.layer.pipe(Layer.provide(TestDatabases.sqlite), Layer.orDie))
deliveryLogContract("SQLite", DeliveryLogSql.layer.pipe(Layer.provide(TestDatabases.sqlite), Layer.orDie))
