import { ReviewQueue } from "@selfie-auth/core"
import { reviewQueueContract } from "./contracts/ReviewQueueContract.js"

reviewQueueContract("memory", ReviewQueue.layerMemory)
