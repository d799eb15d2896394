/**
 * The real adapters the crash tests run the real steps on, in a data folder
 * that survives the process: `JobStore`/`UserStore`/`DeliveryLog` on SQLite
 * (`stores.sqlite`), blobs on the filesystem (`blobs/`), the fflate zip codec,
 * callbacks over node:http with signatures. Only the face engine is a stand-in
 * (canned findings of a clear, live, matching person), and the review queue is
 * the memory one (these tests run jobs that need no review).
 */
import { CallbackSenderHttp, OutboundPolicy } from "@selfie-auth/adapter-callback"
import { BlobStoreFs } from "@selfie-auth/adapter-fs"
import { SignerNode } from "@selfie-auth/adapter-signing"
import { DeliveryLogSql, JobStoreSql, SqlDatabase, UserStoreSql } from "@selfie-auth/adapter-sql"
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { BlobKey, BlobStore, FaceEngine, Ids, Job, JobStore, ReviewQueue, User, UserStore, UseCases, ZipCodec } from "@selfie-auth/core"
import { Effect, Either, Layer, Redacted } from "effect"
import * as path from "node:path"

export const partnerId = Ids.PartnerId.make("001")
export const apiKey = Redacted.make("crash-test-api-key")
export const userId = Ids.UserId.make("user-001")

const face = { box: { x: 100, y: 100, width: 200, height: 240 }, score: 0.97, pose: { yaw: 2, pitch: 1, roll: 0 }, descriptor: [0.1] }

/** Every port the live steps need, on `dataDirectory`. */
export const portsLayer = (dataDirectory: string) =>
  Layer.mergeAll(
    Layer.mergeAll(JobStoreSql.layer, UserStoreSql.layer, DeliveryLogSql.layer).pipe(
      Layer.provide(SqlDatabase.layerSqlite({ filename: path.join(dataDirectory, SqlDatabase.sqliteFileName) }))
    ),
    BlobStoreFs.layer({ directory: path.join(dataDirectory, "blobs") }),
    ZipCodecFflate.layer(),
    FaceEngine.layerMemory({
      images: new Map(),
      job: (input) => ({
        selfie: { width: 640, height: 480, faceCount: 1, face, brightness: 0.5, sharpness: 200, problems: [] },
        liveness: { framesProvided: 8, framesUsable: 8, framesMatchingSelfie: 8, poseRange: { yaw: 25, pitch: 12 } },
        spoofSuspicion: "none",
        ...(input.registeredSelfie === undefined ? {} : { comparison: { distance: 0.3, confidence: 93 } })
      })
    }),
    ReviewQueue.layerMemory,
    CallbackSenderHttp.layer({ apiKeysFor: () => Effect.succeed([apiKey]), policy: OutboundPolicy.localEvaluation }).pipe(
      Layer.provideMerge(SignerNode.layer)
    )
  ).pipe(Layer.orDie)

/**
 * A registered user and an authentication job (type 2) whose zip has been
 * accepted, as the HTTP side leaves them: the job `Uploaded`, its zip stored.
 */
export const seedUploadedAuthentication = (smileJobId: Ids.SmileJobId, callbackUrl: string) =>
  Effect.gen(function*() {
    const jobs = yield* JobStore
    const users = yield* UserStore
    const blobs = yield* BlobStore
    const codec = yield* ZipCodec
    const text = (value: string) => new TextEncoder().encode(value)

    const registration = Ids.SmileJobId.make("0999999999")
    const onFile = User.selfieBlobKeyOf({ partnerId, userId }, registration)
    yield* blobs.put(BlobKey.make(onFile), text("registered selfie"))
    const registered = Either.getOrThrow(User.transition(User.make({ partnerId, userId, at: 0 }), {
      _tag: "Register",
      at: 0,
      selfie: { blobKey: onFile, jobId: Ids.JobId.make("job-register"), smileJobId: registration }
    }))
    yield* users.save(registered.user).pipe(Effect.ignore)

    const jobId = `job-${smileJobId}`
    const job = yield* jobs.insert(Job.make({
      partnerId,
      smileJobId,
      partnerParams: { userId, jobId: Ids.JobId.make(jobId), jobType: 2, extras: {} },
      callbackUrl,
      at: 1
    }))
    const info = {
      package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: "javascript" },
      misc_information: {
        retry: "false",
        partner_params: { user_id: userId, job_id: jobId, job_type: 2 },
        timestamp: "2026-11-25T21:46:10.121Z",
        file_name: "selfie.zip",
        smile_client_id: partnerId,
        callback_url: callbackUrl
      },
      images: [{ image_type_id: 0, image: "", file_name: "selfie.jpg" }, { image_type_id: 4, image: "", file_name: "frame.jpg" }]
    }
    const zip = yield* codec.pack([
      { name: "info.json", bytes: text(JSON.stringify(info)) },
      { name: "selfie.jpg", bytes: text("a selfie") },
      { name: "frame.jpg", bytes: text("a frame") }
    ])
    yield* blobs.put(UseCases.AcceptUpload.uploadBlobKeyOf(job), zip)
    yield* jobs.update(Either.getOrThrow(Job.transition(job, { _tag: "UploadAccepted", at: 2 })))
  })
