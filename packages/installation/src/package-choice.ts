/**
 * Which package of a server to install and which installer installs it: installers are picked by
 * the package's `registryType`, and only stdio packages count (a remote needs no install).
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { Package, RefKind, ServerMetadata } from '@tekton/mcp-discovery'
import type { MCPServerInstaller } from './spec/installer'
import { messageOf } from './service-context'

const registryTypeOfKind: Partial<Record<RefKind, string>> = { npm: 'npm', pypi: 'pypi', docker: 'oci' }

/** The first installer that handles `registryType`. */
export function installerFor(installers: readonly MCPServerInstaller[], registryType: string): MCPServerInstaller | undefined {
  return installers.find((installer) => installer.registryTypes.includes(registryType))
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
