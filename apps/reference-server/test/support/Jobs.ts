/** Builders of v1 bodies and job zips for the HTTP tests. */
import { ZipCodecFflate } from "@selfie-auth/adapter-zip"
import { ZipCodec } from "@selfie-auth/core"
import { Effect } from "effect"
import { placeholderJpeg } from "./Images.js"
import { signed } from "./Signing.js"

export const prepUploadBody = (options: {
  readonly partnerId?: string
  readonly apiKey?: string
  readonly userId: string
  readonly jobId: string
  readonly jobType: number | string
  readonly callbackUrl?: string | null
  readonly extra?: Record<string, unknown>
}) => ({
  callback_url: options.callbackUrl === undefined ? "https://partner.example/callback" : options.callbackUrl,
  file_name: "selfie.zip",
  model_parameters: {},
  partner_params: { user_id: options.userId, job_id: options.jobId, job_type: options.jobType },
  smile_client_id: options.partnerId ?? "001",
  use_enrolled_image: false,
  entered: "false",
  ...signed(options.partnerId ?? "001", options.apiKey ?? "test-api-key"),
  source_sdk: "javascript",
  source_sdk_version: "3.2.1",
  ...options.extra
})

export const jobStatusBody = (options: {
  readonly partnerId?: string
  readonly apiKey?: string
  readonly userId: string
  readonly jobId: string
  readonly history?: boolean
  readonly imageLinks?: boolean
}) => ({
  user_id: options.userId,
  job_id: options.jobId,
  partner_id: options.partnerId ?? "001",
  history: options.history ?? false,
  image_links: options.imageLinks ?? false,
  ...signed(options.partnerId ?? "001", options.apiKey ?? "test-api-key")
})

/** A Node-SDK-style job zip: info.json and one selfie file. */
export const jobZip = (options: { readonly userId: string; readonly jobId: string; readonly jobType: number; readonly face?: string }) => {
  const selfie = placeholderJpeg(options.face ?? "selfie")
  const info = {
    package_information: { apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 }, language: "javascript" },
    misc_information: {
      retry: "false",
      partner_params: { user_id: options.userId, job_id: options.jobId, job_type: options.jobType },
      timestamp: new Date().toISOString(),
      file_name: "selfie.zip",
      smile_client_id: "001",
      callback_url: "",
      userData: { isVerifiedProcess: false, name: "", fbUserID: "", firstName: "Bill", lastName: "", gender: "", email: "", phone: "", countryCode: "+", countryName: "" }
    },
    id_info: { entered: "false" },
    images: [{ image_type_id: 0, image: "", file_name: "selfie.jpg" }]
  }
  return Effect.runSync(
    Effect.provide(
      Effect.flatMap(ZipCodec, (codec) =>
        codec.pack([
          { name: "info.json", bytes: new TextEncoder().encode(JSON.stringify(info)) },
          { name: "selfie.jpg", bytes: selfie }
        ])),
      ZipCodecFflate.layer()
    )
  )
}
