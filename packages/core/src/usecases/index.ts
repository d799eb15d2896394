/**
 * The use cases: orchestration over the ports, no technology. Each takes
 * what the request carries (and the partner's account) and answers what the
 * v1 API sends back, failing with the general error (22xx) a partner gets.
 *
 * | use case | endpoint |
 * |---|---|
 * | {@link PrepareUpload.prepareUpload} | `POST /v1/upload` |
 * | {@link AcceptUpload.acceptUpload} | `PUT <upload_url>` |
 * | {@link JobStatus.jobStatus} | `POST /v1/job_status` |
 * | {@link ManageUser.manageUser} | the operator's user actions |
 */
export * as AcceptUpload from "./AcceptUpload.js"
export * as JobStatus from "./JobStatus.js"
export * as ManageUser from "./ManageUser.js"
export * as PartnerAccount from "./PartnerAccount.js"
export * as PrepareUpload from "./PrepareUpload.js"
