/**
 * The use cases over the ports' memory layers, with time from `TestClock`.
 * Signatures are checked against WIRE.md's known-answer vector (partner
 * "001", key "test-api-key"); the Signer here is node:crypto, not code under test.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  BlobKey,
  BlobStore,
  Decision,
  GeneralError,
  IdGenerator,
  Ids,
  Job,
  JobStore,
  Signer,
  UploadTarget,
  User,
  UserStore,
  UseCases,
  Wire,
  ZipCodec
} from "@selfie-auth/core"
import { Duration, Effect, Either, Layer, Option, Redacted, TestClock } from "effect"
import { createHmac, timingSafeEqual } from "node:crypto"

const { AcceptUpload, JobStatus, ManageUser, PartnerAccount, PrepareUpload } = UseCases

const signerNodeCrypto = Layer.succeed(
  Signer,
  Signer.make({
    hmacSha256: (key, message) => Effect.sync(() => new Uint8Array(createHmac("sha256", key).update(message).digest())),
    equal: (a, b) => a.length === b.length && timingSafeEqual(a, b)
  })
)

const layers = Layer.mergeAll(
  UserStore.layerMemory,
  JobStore.layerMemory,
  BlobStore.layerMemory,
  IdGenerator.layerMemory,
  UploadTarget.layerMemory({ baseUrl: "https://selfie.test" }),
  ZipCodec.layerMemory(),
  signerNodeCrypto
)

/** WIRE.md's Node vector: this timestamp, partner "001" and key "test-api-key" sign to this. */
const vector = { timestamp: "2024-01-02T03:04:05.678Z", signature: "pvHZLAdiJ6LGPJUylLTnCMMN+dNXaOHCR/bXkZNAbU8=" }
const signedAt = Date.parse(vector.timestamp)

const partnerId = Ids.PartnerId.make("001")
const account: UseCases.PartnerAccount.PartnerAccount = {
  partnerId,
  apiKey: Redacted.make("test-api-key"),
  signatureWindow: { past: Duration.minutes(5), future: Duration.minutes(1) },
  products: { authentication: true, registration: true },
  productionEnabled: false,
  environment: "sandbox",
  callbackPolicy: "public-only"
}

const prepRequest = (options: { userId: string; jobId: string; jobType: 2 | 4; callbackUrl?: string }): Wire.PrepUpload.PrepUploadRequest => ({
  partnerId,
  partnerParams: { userId: Ids.UserId.make(options.userId), jobId: Ids.JobId.make(options.jobId), jobType: options.jobType, extras: { branch: "lagos" } },
  callbackUrl: Option.fromNullable(options.callbackUrl ?? "https://partner.example/callback"),
  fileName: Option.some("selfie.zip"),
  useEnrolledImage: false,
  signature: vector.signature,
  timestamp: vector.timestamp,
  sourceSdk: "javascript",
  sourceSdkVersion: "3.2.1"
})

const prepare = (options: { userId: string; jobId: string; jobType: 2 | 4; callbackUrl?: string }, who = account) =>
  PrepareUpload.prepareUpload({ account: who, request: prepRequest(options), uploadUrlTtl: Duration.minutes(10) })

const statusRequest = (userId: string, jobId: string, flags: { history?: boolean; imageLinks?: boolean } = {}): Wire.JobStatus.JobStatusRequest => ({
  userId: Ids.UserId.make(userId),
  jobId: Ids.JobId.make(jobId),
  partnerId,
  history: flags.history ?? false,
  imageLinks: flags.imageLinks ?? false,
  signature: vector.signature,
  timestamp: vector.timestamp
})

const textBytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"))

const zipFor = (userId: string, jobId: string, jobType: 2 | 4) =>
  Effect.flatMap(ZipCodec, (codec) =>
    codec.pack([
      {
        name: "info.json",
        bytes: textBytes(JSON.stringify({
          package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 } },
          misc_information: { partner_params: { user_id: userId, job_id: jobId, job_type: jobType } },
          images: [{ image_type_id: 0, image: "", file_name: "selfie.jpg" }]
        }))
      },
      { name: "selfie.jpg", bytes: textBytes("not really a jpeg") }
    ]))

const atSigningTime = TestClock.setTime(signedAt)

/** Registers a user the way the pipeline does after an approved registration. */
const registered = (userId: string) =>
  Effect.gen(function*() {
    const users = yield* UserStore
    const fresh = User.make({ partnerId, userId: Ids.UserId.make(userId), at: 0 })
    const next = Either.getOrThrow(User.transition(fresh, {
      _tag: "Register",
      at: 1,
      selfie: { blobKey: User.selfieBlobKeyOf(fresh, Ids.SmileJobId.make("0000000999")), jobId: Ids.JobId.make("reg"), smileJobId: Ids.SmileJobId.make("0000000999") }
    }))
    return yield* users.save(next.user)
  })

