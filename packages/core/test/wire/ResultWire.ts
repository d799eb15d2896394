/** A result object as the server sends it, in wire form: the shared sample of the job_status tests. */
export const resultWire = {
  Actions: { Register_Selfie: "Approved", Selfie_Check: "Passed", Selfie_Provided: "Passed", Liveness_Check: "Not Applicable" },
  ConfidenceValue: "99",
  PartnerParams: { user_id: "user-002", job_id: "job-jt4-b", job_type: 4, branch: "lagos" },
  ResultCode: "0840",
  ResultText: "Enroll User",
  ResultType: "SAIA",
  SmileJobID: "0000000001",
  Source: "WebAPI",
  JSONVersion: "1.0.0",
  IsFinalResult: "true",
  IsMachineResult: "true"
}
