import { JobStore } from "@selfie-auth/core"
import { jobStoreContract } from "./contracts/JobStoreContract.js"

jobStoreContract("memory", JobStore.layerMemory)
