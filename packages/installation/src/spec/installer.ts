/**
 * The contract every installer implements (node, python, docker). The service picks one by the
 * package's `registryType` (`npm` → node, `pypi` → python, `oci` → docker), hands it a staging
 * directory that it owns alone, and does everything else itself: locking, the handshake, the
 * atomic rename into place, the state file. A change here is a breaking change for every installer.
 */
import type { Package, ServerMetadata } from '@tekton/mcp-discovery'
import type { PublishedTrust, VerificationResult } from './verification'

/** How a server is started: always spawned without a shell. */
export interface LaunchSpec {
  /** Absolute path of the executable (desktop clients do not inherit the shell's PATH). */
  command: string
  args: string[]
  /**
   * Variables the server gets on top of the allow-list (HOME, PATH, ...): its declared and
   * configured variables. Never the parent's whole environment. Values of variables the
   * metadata marks secret are redacted whenever a spec is printed or returned as JSON.
   */
  env: Record<string, string>
  cwd?: string
  /**
   * The sandbox the command line sets up, when it is one (`command` is then bwrap, `args` its
   * flags, `--`, the server's command and arguments). Recorded so a reader need not parse flags:
   * `network` granted or not, and the only paths it may write besides its private /tmp.
   */
  sandbox?: { kind: 'bubblewrap'; network: boolean; writable: string[] }
}

/** A step of an install, for progress reporting (`resolve 120 ms`, `download 340 ms`, ...). */
export type InstallStep = 'resolve' | 'requirements' | 'download' | 'verify' | 'install' | 'handshake' | 'activate' | 'record' | 'cleanup'

export interface ProgressEvent {
  step: InstallStep
  /**
   * `start` when the step begins, `done` when it ends (with `durationMs`); `activity` while it
   * runs, with what it does now in `detail` (npm's current line, the package being built), so a
   * long step is visibly alive. A listener may ignore `activity`.
   */
  phase: 'start' | 'done' | 'activity'
  detail?: string
  durationMs?: number
  /** The server the event is about (the service sets it; installers need not). */
  server?: string
}

/** A runtime found on this machine. */
export interface RuntimeInfo {
  /** `node`, `python`, `docker`. */
  name: string
  /** Absolute path, as recorded in launch specs. */
  path: string
  version: string
}

/** What `checkRequirements` found: each requirement met or not, with what to do about it. */
export interface RequirementReport {
  ok: boolean
  runtime?: RuntimeInfo
  checks: Array<{
    requirement: string
    ok: boolean
    /** What was found, e.g. `node 20.20.2 at /usr/bin/node`. */
    found?: string
    /** What to install or change when not ok. */
    hint?: string
  }>
}

/** What the service asks an installer to install. */
export interface InstallSpec {
  server: ServerMetadata
  /** The package chosen from `server.packages` (its `registryType` picked this installer). */
  package: Package
  /** Requested version: exact, a range or a tag (`latest`); undefined means the latest. */
  version?: string
  /** Run the package's install scripts (npm lifecycle scripts, sdists' builds). @default false */
  allowScripts?: boolean
  /**
   * Values for the inputs the package declares (arguments by flag or `valueHint`, placeholders
   * by name, variables by name): installers turn them into the command line with
   * `resolvePackageLaunch`. @default {}
   */
  inputs?: Record<string, string | readonly string[]>
  /**
   * Install even when the runtime does not satisfy the package's declared engines and the user's
   * configuration makes that a refusal (npm's `engine-strict`). Without that configuration a
   * mismatch is only a warning anyway. @default false
   */
  ignoreEngines?: boolean
  /**
   * Install dependencies from outside the registry (git, URLs, files, links) and without a
   * sha512 integrity: by default such a tree is refused. Per install, never recorded. @default false
   */
  allowNonRegistryDependencies?: boolean
  /**
   * Whether the server may use the network, for an installer that isolates servers itself (the
   * docker installer's `--network`): `true` grants it, `false` withholds it. Node and Python
   * servers get theirs from the service's sandbox instead. @default the installer's own setting
   */
  network?: boolean
}

export interface InstallContext {
  /** An empty directory the installer owns: everything it installs goes here and nowhere else. */
  stagingDir: string
  signal?: AbortSignal
  progress?: (event: ProgressEvent) => void
  /** Environment for the tools the installer runs (npm, pip, docker). @default process.env */
  env?: NodeJS.ProcessEnv
  /**
   * Stop a tool the installer runs (npm, pip) when it makes no progress (no output, no CPU) for
   * this long, in ms. @default the installer's own (its option, its environment variable)
   */
  inactivityTimeoutMs?: number
  /**
   * The service's trust rules (see `judgeVerification`): an installer that verifies calls it as
   * soon as it has its `VerificationResult`, before unpacking or running anything, and lets what
   * it throws (`E_SIGNATURE_INVALID`, `E_PROVENANCE_DOWNGRADE`, ...) fail the install. Optional:
   * the service judges the returned result anyway.
   */
  judgeVerification?: (verification: VerificationResult, about: { version: string; previousPublished?: PublishedTrust | undefined }) => void
}

