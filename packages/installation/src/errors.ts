/** Errors with data of their own; every other failure is a plain coded `TektonError`. */
import { TektonError } from '@tekton/mcp-discovery'
import type { ErrorCode, TektonErrorOptions } from '@tekton/mcp-discovery'
import type { ToolDiff } from './tools'

/**
 * Codes this package throws, besides the shared ones (`E_CONFIG`, `E_INVALID_INPUT`,
 * `E_NOT_FOUND`, `E_ABORTED`, ...). Existing codes never change meaning.
 */
export const installationErrorCodes = [
  'E_INVALID_NAME',
  'E_INVALID_VERSION',
  'E_NOT_INSTALLED',
  'E_AMBIGUOUS_NAME',
  'E_ALREADY_INSTALLED',
  'E_NO_INSTALLER',
  'E_REQUIREMENTS',
  'E_INSTALLER_RESULT',
  'E_FORBIDDEN_ENV',
  'E_STATE_CORRUPT',
  'E_STATE_VERSION',
  'E_LOCKED',
  'E_HANDSHAKE_EXIT',
  'E_HANDSHAKE_TIMEOUT',
  'E_HANDSHAKE_PROTOCOL',
  'E_HANDSHAKE_SPAWN',
  'E_TOOLS_CHANGED',
  'E_LINT_REFUSED',
  'E_INSTALL_FAILED',
  'E_MISSING_INPUT',
  'E_REMOTE_ONLY',
  'E_SIGNATURE_INVALID',
  'E_SIGNATURE_MISSING',
  'E_SIGNATURE_UNKNOWN_KEY',
  'E_SIGNATURE_KEY_EXPIRED',
  'E_SIGNATURE_REQUIRED',
  'E_PROVENANCE_INVALID',
  'E_PROVENANCE_SUBJECT_MISMATCH',
  'E_PROVENANCE_REQUIRED',
  'E_PROVENANCE_DOWNGRADE',
  'E_OWNERSHIP_MISMATCH',
] as const satisfies readonly ErrorCode[]
export type InstallationErrorCode = (typeof installationErrorCodes)[number]

const handshakeErrorBrand = Symbol.for('@tekton/mcp.error.handshake')

/** A server failed its MCP handshake: it exited, hung, could not start, or did not speak MCP. */
export class HandshakeError extends TektonError {
  readonly [handshakeErrorBrand] = true
  override readonly name = 'HandshakeError'
  /** The last part of what the server wrote to stderr (secrets redacted), or ''. */
  readonly stderr: string
  /** Its exit code, when it exited with one. */
  readonly exitCode: number | null
  /** The signal that ended it, when one did (`SIGKILL`). */
  readonly signal: string | null
  /** The command line that was started (display form). */
  readonly command: string

  constructor(
    code: 'E_HANDSHAKE_EXIT' | 'E_HANDSHAKE_TIMEOUT' | 'E_HANDSHAKE_PROTOCOL' | 'E_HANDSHAKE_SPAWN' | 'E_ABORTED',
    message: string,
    details: { stderr: string; exitCode: number | null; signal: string | null; command: string },
    options: TektonErrorOptions = {},
  ) {
    super(code, message, options)
    this.stderr = details.stderr
    this.exitCode = details.exitCode
    this.signal = details.signal
    this.command = details.command
  }

  /** True for any HandshakeError, whichever copy of this package created it. */
  static override isInstance(error: unknown): error is HandshakeError {
    return TektonError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[handshakeErrorBrand] === true
  }

  override toJSON(): { code: string; message: string; hint?: string; stderr?: string; exitCode?: number } {
    return {
      ...super.toJSON(),
      ...(this.stderr ? { stderr: this.stderr } : {}),
      ...(this.exitCode === null ? {} : { exitCode: this.exitCode }),
    }
  }
}

const toolChangesErrorBrand = Symbol.for('@tekton/mcp.error.tool-changes')

/** An update whose tools differ from the recorded ones, refused until approved (SECURITY 15). */
export class ToolChangesError extends TektonError {
  readonly [toolChangesErrorBrand] = true
  override readonly name = 'ToolChangesError'
  readonly diff: ToolDiff
  readonly fromVersion: string
  readonly toVersion: string

  constructor(message: string, details: { diff: ToolDiff; fromVersion: string; toVersion: string }, options: TektonErrorOptions = {}) {
    super('E_TOOLS_CHANGED', message, options)
    this.diff = details.diff
    this.fromVersion = details.fromVersion
    this.toVersion = details.toVersion
  }

  /** True for any ToolChangesError, whichever copy of this package created it. */
  static override isInstance(error: unknown): error is ToolChangesError {
    return TektonError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[toolChangesErrorBrand] === true
  }

  override toJSON(): { code: string; message: string; hint?: string; diff: ToolDiff } {
    return { ...super.toJSON(), diff: this.diff }
  }
}

const alreadyInstalledBrand = Symbol.for('@tekton/mcp.error.already-installed')

/**
 * An install asked for another version of a server that is installed: updating is the way to
 * change its version. Carries the name and both versions, so a front end can say how to update
 * (the CLI names its `update` command) without reading the message.
 */
export class AlreadyInstalledError extends TektonError {
  readonly [alreadyInstalledBrand] = true
  override readonly name = 'AlreadyInstalledError'
  /** The installed server's name. */
  readonly server: string
  /** The version installed and active. */
  readonly installedVersion: string
  /** The version the install asked for. */
  readonly requestedVersion: string

  constructor(message: string, details: { server: string; installedVersion: string; requestedVersion: string }, options: TektonErrorOptions = {}) {
    super('E_ALREADY_INSTALLED', message, options)
    this.server = details.server
    this.installedVersion = details.installedVersion
    this.requestedVersion = details.requestedVersion
  }

  /** True for an AlreadyInstalledError from any copy of this package. */
  static override isInstance(error: unknown): error is AlreadyInstalledError {
    return TektonError.isInstance(error) && (error as unknown as Record<symbol, unknown>)[alreadyInstalledBrand] === true
  }

  override toJSON(): { code: string; message: string; hint?: string; server: string; installedVersion: string; requestedVersion: string } {
    return { ...super.toJSON(), server: this.server, installedVersion: this.installedVersion, requestedVersion: this.requestedVersion }
  }
}
