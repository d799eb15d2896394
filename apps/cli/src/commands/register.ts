/** `selfie-auth register --user U --selfie a.jpg --liveness dir/`: register a user's selfie (job type 4). */
import { submitJobCommand } from "../SubmitJob.js"

export const register = submitJobCommand(4)