describe("prepareUpload", () => {
  it.effect("stores a Created job and answers the upload URL, the Smile job id, a ref id and code 2202", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      const { job, response } = yield* prepare({ userId: "u-1", jobId: "j-1", jobType: 4 })
      assert.deepStrictEqual(
        { ...response, uploadUrl: response.uploadUrl.replace(/token=\w+$/, "token=…") },
        {
          uploadUrl: "https://selfie.test/uploads/001/0000000001/attachments.zip?token=…",
          smileJobId: Ids.SmileJobId.make("0000000001"),
          refId: "ref-000001",
          code: "2202",
          cameraConfig: null
        }
      )
      assert.strictEqual(job.state, "Created")
      assert.strictEqual(job.callbackUrl, "https://partner.example/callback")
      assert.strictEqual(job.timeline.createdAt, signedAt)
      const stored = yield* Effect.flatMap(JobStore, (jobs) => jobs.findByJobId(partnerId, Ids.JobId.make("j-1")))
      assert.deepStrictEqual(Option.map(stored, (found) => found.partnerParams.extras), Option.some({ branch: "lagos" }))
      const grant = yield* Effect.flatMap(UploadTarget, (target) => target.check(response.uploadUrl))
      assert.strictEqual(grant.expiresAt, signedAt + 600_000)
    }).pipe(Effect.provide(layers)))

  it.effect("2205 for a stale timestamp or a signature of another partner, before anything else", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(signedAt + 6 * 60_000)
      const stale = yield* Effect.flip(prepare({ userId: "u-1", jobId: "j-1", jobType: 9 as 4 }))
      assert.strictEqual(stale._tag, "NotAuthorized")
      assert.match(stale.detail, /timestamp is 360 s old; at most 300 s is accepted/)
      yield* atSigningTime
      const otherPartner = yield* Effect.flip(prepare({ userId: "u-1", jobId: "j-1", jobType: 4 }, { ...account, partnerId: Ids.PartnerId.make("002") }))
      assert.strictEqual(otherPartner._tag, "NotAuthorized")
      assert.match(otherPartner.detail, /no partner "001" is configured/)
    }).pipe(Effect.provide(layers)))

  it.effect("2214 when the product is off, 2220 on a production deployment without productionEnabled", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      const off = yield* Effect.flip(prepare({ userId: "u", jobId: "j", jobType: 4 }, { ...account, products: { authentication: true, registration: false } }))
      assert.strictEqual(GeneralError.infoOf(off as GeneralError.GeneralError).code, "2214")
      const production = { ...account, environment: "production" as const }
      const refused = yield* Effect.flip(prepare({ userId: "u", jobId: "j", jobType: 4 }, production))
      assert.strictEqual(GeneralError.infoOf(refused as GeneralError.GeneralError).code, "2220")
      const allowed = yield* prepare({ userId: "u", jobId: "j", jobType: 4 }, { ...production, productionEnabled: true })
      assert.strictEqual(allowed.response.code, "2202")
    }).pipe(Effect.provide(layers)))

  it.effect("admits by the user's lifecycle (2209, 2210) and answers a reused job_id with 2215 first", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      const never = yield* Effect.flip(prepare({ userId: "nobody", jobId: "j-a", jobType: 2 }))
      assert.strictEqual(never._tag, "NoEnrolledUser")
      yield* registered("enrolled")
      const again = yield* Effect.flip(prepare({ userId: "enrolled", jobId: "j-b", jobType: 4 }))
      assert.strictEqual(again._tag, "UserAlreadyEnrolled")
      yield* prepare({ userId: "enrolled", jobId: "j-c", jobType: 2 })
      const reused = yield* Effect.flip(prepare({ userId: "enrolled", jobId: "j-c", jobType: 4 }))
      assert.strictEqual(reused._tag, "JobAlreadyExists")
      assert.match(reused.detail, /already used job_id "j-c" \(Smile job 0000000001\)/)
    }).pipe(Effect.provide(layers)))

  it.effect("2204 for a callback_url the partner's policy refuses", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      const local = yield* Effect.flip(prepare({ userId: "u", jobId: "j", jobType: 4, callbackUrl: "https://localhost:8080/hook" }))
      assert.strictEqual(local._tag, "WrongDataType")
      assert.match(local.detail, /^callback_url points to a local or private address \(localhost\)/)
      const ok = yield* prepare({ userId: "u", jobId: "j", jobType: 4, callbackUrl: "http://localhost:8080/hook" }, { ...account, callbackPolicy: "local-evaluation" })
      assert.strictEqual(ok.job.callbackUrl, "http://localhost:8080/hook")
    }).pipe(Effect.provide(layers)))
})

