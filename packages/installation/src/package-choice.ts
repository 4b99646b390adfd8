/**
 * Which package of a server to install and which installer installs it: installers are picked by
 * the package's `registryType`, and only stdio packages count (a remote needs no install).
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { Package, RefKind, ServerMetadata } from '@tekton/mcp-discovery'
import type { MCPServerInstaller, RequirementReport } from './spec/installer'
import { messageOf } from './service-context'

const registryTypeOfKind: Partial<Record<RefKind, string>> = { npm: 'npm', pypi: 'pypi', docker: 'oci' }

/** The first installer that handles `registryType`. */
export function installerFor(installers: readonly MCPServerInstaller[], registryType: string): MCPServerInstaller | undefined {
  return installers.find((installer) => installer.registryTypes.includes(registryType))
}

/** Whether any stdio package of the server is one an installer handles. */
export function hasInstallablePackage(installers: readonly MCPServerInstaller[], server: ServerMetadata): boolean {
  return server.packages.some((pkg) => (pkg.transport?.type ?? 'stdio') === 'stdio' && installerFor(installers, pkg.registryType) !== undefined)
}

/** The package to install: one an installer handles, the ref's own kind first. */
export function choosePackage(
  installers: readonly MCPServerInstaller[],
  server: ServerMetadata,
  preferredKind: RefKind | undefined,
  registryType: string | undefined,
): { pkg: Package; installer: MCPServerInstaller } {
  const preferred = registryType ?? (preferredKind ? registryTypeOfKind[preferredKind] : undefined)
  const stdio = server.packages.filter((pkg) => (pkg.transport?.type ?? 'stdio') === 'stdio')
  if (stdio.length === 0 && server.remotes.length > 0) {
    // A remote is a URL a client connects to: nothing runs here, so there is nothing to install.
    const urls = server.remotes.map((remote) => `${remote.url ?? '(no URL)'} (${remote.type})`)
    throw new TektonError('E_REMOTE_ONLY', `${server.name} only runs as a remote server, at ${urls.join(', ')}: there is nothing to install`, {
      hint: 'Add it to your MCP client as a remote server (its URL and headers); writing client configuration (`tekton-mcp configure <name> --client <id>`) comes in a later release',
    })
  }
  const ordered = [...stdio.filter((pkg) => pkg.registryType === preferred), ...stdio.filter((pkg) => pkg.registryType !== preferred)]
  const candidates = registryType ? ordered.filter((pkg) => pkg.registryType === registryType) : ordered
  for (const pkg of candidates) {
    const installer = installerFor(installers, pkg.registryType)
    if (installer) return { pkg, installer }
  }
  const offered = [...new Set(server.packages.map((pkg) => `${pkg.registryType} (${pkg.transport?.type ?? 'stdio'})`))]
  const handled = [...new Set(installers.flatMap((installer) => installer.registryTypes))]
  throw new TektonError(
    'E_NO_INSTALLER',
    registryType
      ? `${server.name} has no stdio ${registryType} package an installer handles`
      : `No installer handles any package of ${server.name}`,
    {
      hint: `Packages offered: ${offered.length > 0 ? offered.join(', ') : 'none'}; installers configured for: ${handled.length > 0 ? handled.join(', ') : 'none'}${server.remotes.length > 0 ? '; it also runs as a remote server, which needs no install' : ''}`,
    },
  )
}

/** Installers are plugins: whatever they throw becomes a coded error naming them. */
export function installerFailure(installer: MCPServerInstaller, pkg: Package): (error: unknown) => never {
  return (error) => {
    if (TektonError.isInstance(error)) throw error
    throw new TektonError('E_INSTALL_FAILED', `[${installer.type} installer] ${pkg.registryType}:${pkg.identifier}: ${messageOf(error)}`, { cause: error })
  }
}

/** The order packages are tried in when nothing names a type: the first whose runtime is here wins. */
export const registryTypePreference = ['npm', 'pypi', 'oci'] as const

/** A package choice with the reason a plan shows. */
export interface PackageChoice {
  pkg: Package
  installer: MCPServerInstaller
  /** Why this package: `--type`, the ref's kind, the only one, or the first whose runtime is here. */
  reason: string
  /** The chosen package's requirements, when they were checked to choose it. */
  requirements?: RequirementReport
  /** Whether there was a choice to make (several packages, or `--type`): then the plan says why. */
  chose: boolean
}

/**
 * Like `choosePackage`, but a server with several installable packages and nothing naming one
 * (a `registry:` ref, a bare name) gets the first of npm, pypi, oci whose runtime is present here,
 * so a machine without Docker installs the npm package and one without Node the image.
 */
export async function pickPackage(
  installers: readonly MCPServerInstaller[],
  server: ServerMetadata,
  preferredKind: RefKind | undefined,
  registryType: string | undefined,
  context: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; ignoreEngines?: boolean },
): Promise<PackageChoice> {
  const describe = (pkg: Package) => `${pkg.registryType} package ${pkg.identifier}`
  const installable = server.packages.filter((pkg) => (pkg.transport?.type ?? 'stdio') === 'stdio' && installerFor(installers, pkg.registryType) !== undefined)
  if (registryType !== undefined) {
    const chosen = choosePackage(installers, server, preferredKind, registryType)
    // Only worth a note when there was something else to choose (an update passes the recorded type).
    return { ...chosen, chose: installable.length > 1, reason: `${describe(chosen.pkg)}, as --type ${registryType} asks` }
  }
  const preferred = preferredKind ? registryTypeOfKind[preferredKind] : undefined
  if (preferred !== undefined) {
    const chosen = choosePackage(installers, server, preferredKind, undefined)
    return { ...chosen, chose: false, reason: `${describe(chosen.pkg)}: the ref names ${preferred === 'oci' ? 'a docker image' : preferred === 'npm' ? 'an npm package' : `a ${preferred} package`}` }
  }
  const fallback = choosePackage(installers, server, undefined, undefined)
  const rank = (pkg: Package) => {
    const index = (registryTypePreference as readonly string[]).indexOf(pkg.registryType)
    return index === -1 ? registryTypePreference.length : index
  }
  const candidates = [...installable].sort((left, right) => rank(left) - rank(right))
  if (candidates.length <= 1) return { ...fallback, chose: false, reason: `${describe(fallback.pkg)}: the only package an installer here handles` }
  const skipped: string[] = []
  for (const pkg of candidates) {
    const installer = installerFor(installers, pkg.registryType) as MCPServerInstaller
    const requirements = await installer.checkRequirements(pkg, context).catch(installerFailure(installer, pkg))
    if (requirements.ok) {
      return {
        pkg,
        installer,
        requirements,
        chose: true,
        reason: `${describe(pkg)}: the first of ${registryTypePreference.join(', ')} whose runtime is here${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}; --type picks another`,
      }
    }
    const unmet = requirements.checks.find((check) => !check.ok)
    skipped.push(`${pkg.registryType} skipped: ${unmet ? `${unmet.requirement}: ${unmet.found ?? 'not met'}` : 'requirements not met'}`)
  }
  const first = candidates[0] as Package
  return { pkg: first, installer: installerFor(installers, first.registryType) as MCPServerInstaller, chose: true, reason: `${describe(first)}: no package's runtime is here (${skipped.join('; ')})` }
}
