import { idGeneratorContract } from "../../../packages/core/test/contracts/IdGeneratorContract.js"
import * as IdGeneratorRandom from "../src/IdGeneratorRandom.js"

idGeneratorContract("node:crypto", IdGeneratorRandom.layer)
