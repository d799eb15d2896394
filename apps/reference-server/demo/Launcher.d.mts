/** Types of Launcher.mjs: starting the built server and the demo as child processes. */

/** `apps/reference-server`. */
export declare const appDir: string
/** The built `selfie-auth-server` command (`dist/main.js`). */
export declare const serverBin: string
/** The demo program (`demo/main.ts`, run with tsx). */
export declare const demoMain: string
/** The demo partner's id. */
export declare const demoPartnerId: string

/** The demo partners file in `dataRoot`, created with a random API key on first use. */
export declare const ensureDemoPartners: (dataRoot: string) => { readonly file: string; readonly created: boolean }

/** The demo's review console admin (`reviewers.json`, password in `console-password.txt`), created on first use. */
export declare const ensureDemoReviewers: (dataRoot: string) => {
  readonly file: string
  /** Absent when the reviewers file was written by someone else. */
  readonly passwordFile: string | undefined
  readonly username: string
  readonly created: boolean
}

/** Whether `host:port` can be listened on now. */
export declare const portIsFree: (port: number, host: string) => Promise<boolean>

export interface StartServerOptions {
  readonly dataDir: string
  readonly partnersFile: string
  /** Default 0: a free port. */
  readonly port?: number
  /** Default 127.0.0.1. */
  readonly host?: string
  /** More `selfie-auth-server` flags, e.g. `["--http"]`. */
  readonly extraArgs?: ReadonlyArray<string>
  /** Node's own options for the server process, e.g. `["--cpu-prof"]`. */
  readonly nodeArgs?: ReadonlyArray<string>
  readonly env?: NodeJS.ProcessEnv
  /** Default 180 s. */
  readonly startTimeoutMillis?: number
  /** Where the server's lines go once it started (default: this process's stdout and stderr). */
  readonly onOutput?: (line: string, stream: "stdout" | "stderr") => void
}

export interface StartedServer {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string
  /** The certificate clients trust (HTTPS only). */
  readonly certificateFile: string | undefined
  /** What the server printed when it started: `listening on`, the certificate and how to trust it. */
  readonly startupLines: ReadonlyArray<string>
  readonly pid: number
  /** Resolves when the server process ends. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
  /** Signals the server (default SIGTERM: drain and stop) and resolves when it ended. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/** Starts `selfie-auth-server`; resolves once it listens, rejects with its message if it stops first. */
export declare const startServer: (options: StartServerOptions) => Promise<StartedServer>

export interface RunDemoOptions {
  readonly url: string
  readonly certificateFile: string | undefined
  readonly partnersFile: string
  readonly reportFile?: string
  /** Default "inherit". */
  readonly stdio?: "inherit" | "pipe"
  readonly env?: NodeJS.ProcessEnv
}

/** Runs the demo program; resolves with its exit status and (with stdio "pipe") its output. */
export declare const runDemo: (options: RunDemoOptions) => Promise<{ readonly status: number; readonly output: string }>
