/**
 * Every error code a @tekton/mcp-* package throws, in one list: what it means, the exit code the
 * CLI ends with, and the HTTP status an API answers with. Front ends read their mapping from here
 * instead of keeping their own, so a new code cannot be added without deciding how each front end
 * reports it; `ErrorCode` is derived from this list, so throwing an undeclared code does not
 * compile. `docs/mcp/errors.md` is generated from it (`node scripts/error-catalog.mjs`).
 *
 * This module imports nothing: the CLI bundles it into its start-up path to pick exit codes.
 * Codes are stable: new ones may be added, existing ones never change meaning.
 */

/** How the CLI exits for a code: 1 failure, 2 usage (fix what you typed), 3 not found, 130 interrupted. */
export type CliExitCode = 1 | 2 | 3 | 130

/**
 * The status an HTTP front end answers with: 400 bad input, 401/403 a request the API refuses
 * (no token; a foreign page or host), 413/415 a body too large or not JSON, 404 not found, 409 conflict with
 * what is installed, 422 a server this host cannot install, 429 rate limited upstream, 499 the
 * caller stopped the operation, 500 a local fault, 501 a source that cannot do it, 502/503/504
 * an upstream registry or server that failed, is not ready, or did not answer in time.
 */
export type ErrorHttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 499 | 500 | 501 | 502 | 503 | 504

/** One code's entry in the catalogue. */
export interface ErrorCodeDescription {
  /** One sentence: what went wrong. */
  readonly meaning: string
  /** The CLI's exit code for it. */
  readonly exitCode: CliExitCode
  /** The HTTP status an API answers with for it. */
  readonly httpStatus: ErrorHttpStatus
}

