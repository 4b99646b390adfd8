/**
 * `/docs` in a real browser: Debian's headless Chromium (driven by playwright-core, no download)
 * loads the reference page from a real listener with no outside network, runs Swagger UI from
 * the files the API serves itself, and lists the routes. Skips (or fails under
 * TEKTON_MCP_REQUIRE_SERVICES=chromium) when Chromium cannot start.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { serve } from '@hono/node-server'
import type { ServerType } from '@hono/node-server'
import { createTektonMcp } from '@tekton/mcp-app'
import { serviceUnavailable } from '@tekton/mcp-testkit'
import { Hono } from 'hono'
import { chromium } from 'playwright-core'
import type { BrowserContext } from 'playwright-core'
import { createMcpApi } from '../src/index'
import { installEnvironment, removeHomes, temporaryHome, token } from './helpers'

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

async function launch(): Promise<{ browser: BrowserContext; profile: string } | { unavailable: string }> {
  if (!existsSync(executablePath)) return { unavailable: serviceUnavailable('chromium', `${executablePath} does not exist`) }
  const profile = await mkdtemp(path.join(tmpdir(), 'tekton-mcp-chromium-'))
  try {
    // A fresh profile directory per run (playwright passes it as --user-data-dir).
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 60_000,
    })
    return { browser, profile }
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    return { unavailable: serviceUnavailable('chromium', error instanceof Error ? error.message.split('\n')[0] ?? 'launch failed' : String(error)) }
  }
}

const started = await launch()
const describeWithChromium = 'unavailable' in started ? describe.skip : describe

describeWithChromium('/docs in headless Chromium', () => {
  let server: ServerType
  let base: string
  const { browser, profile } = started as { browser: BrowserContext; profile: string }

  beforeAll(async () => {
    const home = await temporaryHome()
    const api = createMcpApi(createTektonMcp({ env: installEnvironment('http://127.0.0.1:9', home), cwd: home }), { token })
    // Mounted under Ergon's prefix, as a Hono app would mount it.
    const root = new Hono().route('/api/v1/mcp', api)
    server = serve({ fetch: root.fetch, hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/mcp`
  })

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
    await rm(profile, { recursive: true, force: true })
    await removeHomes()
  })

  it('renders the reference from local files and lists the routes', async () => {
    const page = await browser.newPage()
    const outside: string[] = []
    page.on('request', (request) => {
      if (!request.url().startsWith(base)) outside.push(request.url())
    })
    await page.goto(`${base}/docs`, { waitUntil: 'load', timeout: 60_000 })
    await page.waitForSelector('.opblock-summary-path', { timeout: 60_000 })
    const paths = await page.$$eval('.opblock-summary-path', (elements) => elements.map((element) => element.getAttribute('data-path') ?? element.textContent ?? ''))
    for (const route of ['/search', '/servers', '/servers/{id}', '/servers/{id}/config', '/jobs/{id}/events', '/v0.1/servers']) {
      expect(paths).toContain(route)
    }
    expect(await page.title()).toMatch(/swagger|tekton/i)
    // Everything came from the API itself: the page works without outside network.
    expect(outside).toEqual([])
    await page.close()
  })
})