describe("acceptUpload", () => {
  it.effect("keeps the zip under the user's prefix and moves the job to Uploaded, once", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      const { job, response } = yield* prepare({ userId: "u-1", jobId: "j-1", jobType: 4 })
      const zip = yield* zipFor("u-1", "j-1", 4)
      const uploaded = yield* AcceptUpload.acceptUpload({ url: response.uploadUrl, zip })
      assert.strictEqual(uploaded.state, "Uploaded")
      const key = AcceptUpload.uploadBlobKeyOf(job)
      assert.strictEqual(key, `partners/001/users/u-1/jobs/${job.smileJobId}/attachments.zip`)
      assert.deepStrictEqual(yield* Effect.flatMap(BlobStore, (blobs) => blobs.get(key)), zip)

      const second = yield* Effect.flip(AcceptUpload.acceptUpload({ url: response.uploadUrl, zip: yield* zipFor("u-1", "j-1", 4) }))
      assert.strictEqual(second._tag, "IllegalJobTransition")
    }).pipe(Effect.provide(layers)))

  it.effect("refuses a broken zip, another job's info.json and an expired URL, leaving the job Created", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      const { job, response } = yield* prepare({ userId: "u-2", jobId: "j-2", jobType: 4 })
      const broken = yield* Effect.flip(AcceptUpload.acceptUpload({ url: response.uploadUrl, zip: textBytes("garbage") }))
      assert.strictEqual(broken._tag, "ZipError")
      const otherJob = yield* Effect.flip(AcceptUpload.acceptUpload({ url: response.uploadUrl, zip: yield* zipFor("u-2", "j-other", 4) }))
      assert.strictEqual(otherJob._tag, "InvalidJson")
      assert.match((otherJob as GeneralError.InvalidJson).detail, /job_id "j-other" \(this job's is "j-2"\)/)
      yield* TestClock.adjust(Duration.minutes(11))
      const expired = yield* Effect.flip(AcceptUpload.acceptUpload({ url: response.uploadUrl, zip: yield* zipFor("u-2", "j-2", 4) }))
      assert.strictEqual(expired._tag, "UploadRejected")
      const stored = yield* Effect.flatMap(JobStore, (jobs) => jobs.findBySmileJobId(partnerId, job.smileJobId))
      assert.strictEqual(Option.getOrThrow(stored).state, "Created")
      const blob = yield* Effect.flip(Effect.flatMap(BlobStore, (blobs) => blobs.get(AcceptUpload.uploadBlobKeyOf(job))))
      assert.strictEqual(blob._tag, "BlobNotFound")
    }).pipe(Effect.provide(layers)))
})

