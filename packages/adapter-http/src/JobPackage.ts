/**
 * The zip of a job: `info.json` shaped like the official Node SDK's (the
 * layout the hosted API has always received, WIRE.md "info.json"), then the
 * selfie (image type 0) and every liveness frame (image type 4) as files.
 *
 * Where we differ from the Node SDK, on purpose:
 * - liveness frames are zipped (the Node SDK lists them with the sender's
 *   local path and never zips them: its known bug);
 * - files are named by role (`selfie.jpg`, `liveness-01.jpg`...), not by the
 *   basename of a local path, so two frames never collide and no local file
 *   name leaves the partner's machine;
 * - `misc_information.userData` carries the SDK's template with every field
 *   empty (the Node SDK sends a placeholder `firstName: "Bill"`; Python sends
 *   the same template empty, as here).
 *
 * Pure: the caller supplies the timestamp and the prep upload answer.
 */
import type { ZipEntry } from "@selfie-auth/core"
import type { LoadedImage } from "./JobRequest.js"

/** `file_name` of the prep upload and of `misc_information`: the name every SDK gives the zip. */
export const zipFileName = "selfie.zip"

/** What info.json is built from. */
export interface InfoJsonInput {
  readonly partnerId: string
  /** `partner_params` exactly as sent in the prep upload (snake_case, extras after the fixed keys). */
  readonly partnerParams: Readonly<Record<string, unknown>>
  /** The timestamp of the prep upload request (the Node SDK reuses it here). */
  readonly timestamp: string
  /** `""` for no callback, as in the prep upload. */
  readonly callbackUrl: string
  /** The prep upload answer as received, embedded whole (as the Node SDK does). */
  readonly serverInformation: unknown
  readonly selfieFileName: string
  readonly livenessFileNames: ReadonlyArray<string>
}

/** The empty `userData` template every official SDK copies into `misc_information`. */
const userDataTemplate = {
  isVerifiedProcess: false,
  name: "",
  fbUserID: "",
  firstName: "",
  lastName: "",
  gender: "",
  email: "",
  phone: "",
  countryCode: "+",
  countryName: ""
} as const

/** info.json as a JSON value, keys in the Node SDK's order. */
export const infoJson = (input: InfoJsonInput) => ({
  package_information: {
    apiVersion: { buildNumber: 0, majorVersion: 2, minorVersion: 0 },
    language: "javascript"
  },
  misc_information: {
    retry: "false",
    partner_params: input.partnerParams,
    timestamp: input.timestamp,
    file_name: zipFileName,
    smile_client_id: input.partnerId,
    callback_url: input.callbackUrl,
    userData: userDataTemplate
  },
  id_info: { entered: "false" },
  images: [
    { image_type_id: 0, image: "", file_name: input.selfieFileName },
    ...input.livenessFileNames.map((fileName) => ({ image_type_id: 4, image: "", file_name: fileName }))
  ],
  server_information: input.serverInformation
})

/** `selfie.jpg` / `selfie.png`. */
export const selfieFileName = (selfie: LoadedImage): string => `selfie.${selfie.extension}`

/** `liveness-01.jpg`, `liveness-02.png`... (1-based, two digits at least, so names sort in capture order). */
export const livenessFileName = (frame: LoadedImage, index: number): string =>
  `liveness-${String(index + 1).padStart(2, "0")}.${frame.extension}`

/** The zip's entries: info.json (compact JSON, UTF-8) first, then the selfie, then the frames in order. */
export const entries = (input: {
  readonly info: Omit<InfoJsonInput, "selfieFileName" | "livenessFileNames">
  readonly selfie: LoadedImage
  readonly livenessFrames: ReadonlyArray<LoadedImage>
}): ReadonlyArray<ZipEntry> => {
  const selfieName = selfieFileName(input.selfie)
  const frameNames = input.livenessFrames.map(livenessFileName)
  const manifest = infoJson({ ...input.info, selfieFileName: selfieName, livenessFileNames: frameNames })
  return [
    { name: "info.json", bytes: new TextEncoder().encode(JSON.stringify(manifest)) },
    { name: selfieName, bytes: input.selfie.bytes },
    ...input.livenessFrames.map((frame, index) => ({ name: frameNames[index] ?? livenessFileName(frame, index), bytes: frame.bytes }))
  ]
}
