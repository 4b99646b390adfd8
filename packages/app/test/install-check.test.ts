// What must hold before an install, whichever front end asks (the CLI's prompt and the API's
// approvals both apply it): requirements first, then some sign of being an MCP server.
import { describe, expect, it } from '@jest/globals'
import type { InstallPlan } from '@tekton/mcp-installation'
import { checkInstallPlan, notMcpServerError } from '../src/index'

function plan(overrides: Partial<InstallPlan> = {}): InstallPlan {
  return {
    name: 'plain-tool',
    ref: 'npm:plain-tool',
    slug: 'plain-tool',
    version: '1.0.0',
    exact: true,
    installer: 'node',
    package: { registryType: 'npm', identifier: 'plain-tool', version: '1.0.0' },
    directory: '/tmp/x',
    envNames: [],
    requirements: { ok: true, checks: [] },
    allowScripts: false,
    handshake: true,
    mcpSigns: [],
    notes: [],
    ...overrides,
  } as InstallPlan
}

describe('checkInstallPlan', () => {
  it('refuses a package with no sign of being an MCP server unless approved', () => {
    expect(() => checkInstallPlan(plan())).toThrow(expect.objectContaining({ code: 'E_NOT_MCP_SERVER' }))
    expect(() => checkInstallPlan(plan(), { approveNotMcpServer: true })).not.toThrow()
    expect(() => checkInstallPlan(plan({ mcpSigns: ['npm: keyword:mcp'] }))).not.toThrow()
    expect(notMcpServerError(plan())?.hint).not.toMatch(/tekton-mcp|--force/)
  })

  it('refuses unmet requirements first, even when approved', () => {
    const unmet = plan({ requirements: { ok: false, checks: [{ requirement: 'Node.js >=99', ok: false, hint: 'install Node.js 99' }] } as unknown as InstallPlan['requirements'] })
    expect(() => checkInstallPlan(unmet, { approveNotMcpServer: true })).toThrow(expect.objectContaining({ code: 'E_REQUIREMENTS' }))
  })
})
