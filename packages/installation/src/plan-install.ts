/**
 * What an install would do, without writing anything: for confirmation prompts before
 * `installServer`. It resolves, chooses and checks exactly as the install does.
 */
import type { ServerMetadata } from '@tekton/mcp-discovery'
import semver from 'semver'
import type { LaunchSpec, MCPServerInstaller, RequirementReport } from './spec/installer'
import type { PublishedTrust, TrustOptions, VerificationResult } from './spec/verification'
import { baselineFromPublished, baselineFromRecord, trustRulesOf, verificationRefusal } from './verification'
import { checkEnvironmentVariables, declaredEnvironment, redactEnvironment, redactedValue } from './environment'
import { checkLaunchSpec } from './launch'
import { mcpSignsOf } from './mcp-signs'
import { serverSlug, versionDirectoryName } from './names'
import { hasInstallablePackage, installerFailure, pickPackage } from './package-choice'
import { planRemote } from './install-remote'
import { chooseRemote } from './remote-server'
import { resolveTarget } from './resolve-target'
import { checkArguments, declaredVariables, secretNamesOf } from './server-configuration'
import { findRecord } from './server-view'
import { checkInputValues, resolvePackageLaunch, stillMissing } from './package-inputs'
import type { InputValues, PackageInput } from './package-inputs'
import { checkPackagePolicy, withTrustDefaults } from './service-context'
import type { ServiceContext } from './service-context'
import { chooseSandbox, sandboxLaunch, sandboxRequestOf } from './sandbox-launch'
import type { SandboxMode } from './sandbox/probe'
import { buildTrustReport, installedContext } from './trust/report'
import type { LintPolicy, TrustReport } from './trust/report'
import { checkLintPolicy } from './trust/review'
import type { DeclaredVariable } from './state'
import { checkRepositoryIdentity, combineOwnership, repositoryIdentityNote, repositoryIdentityRefusal } from './repository-identity'

export interface PlanInstallOptions extends TrustOptions {
  version?: string
  registryType?: string
  allowScripts?: boolean
  /**
   * Install although the runtime does not satisfy the package's engines and npm's \`engine-strict\`
   * makes that a refusal (without it a mismatch is only a warning). @default false
   */
  ignoreEngines?: boolean
  /** Allow dependencies from outside the registry (git, URLs, files) for this install. @default false */
  allowNonRegistryDependencies?: boolean
  handshake?: boolean
  env?: Record<string, string>
  /** Plan the server's remote endpoint rather than a package (see `InstallServerOptions.remote`). */
  remote?: boolean
  /** Variables given as secrets (`--secret`): shown as `••••`, counted as given. */
  secrets?: Record<string, string>
  args?: string[]
  /** Values for the package's declared arguments and placeholders (see `InstallServerOptions.inputs`). */
  inputs?: InputValues
  /** The sandbox to plan for (see `InstallServerOptions.sandbox`). */
  sandbox?: SandboxMode
  sandboxNetwork?: boolean
  /** Shown in the report: whether lint findings will warn or refuse. @default 'warn' */
  lintPolicy?: LintPolicy
  signal?: AbortSignal
}

export interface InstallPlan {
  name: string
  ref: string
  slug: string
  /** The exact version when the installer could tell (it has `plan`), else what was asked for or the latest known. */
  version: string
  exact: boolean
  /** The installer that installs it; `remote` for a remote server (nothing is installed). */
  installer: MCPServerInstaller['type'] | 'remote'
  package: { registryType: string; identifier: string; version?: string }
  /** Why this package of the server was chosen (`--type`, the ref's kind, the first runtime present). */
  packageChoice?: string
  /** Where it will be installed. */
  directory: string
  /** What will run (paths final, arguments untruncated, secret values `••••`); absent when the installer cannot plan. */
  launch?: LaunchSpec
  /** Names of the variables the server will get besides the allow-list. */
  envNames: string[]
  requirements: RequirementReport
  allowScripts: boolean
  handshake: boolean
  /** The version installed now, when the server is installed. */
  installedVersion?: string
  /**
   * How `version` compares with `installedVersion`, when the server is installed: `downgrade`
   * deserves a question of its own. `unknown` when either is not a semver version.
   */
  versionChange?: 'same' | 'upgrade' | 'downgrade' | 'unknown'
  /**
   * Signs that the package is an MCP server (see `mcpSignsOf`, plus the installer's own);
   * empty when it shows none: it may be any package, whose handshake would only time out.
   */
  mcpSigns: string[]
  notes: string[]
  /**
   * Required inputs (variables, arguments, placeholders) that have no value yet: a front end asks
   * for them (secrets without echo) or, when it cannot ask, fails with `missingInputsError`.
   */
  missingInputs?: PackageInput[]
  /** What the installer verified about `version` (signature, provenance, ownership), when it verifies while planning. */
  verification?: VerificationResult
  /** The refusal the install would meet under the trust rules (a failed check, a downgrade), with its code. */
  trustRefusal?: { code: string; message: string; hint?: string }
  /**
   * The sandbox it will run in: `bubblewrap` (then `launch` is the wrapped command line), or
   * `none` with a note saying why when one was asked for (no sandbox on this platform, a
   * container's own). `network`: whether a sandboxed server may use the network.
   */
  sandbox?: { kind: 'bubblewrap' | 'none'; network?: boolean; writable?: string[]; note?: string }
  /**
   * The trust report as far as it is known before anything is downloaded: source, ownership,
   * look-alikes, scripts, dependencies, sandbox; the lint is `pending` (it reads the handshake).
   */
  trust: TrustReport
  /** For a remote server (`installer: 'remote'`): where it connects; secret header values `••••`. */
  remote?: { transport: 'streamable-http' | 'sse'; url: string; headers: Record<string, string> }
}

