// The installer conformance suite over the python installer: a loopback index serving real wheels, real python and pip.
import path from 'node:path'
import { mkdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, it } from '@jest/globals'
import { installerConformance } from '@tekton/mcp-installation/testing'
import { fixturePythonProjects, pythonFixtureServerName, startFakePypi } from '@tekton/mcp-testkit'
import { createPythonInstaller } from '../src/index'
import { installSpec, isolatedEnv, quickHttp, tempTree } from './helpers'

installerConformance(
  { describe, it, beforeAll, afterAll },
  {
    name: 'python',
    setup: async () => {
      const { root, cleanup } = await tempTree('tekton-python-conformance-')
      const { server, helper } = fixturePythonProjects()
      const index = await startFakePypi({ projects: [server, helper] })
      // pip's cache and HOME live outside the work directory: the suite checks nothing else is written there.
      const env = isolatedEnv(path.join(root, 'outside'), index.indexUrl)
      const workDirectory = path.join(root, 'work')
      await mkdir(workDirectory, { recursive: true })
      return {
        installer: createPythonInstaller({ http: quickHttp(), env }),
        spec: installSpec(pythonFixtureServerName),
        missingSpec: installSpec('tekton-fixture-not-published'),
        workDirectory,
        env,
        teardown: async () => {
          await index.close()
          await cleanup()
        },
      }
    },
  },
)