/** The catalogue, grouped by where the problem lies (input, lookup, upstream, installation, local). */
export const errorCatalog = {
  // Input the caller can fix by asking differently.
  E_USAGE: { meaning: 'The command line is not one the CLI understands: an unknown command or option, or a missing argument.', exitCode: 2, httpStatus: 400 },
  E_INVALID_INPUT: { meaning: 'A value passed in is out of range or malformed (a limit, a variable name, an option).', exitCode: 2, httpStatus: 400 },
  E_INVALID_REF: { meaning: 'A server reference is not of the form `<source>:<name>`, or names a version where none is allowed.', exitCode: 2, httpStatus: 400 },
  E_INVALID_QUERY: { meaning: 'A search query is empty, too long, holds control characters or has invalid filters or cursor.', exitCode: 2, httpStatus: 400 },
  E_INVALID_NAME: { meaning: 'An installed server name is missing or not a valid name.', exitCode: 2, httpStatus: 400 },
  E_INVALID_VERSION: { meaning: 'A version, range or tag is not valid for the package it is meant for.', exitCode: 2, httpStatus: 400 },
  E_AMBIGUOUS_REF: { meaning: 'A bare name matches several servers, so a full reference is needed.', exitCode: 2, httpStatus: 400 },
  E_AMBIGUOUS_NAME: { meaning: 'A short name matches several installed servers, so the full name is needed.', exitCode: 2, httpStatus: 400 },
  E_NOT_MCP_SERVER: { meaning: 'The package shows no sign of being an MCP server, and installing it anyway was not confirmed.', exitCode: 2, httpStatus: 400 },
  E_UNKNOWN_SOURCE: { meaning: 'No configured source has the id asked for, or resolves that kind of reference.', exitCode: 2, httpStatus: 400 },
  E_FORBIDDEN_ENV: { meaning: 'An environment variable that makes a runtime load code from elsewhere (NODE_OPTIONS, LD_PRELOAD, ...) was given to a server.', exitCode: 2, httpStatus: 400 },
  E_CONFIRMATION_REQUIRED: { meaning: 'The operation needs confirmation and nobody can be asked (no terminal, no approval given).', exitCode: 2, httpStatus: 400 },
  E_CANCELLED: { meaning: 'Confirmation was declined, so nothing was changed.', exitCode: 1, httpStatus: 499 },
  E_INTERRUPTED: { meaning: 'Ctrl-C stopped the command; what was staged was removed and nothing was recorded.', exitCode: 130, httpStatus: 499 },
  E_ABORTED: { meaning: "The caller stopped the operation (Ctrl-C, or its abort signal); what was staged was removed.", exitCode: 130, httpStatus: 499 },

  // Lookups that found nothing.
  E_NOT_FOUND: { meaning: 'The server or package asked for does not exist on the source asked.', exitCode: 3, httpStatus: 404 },
  E_VERSION_NOT_FOUND: { meaning: 'The package exists but has no version matching the one asked for.', exitCode: 3, httpStatus: 404 },
  E_NOT_INSTALLED: { meaning: 'No installed server has that name.', exitCode: 3, httpStatus: 404 },
  E_NOT_REGISTERED: { meaning: "No server of that name is registered in Ergon's repository.", exitCode: 3, httpStatus: 404 },

  // Conflicts with what is installed or running.
  E_ALREADY_INSTALLED: { meaning: 'The server is installed at another version than the one asked for; updating is the way to change it.', exitCode: 1, httpStatus: 409 },
  E_TOOLS_CHANGED: { meaning: "A new version's tools differ from the recorded ones, and the change was not approved.", exitCode: 1, httpStatus: 409 },
  E_LINT_REFUSED: {
    meaning: "The server's tool descriptions, names, schemas or instructions have description-lint findings (hidden Unicode, text aimed at the model, ...) and the lint policy refuses them.",
    exitCode: 1,
    httpStatus: 409,
  },
  E_CLIENT_UNKNOWN: { meaning: 'A client id that tekton-mcp does not write (see the list of clients).', exitCode: 2, httpStatus: 400 },
  E_CLIENT_UNSUPPORTED: { meaning: 'The client cannot take this entry as asked: it has no such scope, or does not speak the remote transport and no bridge is set up.', exitCode: 1, httpStatus: 422 },
  E_CLIENT_CONFIG_INVALID: { meaning: "A client's config file does not parse (or is not the shape the client documents); it is left untouched.", exitCode: 1, httpStatus: 422 },
  E_CLIENT_ENTRY_NOT_OURS: { meaning: "A client's file already has an entry of that name that tekton-mcp did not write; it is kept unless forced.", exitCode: 1, httpStatus: 409 },
  E_CLIENT_ENTRY_CHANGED: { meaning: 'An entry tekton-mcp wrote into a client file was edited by hand since; the edit is kept unless forced.', exitCode: 1, httpStatus: 409 },
  E_CLIENT_SECRETS: { meaning: 'A server needs a secret and the client could only get it as plain text in its file; refused unless plain secrets are allowed.', exitCode: 1, httpStatus: 422 },
  E_LOCKED: { meaning: 'Another process is changing the same server, or held its lock past the stale time.', exitCode: 1, httpStatus: 409 },

  // Registries and other upstreams.
  E_HTTP: { meaning: 'A registry answered with an error status (other than not found or rate limited).', exitCode: 1, httpStatus: 502 },
  E_NETWORK: { meaning: 'A registry could not be reached: DNS, refused connection, reset or TLS failure.', exitCode: 1, httpStatus: 502 },
  E_TIMEOUT: { meaning: 'A registry or source did not answer in time.', exitCode: 1, httpStatus: 504 },
  E_RATE_LIMITED: { meaning: 'A registry is rate limiting requests; it may say when they resume.', exitCode: 1, httpStatus: 429 },
  E_BAD_RESPONSE: { meaning: 'A registry answered with a body that is not what its API promises (not JSON, wrong shape).', exitCode: 1, httpStatus: 502 },
  E_RESPONSE_TOO_LARGE: { meaning: 'A registry answered with a body larger than the configured limit.', exitCode: 1, httpStatus: 502 },
  E_SOURCE_FAILED: { meaning: 'A source failed without a more specific code (every source failed a search, or a lookup failed).', exitCode: 1, httpStatus: 502 },
  E_SEARCH_UNSUPPORTED: { meaning: 'The source cannot search (a registry mirror without a search endpoint); it can still look servers up by name.', exitCode: 1, httpStatus: 501 },
  E_INDEX_BUILDING: { meaning: "The PyPI source's name index is still being downloaded (first use); search again shortly.", exitCode: 1, httpStatus: 503 },
  E_INDEX_FAILED: { meaning: "The PyPI source's name index could not be built, and no earlier error says why.", exitCode: 1, httpStatus: 502 },
  E_PYPI_INDEX: { meaning: "Building the PyPI source's name index failed for a reason without a more specific code.", exitCode: 1, httpStatus: 502 },
  E_SYNC_FAILED: { meaning: "Syncing the MCP Registry's local catalogue failed for a reason without a more specific code.", exitCode: 1, httpStatus: 502 },

  // Installing and checking servers.
  E_NO_INSTALLER: { meaning: 'No registered installer handles any of the packages the server offers.', exitCode: 1, httpStatus: 422 },
  E_REQUIREMENTS: { meaning: 'A runtime the server needs (Node.js, npm, ...) is missing here or too old.', exitCode: 1, httpStatus: 422 },
  E_NO_BIN: { meaning: 'The package has no unambiguous executable inside it to start as the server (an npm bin, a Python console script).', exitCode: 1, httpStatus: 422 },
  E_INTEGRITY_MISSING: { meaning: 'The registry or index publishes no digest for the download (sha512 on npm, sha256 on a Python index), so it cannot be checked and is refused.', exitCode: 1, httpStatus: 422 },
  E_INTEGRITY_MISMATCH: { meaning: 'A download does not match the digest the registry published for it; nothing was installed.', exitCode: 1, httpStatus: 502 },
  E_POLICY_DENIED: { meaning: 'The permission policy refuses the operation: the message names the rule (policy.<rule>) and the settings file it came from.', exitCode: 1, httpStatus: 403 },
  E_UNSAFE_DEPENDENCY: { meaning: 'A dependency in the resolved tree is not a registry tarball with a sha512 integrity (git, a URL elsewhere, a file or link, sha1 or none); nothing was installed.', exitCode: 1, httpStatus: 422 },
  E_TOO_LARGE: { meaning: 'The dependency tree unpacks to more bytes or files than the configured caps; nothing was unpacked.', exitCode: 1, httpStatus: 422 },
  E_UNSAFE_TARBALL_URL: { meaning: 'A package points at a download that is not an http(s) URL (git, file, ...), which is refused.', exitCode: 1, httpStatus: 502 },
  E_SIGNATURE_INVALID: { meaning: "A version's registry signature (ECDSA over `<name>@<version>:<integrity>`) does not verify with the registry's key: the metadata was changed after the registry signed it; nothing was installed.", exitCode: 1, httpStatus: 502 },
  E_SIGNATURE_MISSING: { meaning: 'The registry publishes signing keys but the version carries no signature from them; nothing was installed.', exitCode: 1, httpStatus: 502 },
  E_SIGNATURE_UNKNOWN_KEY: { meaning: "A version is signed with a key id the registry's key list does not hold; nothing was installed.", exitCode: 1, httpStatus: 502 },
  E_SIGNATURE_KEY_EXPIRED: { meaning: "A version's signature was made with a registry key that had expired when the version was published; nothing was installed.", exitCode: 1, httpStatus: 502 },
  E_SIGNATURE_REQUIRED: { meaning: 'Signatures are required (policy or option) but the registry serves no signing keys, so the version cannot be checked; nothing was installed.', exitCode: 1, httpStatus: 422 },
  E_PROVENANCE_INVALID: { meaning: "A version's provenance attestation does not verify: its signature, its certificate chain to the pinned trusted root, or its bundle is broken; nothing was installed.", exitCode: 1, httpStatus: 502 },
  E_PROVENANCE_SUBJECT_MISMATCH: { meaning: 'A provenance attestation names another package, version or tarball digest than the one being installed; nothing was installed.', exitCode: 1, httpStatus: 502 },
  E_PROVENANCE_REQUIRED: { meaning: 'Provenance is required (policy or option) but the version has no provenance attestation; nothing was installed.', exitCode: 1, httpStatus: 422 },
  E_PROVENANCE_DOWNGRADE: { meaning: 'The version lacks provenance or signatures its predecessor (the installed version, or the previous published one) had: a trust downgrade, refused unless allowed explicitly.', exitCode: 1, httpStatus: 422 },
  E_OWNERSHIP_MISMATCH: { meaning: "The package does not claim the registry name it is listed under (npm `mcpName`, PyPI `mcp-name:`, OCI label), or its repository id differs from the registry's (deleted and recreated).", exitCode: 1, httpStatus: 422 },
  E_PACKAGE_MISMATCH: { meaning: 'What was downloaded is not the package and version the registry described.', exitCode: 1, httpStatus: 502 },
  E_NPM_INSTALL_FAILED: { meaning: "npm failed to install the package's dependencies.", exitCode: 1, httpStatus: 502 },
  E_DOCKER_FAILED: { meaning: 'docker failed to pull or inspect the image (the engine answered with an error).', exitCode: 1, httpStatus: 502 },
  E_MISSING_INPUT: { meaning: 'The server needs values (variables or arguments its server.json marks required) that were not given, and none could be asked for.', exitCode: 2, httpStatus: 400 },
  E_SANDBOX_UNAVAILABLE: { meaning: 'A sandbox was asked for (bubblewrap) but this platform has none that works: not Linux, bwrap not installed, or it cannot create namespaces here.', exitCode: 1, httpStatus: 422 },
  E_REMOTE_ONLY: { meaning: 'The server only runs as a remote (an URL a client connects to): there is nothing to install.', exitCode: 1, httpStatus: 422 },
  E_NO_REMOTE: { meaning: '`--remote` was asked for a server whose metadata lists no remote (no URL to connect to).', exitCode: 1, httpStatus: 422 },
  E_HANDSHAKE_HTTP: { meaning: 'The remote server could not be reached over HTTP or answered with an HTTP error (refused, 401/403, 404, 5xx) during the MCP handshake.', exitCode: 1, httpStatus: 502 },
  E_SECRET_STORE: { meaning: 'The secret store (secrets/secrets.json under the data directory) cannot be read or does not hold secrets in the expected shape.', exitCode: 1, httpStatus: 500 },
  E_LAUNCH_FAILED: { meaning: 'The secret launcher could not start the server it was asked to (its recorded command is missing or not executable).', exitCode: 1, httpStatus: 500 },
  E_COMPOSE_INVALID: { meaning: 'The compose file (`tekton-mcp apply <file.yml>`) does not parse or does not match its schema; the message names each problem by its dotted path.', exitCode: 2, httpStatus: 400 },
  E_NPM_STALLED: { meaning: 'npm made no progress (no output, no CPU in its process tree) for the inactivity limit and was stopped; nothing was installed.', exitCode: 1, httpStatus: 504 },
  E_INSTALL_FAILED: { meaning: 'An installer failed for a reason without a more specific code.', exitCode: 1, httpStatus: 500 },
  E_INSTALLER_RESULT: { meaning: 'An installer returned a result the installation service cannot use (no integrity, a relative command, ...).', exitCode: 1, httpStatus: 500 },
  E_HANDSHAKE_EXIT: { meaning: 'The server exited before completing the MCP handshake.', exitCode: 1, httpStatus: 502 },
  E_HANDSHAKE_TIMEOUT: { meaning: 'The server did not complete the MCP handshake in time.', exitCode: 1, httpStatus: 504 },
  E_HANDSHAKE_PROTOCOL: { meaning: 'The server started but did not answer as an MCP server over stdio.', exitCode: 1, httpStatus: 502 },
  E_HANDSHAKE_SPAWN: { meaning: "The server's command could not be started.", exitCode: 1, httpStatus: 500 },

  // The HTTP API refusing a request before any operation runs.
  E_UNAUTHORIZED: { meaning: 'The request needs the API token (Authorization: Bearer <token>), and it is missing or wrong.', exitCode: 1, httpStatus: 401 },
  E_FORBIDDEN: { meaning: 'The API refused a request from a foreign page or host: an Origin, Host or Sec-Fetch-Site it does not allow.', exitCode: 1, httpStatus: 403 },
  E_UNSUPPORTED_MEDIA_TYPE: { meaning: 'A request that changes something must send its body as JSON (Content-Type: application/json).', exitCode: 1, httpStatus: 415 },
  E_BODY_TOO_LARGE: { meaning: "A request's body is larger than the API accepts.", exitCode: 1, httpStatus: 413 },
  E_TOO_MANY_REQUESTS: { meaning: 'A client sent more changing requests than the API allows per minute; Retry-After says when to try again.', exitCode: 1, httpStatus: 429 },
  E_JOB_NOT_FOUND: { meaning: 'No job has that id (it never existed, or it finished long enough ago to be forgotten).', exitCode: 3, httpStatus: 404 },
  E_JOB_FINISHED: { meaning: 'The job has finished already, so it cannot be cancelled.', exitCode: 1, httpStatus: 409 },

  // Local state, configuration and faults.
  E_SETTINGS_INVALID: { meaning: 'A settings file (administrator, user or project) or a TEKTON_MCP_* override is invalid: it does not parse, a key has the wrong type, or the key given is not a setting. Nothing was changed.', exitCode: 2, httpStatus: 400 },
  E_CONFIG: { meaning: 'The configuration is invalid: an option, a registry URL, a token or a configuration file.', exitCode: 1, httpStatus: 500 },
  E_ERGON_STORE: { meaning: "Ergon's database could not be opened, prepared or written (a locked or unreadable file, an unreachable PostgreSQL).", exitCode: 1, httpStatus: 503 },
  E_CACHE: { meaning: 'The cache could not be read, written or cleared.', exitCode: 1, httpStatus: 500 },
  E_STATE_CORRUPT: { meaning: 'The record of installed servers is unreadable or contradicts itself; it is left as it is.', exitCode: 1, httpStatus: 500 },
  E_STATE_VERSION: { meaning: 'The record of installed servers was written by a newer version, so it is left alone.', exitCode: 1, httpStatus: 500 },
  E_INTERNAL: { meaning: 'Something failed that should not: a bug to report.', exitCode: 1, httpStatus: 500 },
} as const satisfies Record<`E_${string}`, ErrorCodeDescription>

/** Every code the packages throw; a code not in the catalogue is a type error. */
export type ErrorCode = keyof typeof errorCatalog

/** The catalogue's codes, in its order. */
export const errorCodes = Object.keys(errorCatalog) as ErrorCode[]

/** Whether `code` is in the catalogue (e.g. a status's `code`, which is a plain string). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorCatalog, code)
}

/** The catalogue's entry for `code`, or E_INTERNAL's for a code it does not know. */
export function describeErrorCode(code: string): ErrorCodeDescription {
  return isErrorCode(code) ? errorCatalog[code] : errorCatalog.E_INTERNAL
}
