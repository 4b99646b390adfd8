// The installer conformance suite over the node installer: a loopback npm registry, real npm.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, it } from '@jest/globals'
import { installerConformance } from '@tekton/mcp-installation/testing'
import { fixtureNpmPackages, fixtureServerPackageName, startFakeNpmRegistry } from '@tekton/mcp-testkit'
import { createNodeInstaller } from '../src/index'
import { installSpec, isolatedEnv, quickHttp } from './helpers'

installerConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'node',
    setup: async () => {
      const root = await mkdtemp(path.join(tmpdir(), 'tekton-node-conformance-'))
      const fixtures = fixtureNpmPackages()
      const registry = await startFakeNpmRegistry({ packages: [fixtures.server, fixtures.dependency] })
      // The npm cache lives outside the work directory: the suite checks nothing else is written there.
      const env = isolatedEnv(path.join(root, 'outside'), { npm_config_registry: registry.url, npm_config_cache: path.join(root, 'outside', 'npm-cache') })
      const workDirectory = path.join(root, 'work')
      await mkdir(workDirectory, { recursive: true })
      return {
        installer: createNodeInstaller({ http: quickHttp(), env }),
        spec: installSpec(fixtureServerPackageName, { version: '1.0.0' }),
        missingSpec: installSpec('fixture-not-published'),
        workDirectory,
        env,
        teardown: async () => {
          await registry.close()
          await rm(root, { recursive: true, force: true })
        },
      }
    },
  },
)