/**
 * The version, the package and installer, the final directory, the command line (from the
 * installer's `plan`, when it has one), the variables the server gets and the requirements report.
 */
export async function planInstall(context: ServiceContext, target: string | ServerMetadata, callOptions: PlanInstallOptions): Promise<InstallPlan> {
  const options = withTrustDefaults(context, callOptions)
  const { server, ref, requestedVersion, preferredKind } = await resolveTarget(context, target, options.version, options.signal)
  const slug = serverSlug(server.name)
  // `registryType: 'remote'` is what a remote record says it was installed from (updates pass it back).
  const wantsRemote = options.remote === true || options.registryType === 'remote'
  const remote = options.registryType === undefined || wantsRemote ? chooseRemote(server, { ...(wantsRemote ? { remote: true } : {}), installable: hasInstallablePackage(context.installers, server) }) : undefined
  if (remote) {
    const state = await context.state.read()
    return planRemote(context, { server, ref, slug, remote, inputs: options.inputs, handshake: options.handshake ?? true }, findRecord(state, server.name)?.activeVersion, installedContext(state, server.name))
  }
  const choice = await pickPackage(context.installers, server, preferredKind, options.registryType, { env: context.env, ...(options.ignoreEngines ? { ignoreEngines: true } : {}), ...(options.signal ? { signal: options.signal } : {}) })
  const { pkg, installer } = choice
  const givenSecrets = checkEnvironmentVariables(options.secrets ?? {}, 'secret')
  const configuredEnv = { ...checkEnvironmentVariables(options.env ?? {}, 'configured environment'), ...givenSecrets }
  const extraArgs = checkArguments(options.args ?? [])
  const declared: DeclaredVariable[] = [...declaredVariables(pkg), ...Object.keys(givenSecrets).map((name) => ({ name, isSecret: true }))]
  checkEnvironmentVariables(declaredEnvironment(pkg.environmentVariables), `${server.name} metadata`)
  const requirements = choice.requirements ?? await installer.checkRequirements(pkg, { env: context.env, ...(options.ignoreEngines ? { ignoreEngines: true } : {}), ...(options.signal ? { signal: options.signal } : {}) }).catch(installerFailure(installer, pkg))
  const allowScripts = options.allowScripts ?? context.allowScriptsByDefault
  await checkPackagePolicy(context, { operation: 'plan', server, ref, package: pkg, allowScripts, allowNonRegistryDependencies: options.allowNonRegistryDependencies === true })
  const repositoryIdentity = await checkRepositoryIdentity(context.repositoryIdLookup, server, options.signal)
  const inputs = options.inputs === undefined ? undefined : checkInputValues(options.inputs)
  const resolvedInputs = resolvePackageLaunch(pkg, { ...configuredEnv, ...inputs })
  const installed = findRecord(await context.state.read(), server.name)
  const sandbox = await chooseSandbox(context, sandboxRequestOf(options, installed), installer, options.signal)
  const spec = {
    server,
    package: pkg,
    ...(requestedVersion === undefined ? {} : { version: requestedVersion }),
    allowScripts,
    ...(inputs === undefined ? {} : { inputs }),
    ...(options.ignoreEngines ? { ignoreEngines: true } : {}),
    ...(options.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
    ...(sandbox.network ? { network: true } : {}),
  }
  const notes: string[] = choice.chose ? [`Installs the ${choice.reason}`] : []
  let version = requestedVersion ?? pkg.version ?? server.version
  let exact = false
  let launch: LaunchSpec | undefined
  let verification: VerificationResult | undefined
  let previousPublished: PublishedTrust | undefined
  const mcpSigns = mcpSignsOf(server)
  if (installer.plan) {
    const planned = await installer
      .plan(spec, {
        directoryFor: (candidate) => context.layout.versionDir(slug, versionDirectoryName(candidate)),
        env: context.env,
        ...(options.signal ? { signal: options.signal } : {}),
      })
      .catch(installerFailure(installer, pkg))
    versionDirectoryName(planned.version)
    version = planned.version
    exact = true
    const directory = context.layout.versionDir(slug, versionDirectoryName(planned.version))
    const checked = await sandboxLaunch(context, checkLaunchSpec(planned.launch, `${installer.type} installer plan`), sandbox.decision, { slug, installDirectory: directory, create: false })
    const env = { ...declaredEnvironment(pkg.environmentVariables), ...checked.env, ...configuredEnv }
    // Secret argument values (a token passed as --token) are shown as `••••` like secret variables.
    const shownArgs = [...checked.args, ...extraArgs].map((argument) => (resolvedInputs.secretValues.includes(argument) ? redactedValue : argument))
    launch = { ...checked, args: shownArgs, env: redactEnvironment(env, secretNamesOf(declared, env)) }
    notes.push(...(planned.notes ?? []))
    for (const sign of planned.mcpSigns ?? []) if (!mcpSigns.includes(sign)) mcpSigns.push(sign)
    verification = planned.verification
    previousPublished = planned.previousPublished
  } else {
    notes.push(`The ${installer.type} installer cannot tell the command before installing; it is shown after the install`)
  }
  const envNames = [...new Set([...Object.keys(launch?.env ?? {}), ...declared.map((variable) => variable.name), ...Object.keys(configuredEnv)])].sort()
  let trustRefusal: InstallPlan['trustRefusal']
  if (verification && repositoryIdentity) verification = { ...verification, ownership: combineOwnership(verification.ownership, repositoryIdentity) }
  const takenOver = repositoryIdentityRefusal(server.name, repositoryIdentity)
  const identityNote = repositoryIdentityNote(repositoryIdentity)
  if (identityNote) notes.push(identityNote)
  if (takenOver) trustRefusal = { code: takenOver.code, message: takenOver.message, ...(takenOver.hint ? { hint: takenOver.hint } : {}) }
  else if (verification) {
    const installedVerification = installed?.versions[installed.activeVersion]?.verification
    const baseline = installed ? baselineFromRecord(installed.activeVersion, installedVerification) : baselineFromPublished(previousPublished)
    const refused = verificationRefusal(`${pkg.identifier}@${version}`, verification, trustRulesOf(options), baseline)
    // Data, not a note: a front end refuses with it (the CLI after showing the plan), an API returns it.
    if (refused) trustRefusal = { code: refused.code, message: refused.message, ...(refused.hint ? { hint: refused.hint } : {}) }
  }
  if (sandbox.decision.note) notes.push(sandbox.decision.note)
  const state = await context.state.read()
  const trust = buildTrustReport({
    server: server.name,
    version,
    ref,
    registryType: pkg.registryType,
    identifier: pkg.identifier,
    ...(server.registryName ? { registryName: server.registryName } : {}),
    ...(server.repository?.url ? { repository: server.repository.url } : {}),
    installer: installer.type,
    ownershipFacts: server.verified ?? [],
    allowScripts,
    ...(options.allowNonRegistryDependencies ? { allowNonRegistryDependencies: true } : {}),
    ...(launch ? { launch } : {}),
    ...(verification ? { verification } : repositoryIdentity ? { repositoryIdentity } : {}),
    handshake: options.handshake === false ? null : 'pending',
    lintPolicy: checkLintPolicy(options.lintPolicy),
    ...installedContext(state, server.name),
    now: context.now,
  })
  if (!requirements.ok) notes.push('The requirements are not met: the install would fail (see requirements)')
  const missing = declared.filter((variable) => variable.isRequired && variable.default === undefined && configuredEnv[variable.name] === undefined)
  if (missing.length > 0) notes.push(`Required variables not configured: ${missing.map((variable) => variable.name).join(', ')}`)
  return {
    name: server.name,
    ref,
    slug,
    version,
    exact,
    installer: installer.type,
    package: { registryType: pkg.registryType, identifier: pkg.identifier, ...(pkg.version === undefined ? {} : { version: pkg.version }) },
    packageChoice: choice.reason,
    directory: context.layout.versionDir(slug, versionDirectoryName(version)),
    ...(launch ? { launch } : {}),
    envNames,
    requirements,
    allowScripts,
    handshake: options.handshake ?? true,
    ...(installed ? { installedVersion: installed.activeVersion, versionChange: compareVersions(version, installed.activeVersion) } : {}),
    mcpSigns,
    notes,
    missingInputs: stillMissing(resolvedInputs.missing, extraArgs),
    ...(verification ? { verification } : {}),
    ...(trustRefusal ? { trustRefusal } : {}),
    sandbox:
      sandbox.decision.use === 'bubblewrap'
        ? { kind: 'bubblewrap', network: sandbox.decision.network, writable: [context.layout.dataDir(slug)] }
        : { kind: 'none', ...(sandbox.decision.note ? { note: sandbox.decision.note } : {}) },
    trust,
  }
}

/** `version` against the installed one, by semver precedence. */
function compareVersions(version: string, installed: string): NonNullable<InstallPlan['versionChange']> {
  if (version === installed) return 'same'
  if (semver.valid(version) === null || semver.valid(installed) === null) return 'unknown'
  const order = semver.compare(version, installed)
  return order === 0 ? 'same' : order > 0 ? 'upgrade' : 'downgrade'
}