describe("jobStatus", () => {
  it.effect("signs with the server's clock: at the vector's instant the signature is the vector's", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      yield* prepare({ userId: "u-1", jobId: "j-1", jobType: 4 })
      let linksAsked = 0
      const answer = yield* JobStatus.jobStatus({
        account,
        request: statusRequest("u-1", "j-1"),
        imageLinks: () => Effect.sync(() => (linksAsked += 1, {}))
      })
      assert.deepStrictEqual(answer, {
        timestamp: vector.timestamp,
        signature: vector.signature,
        jobComplete: false,
        jobSuccess: false,
        code: "2314",
        result: "No zip uploaded",
        history: Option.none(),
        imageLinks: Option.none()
      })
      assert.strictEqual(linksAsked, 0)
    }).pipe(Effect.provide(layers)))

  it.effect("hands a job still Uploaded to whenUploaded on every poll, and no job in another state", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      const { response } = yield* prepare({ userId: "u-1", jobId: "j-1", jobType: 4 })
      const handed: Array<string> = []
      const poll = JobStatus.jobStatus({
        account,
        request: statusRequest("u-1", "j-1"),
        imageLinks: () => Effect.succeed({}),
        whenUploaded: (job) => Effect.sync(() => handed.push(`${job.smileJobId}:${job.state}`))
      })
      yield* poll
      assert.deepStrictEqual(handed, [])
      const uploaded = yield* AcceptUpload.acceptUpload({ url: response.uploadUrl, zip: yield* zipFor("u-1", "j-1", 4) })
      const answer = yield* poll
      yield* poll
      assert.deepStrictEqual(handed, [`${uploaded.smileJobId}:Uploaded`, `${uploaded.smileJobId}:Uploaded`])
      assert.strictEqual(answer.result, JobStatus.processing)
      const jobs = yield* JobStore
      yield* jobs.update(Either.getOrThrow(Job.transition(uploaded, { _tag: "ProcessingStarted", at: signedAt })))
      yield* poll
      assert.strictEqual(handed.length, 2)
    }).pipe(Effect.provide(layers)))

  it.effect("reports the result object, the history and the links once the job is decided", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      const { job, response } = yield* prepare({ userId: "u-1", jobId: "j-1", jobType: 4 })
      const uploaded = yield* AcceptUpload.acceptUpload({ url: response.uploadUrl, zip: yield* zipFor("u-1", "j-1", 4) })
      const jobs = yield* JobStore
      const processing = yield* jobs.update(Either.getOrThrow(Job.transition(uploaded, { _tag: "ProcessingStarted", at: signedAt })))
      const decision: Decision.Decision = {
        resultCode: "0840",
        resultText: "Enroll User",
        actions: { Register_Selfie: "Approved", Selfie_Provided: "Passed", Selfie_Check: "Passed" },
        confidence: 97,
        isFinal: true,
        isMachineResult: true,
        explanation: "one clear live face"
      }
      yield* jobs.update(Either.getOrThrow(Job.transition(processing, { _tag: "MachineDecided", at: signedAt, decision })))

      const answer = yield* JobStatus.jobStatus({
        account,
        request: statusRequest("u-1", "j-1", { history: true, imageLinks: true }),
        imageLinks: (found) => Effect.succeed({ selfie_image: `https://selfie.test/images/${found.smileJobId}` })
      })
      const expected: Wire.ResultObject.ResultObject = {
        Actions: {
          Human_Review_Liveness_Check: "Not Applicable",
          Human_Review_Selfie_Check: "Not Applicable",
          Liveness_Check: "Not Applicable",
          Register_Selfie: "Approved",
          Selfie_Check: "Passed",
          Selfie_Provided: "Passed"
        },
        ConfidenceValue: "97",
        PartnerParams: job.partnerParams,
        ResultCode: "0840",
        ResultText: "Enroll User",
        ResultType: "SAIA",
        SmileJobID: job.smileJobId,
        Source: "WebAPI",
        JSONVersion: "1.0.0",
        IsFinalResult: "true",
        IsMachineResult: "true"
      }
      assert.deepStrictEqual(answer.result, expected)
      assert.deepStrictEqual(Object.keys(answer.result as object), Object.keys(expected))
      assert.isTrue(answer.jobComplete)
      assert.isTrue(answer.jobSuccess)
      assert.strictEqual(answer.code, "2302")
      assert.deepStrictEqual(answer.history, Option.some([expected]))
      assert.deepStrictEqual(answer.imageLinks, Option.some({ selfie_image: `https://selfie.test/images/${job.smileJobId}` }))

      // The same stored job polled again answers the very result objects made before (encoded once by the server).
      const again = yield* JobStatus.jobStatus({ account, request: statusRequest("u-1", "j-1", { history: true }), imageLinks: () => Effect.succeed({}) })
      assert.strictEqual(again.result, answer.result)
      assert.strictEqual(Option.getOrThrow(again.history)[0], answer.result)
      // A job updated since is another object: its result objects are made again, from what it holds now.
      const [stored] = (yield* jobs.findByJobId(account.partnerId, Ids.JobId.make("j-1"))).pipe(Option.toArray)
      yield* jobs.update({ ...stored!, partnerParams: { ...stored!.partnerParams, extras: { branch: "lagos" } } })
      const updated = yield* JobStatus.jobStatus({ account, request: statusRequest("u-1", "j-1"), imageLinks: () => Effect.succeed({}) })
      assert.notStrictEqual(updated.result, answer.result)
      assert.deepStrictEqual(updated.result, { ...expected, PartnerParams: { ...job.partnerParams, extras: { branch: "lagos" } } })
    }).pipe(Effect.provide(layers)))

  it.effect("2205 for a job of another user, without saying whether it exists", () =>
    Effect.gen(function*() {
      yield* atSigningTime
      yield* prepare({ userId: "u-1", jobId: "j-1", jobType: 4 })
      const error = yield* Effect.flip(JobStatus.jobStatus({ account, request: statusRequest("u-2", "j-1"), imageLinks: () => Effect.succeed({}) }))
      assert.strictEqual(error._tag, "NotAuthorized")
      const missing = yield* Effect.flip(JobStatus.jobStatus({ account, request: statusRequest("u-2", "j-404"), imageLinks: () => Effect.succeed({}) }))
      assert.strictEqual(missing.detail.replace("j-404", "j-1"), error.detail)
    }).pipe(Effect.provide(layers)))
})

