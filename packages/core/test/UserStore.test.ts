import { UserStore } from "@selfie-auth/core"
import { userStoreContract } from "./contracts/UserStoreContract.js"

userStoreContract("memory", UserStore.layerMemory)