/** A verified digest of what was downloaded. */
export interface ArtifactIntegrity {
  /** `sha512-<base64>` (npm's SRI form), `sha256:<hex>` (PyPI, OCI). */
  value: string
  /** Where the expected value came from: `npm dist.integrity`, `pypi digests`, `oci digest`. */
  source: string
  /** File name of the artifact kept in the staging directory, when it is kept. */
  file?: string
}

export interface InstallResult {
  /** The exact version installed (`1.2.3`), whatever was asked for. */
  version: string
  /**
   * The launch spec, with paths inside `stagingDir`. The service moves the directory into place
   * and rewrites those paths (`relocateLaunchSpec`), so installers never guess the final path.
   */
  launch: LaunchSpec
  integrity: ArtifactIntegrity
  runtime?: RuntimeInfo
  /** Anything the installer wants to keep in the record (resolved tarball URL, registry, ...). */
  details?: Record<string, unknown>
  /**
   * Sentences a person should read about this version although it installed (its engines do not
   * match the runtime, ...): kept on the version's record and shown with the outcome.
   */
  warnings?: string[]
  /**
   * What was verified about this version (registry signature, provenance, ownership, release
   * age), when the installer verifies: judged by the service and recorded on the version.
   */
  verification?: VerificationResult
  /** What the version published before this one carried (the baseline of the no-downgrade rule on a fresh install). */
  previousPublished?: PublishedTrust
}

/** What an installer's `plan` found before anything is downloaded. */
export interface InstallerPlan {
  /** The exact version that would be installed. */
  version: string
  /** What would run, with paths under `directoryFor(version)`. */
  launch: LaunchSpec
  notes?: string[]
  /**
   * Signs in that exact version's own metadata that it is an MCP server, each a short phrase
   * (`depends on @modelcontextprotocol/sdk`); added to the signs the service finds in the server's
   * metadata. Optional: an installer that cannot tell leaves it out.
   */
  mcpSigns?: string[]
  /**
   * What was verified about this version (registry signature, provenance, ownership, release
   * age), when the installer verifies: judged by the service and recorded on the version.
   */
  verification?: VerificationResult
  /** What the version published before this one carried (the baseline of the no-downgrade rule on a fresh install). */
  previousPublished?: PublishedTrust
}

export interface MCPServerInstaller {
  readonly specVersion: 'v1'
  readonly type: 'node' | 'python' | 'docker'
  /** Package registry types this installer handles, e.g. `['npm']`. */
  readonly registryTypes: readonly string[]
  /** Is the runtime present and recent enough for this package? Never throws for "not met". */
  checkRequirements(pkg: Package, context: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; ignoreEngines?: boolean }): Promise<RequirementReport>
  /**
   * What would run, before anything is downloaded or written: the exact version and the launch
   * spec with paths under `directoryFor(version)` (the final version directory), for the
   * confirmation prompt ("this will run: /usr/bin/node /.../dist/index.js"). Optional.
   */
  plan?(spec: InstallSpec, context: { directoryFor(version: string): string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<InstallerPlan>
  /** Resolve, download, verify and install into `context.stagingDir`. Throws TektonError on failure. */
  install(spec: InstallSpec, context: InstallContext): Promise<InstallResult>
  /**
   * Verifies an installed version again as its install did (registry signature, provenance,
   * ownership against the files in `directory`), for `verify`. Optional: an installer that does
   * not verify leaves it out.
   */
  verifyInstalled?(
    record: { package: Package; version: string; directory: string; registryName?: string | undefined; details?: Record<string, unknown> | undefined },
    context: { env?: NodeJS.ProcessEnv; signal?: AbortSignal },
  ): Promise<VerificationResult>
  /**
   * Release anything outside the version directory the installer created (e.g. a docker image).
   * Files inside the directory are the service's to remove. Optional.
   */
  uninstall?(
    record: { version: string; directory: string; details?: Record<string, unknown> },
    context: {
      env?: NodeJS.ProcessEnv
      signal?: AbortSignal
      /** Every other installed version (of any server) by this installer: what they still use stays. */
      otherInstalls?: ReadonlyArray<{ server: string; version: string; details?: Record<string, unknown> }>
    },
  ): Promise<void>
}
