import { DeliveryLogSql, JobStoreSql, ReviewQueueSql, UserStoreSql } from "@selfie-auth/adapter-sql"
import { Layer } from "effect"
import { deliveryLogContract } from "../../core/test/contracts/DeliveryLogContract.js"
import { jobStoreContract } from "../../core/test/contracts/JobStoreContract.js"
import { reviewQueueContract } from "../../core/test/contracts/ReviewQueueContract.js"
import { userStoreContract } from "../../core/test/contracts/UserStoreContract.js"
import * as TestDatabases from "./TestDatabases.js"

userStoreContract("Postgres", UserStoreSql.layer.pipe(Layer.provide(TestDatabases.postgres), Layer.orDie))
jobStoreContract("Postgres", JobStoreSql.layer.pipe(Layer.provide(TestDatabases.postgres), Layer.orDie))
reviewQueueContract("Postgres", ReviewQueueSql.layer.pipe(Layer.provide(TestDatabases.postgres), Layer.orDie))
deliveryLogContract("Postgres", DeliveryLogSql.layer.pipe(Layer.provide(TestDatabases.postgres), Layer.orDie))
