/** `selfie-auth authenticate --user U --selfie a.jpg --liveness dir/`: authenticate a registered user (job type 2). */
import { submitJobCommand } from "../SubmitJob.js"

export const authenticate = submitJobCommand(2)