describe("manageUser", () => {
  it.effect("delete erases the selfie on file and every blob under the user's prefix, after saving", () =>
    Effect.gen(function*() {
      const user = yield* registered("gone")
      const blobs = yield* BlobStore
      const selfieKey = BlobKey.make(User.selfieBlobKeyOf(user, Ids.SmileJobId.make("0000000999")))
      const uploadKey = BlobKey.make(`${User.blobPrefixOf(user)}jobs/0000000001/attachments.zip`)
      const neighbour = BlobKey.make("partners/001/users/gone2/selfies/0000000001.jpg")
      yield* blobs.put(selfieKey, textBytes("selfie"))
      yield* blobs.put(uploadKey, textBytes("zip"))
      yield* blobs.put(neighbour, textBytes("someone else"))
      const { erased, user: deleted } = yield* ManageUser.manageUser({ partnerId, userId: user.userId, action: "delete" })
      assert.strictEqual(deleted.state._tag, "Deleted")
      assert.strictEqual(erased, 2)
      assert.strictEqual((yield* Effect.flip(blobs.get(selfieKey)))._tag, "BlobNotFound")
      assert.strictEqual((yield* Effect.flip(blobs.get(uploadKey)))._tag, "BlobNotFound")
      assert.deepStrictEqual(yield* blobs.get(neighbour), textBytes("someone else"))
    }).pipe(Effect.provide(layers)))

  it.effect("refuses an action that does not apply, saying why", () =>
    Effect.gen(function*() {
      const unknown = yield* Effect.flip(ManageUser.manageUser({ partnerId, userId: Ids.UserId.make("nobody"), action: "disable" }))
      assert.strictEqual(unknown._tag, "IllegalUserTransition")
      yield* registered("twice")
      yield* ManageUser.manageUser({ partnerId, userId: Ids.UserId.make("twice"), action: "disable" })
      const again = yield* Effect.flip(ManageUser.manageUser({ partnerId, userId: Ids.UserId.make("twice"), action: "disable" }))
      assert.match(again.message, /already disabled/)
    }).pipe(Effect.provide(layers)))
})

describe("PartnerAccount", () => {
  it("refines 2212 into 2217 only for other Smile ID products' job types", () => {
    const invalid = new GeneralError.InvalidJobType({ detail: "partner_params.job_type must be 2 or 4" })
    assert.strictEqual(PartnerAccount.refineJobTypeError(invalid, 6)._tag, "InvalidProduct")
    assert.strictEqual(PartnerAccount.refineJobTypeError(invalid, " 11 ")._tag, "InvalidProduct")
    assert.strictEqual(PartnerAccount.refineJobTypeError(invalid, 1)._tag, "InvalidProduct")
    assert.strictEqual(PartnerAccount.refineJobTypeError(invalid, 3), invalid)
    assert.strictEqual(PartnerAccount.refineJobTypeError(invalid, "six"), invalid)
    const missing = new GeneralError.MissingParameter({ detail: "x" })
    assert.strictEqual(PartnerAccount.refineJobTypeError(missing, 6), missing)
  })

  it("judges callback URLs by policy", () => {
    const cases: ReadonlyArray<readonly [string, UseCases.PartnerAccount.CallbackPolicy, boolean]> = [
      ["https://partner.example/hook", "public-only", true],
      ["https://partner.example:8443/hook?x=1", "public-only", true],
      ["http://partner.example/hook", "public-only", false],
      ["https://127.0.0.1/hook", "public-only", false],
      ["https://10.1.2.3/hook", "public-only", false],
      ["https://172.20.0.1/hook", "public-only", false],
      ["https://172.32.0.1/hook", "public-only", true],
      ["https://192.168.1.1/hook", "public-only", false],
      ["https://169.254.169.254/latest", "public-only", false],
      ["https://[::1]/hook", "public-only", false],
      ["https://[fd00::1]/hook", "public-only", false],
      ["https://localhost/hook", "public-only", false],
      ["https://api.localhost/hook", "public-only", false],
      ["http://127.0.0.1:9000/hook", "local-evaluation", true],
      ["ftp://partner.example/hook", "local-evaluation", false],
      ["partner.example/hook", "local-evaluation", false]
    ]
    for (const [url, policy, accepted] of cases) {
      assert.strictEqual(PartnerAccount.callbackUrlProblem(url, policy) === undefined, accepted, `${url} under ${policy}`)
    }
  })
})
