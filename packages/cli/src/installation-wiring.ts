/**
 * Builds the installation service the install commands use: the node installer (npm packages,
 * npm's own configuration for the registry), the discovery service to resolve refs, and the data
 * directory under TEKTON_MCP_HOME. Loaded only by commands that install, so `--help` and the
 * search commands never load the installation packages.
 */
import { createInstallationService } from '@tekton/mcp-installation'
import type { MCPInstallationService } from '@tekton/mcp-installation'
import { createNodeInstaller } from '@tekton/mcp-installer-node'
import type { CliIo } from './io'
import type { Discovery } from './wiring'

/** The installation service and what it is wired to, as one CLI run uses them. */
export interface Installation {
  service: MCPInstallationService
  /** The data directory: installed.json, servers/, staging/. */
  dataDirectory: string
}

/**
 * The wiring for one CLI run. Progress is passed per call, so each command prints its own steps.
 * Without a discovery wiring (a bad TEKTON_MCP_SOURCES), the commands that only read or remove
 * what is installed still work; resolving a ref fails with the wiring's error.
 */
export function createInstallation(io: CliIo, discovery: { service: Discovery['service'] } | { error: unknown }): Installation {
  const service = createInstallationService({
    installers: [createNodeInstaller({ env: io.env, cwd: io.cwd })],
    resolve:
      'service' in discovery
        ? discovery.service
        : async () => {
            throw discovery.error
          },
    // The data directory comes from this environment (TEKTON_MCP_HOME), like the cache's. The
    // clock stays the real one: locks and staging directories are judged stale by it.
    env: io.env,
  })
  return { service, dataDirectory: service.layout.root }
}
