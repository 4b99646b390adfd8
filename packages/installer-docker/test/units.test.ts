/**
 * The docker installer without an engine: image references read as docker reads them, the
 * sandboxed command line, the registry API (digest from the bytes served, the four media types
 * asked for, the anonymous Bearer flow, a lying registry refused), and what checkRequirements,
 * install and uninstall do when docker answers this or that (a scripted `exec`).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHttpClient } from '@tekton/mcp-discovery'
import type { Package } from '@tekton/mcp-discovery'
import { startFakeServer } from '@tekton/mcp-testkit'
import type { FakeResponse, FakeServer } from '@tekton/mcp-testkit'
import {
  checkRuntimeArguments,
  createDockerInstaller,
  imageOf,
  imageServerMetadata,
  manifestMediaTypes,
  parseBearerChallenge,
  parseImageReference,
  probeDocker,
  registryApiBase,
  resolveManifest,
  runArguments,
  serverNameForImage,
  sha256Digest,
} from '../src/index'
import type { DockerInstallerExec, ExecResult } from '../src/index'

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }))
const digest = sha256Digest(manifest)
let registry: FakeServer
let host: string
let scratch: string

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'tekton-docker-units-'))
  registry = await startFakeServer((request): FakeResponse => {
    const accept = String(request.headers.accept ?? '')
    if (request.url.pathname === '/token') return { json: { token: `anon-${request.url.searchParams.get('scope')}` } }
    if (request.url.pathname.startsWith('/v2/private/')) {
      if (request.headers.authorization !== 'Bearer anon-repository:private/app:pull') {
        return { status: 401, headers: { 'www-authenticate': `Bearer realm="${request.baseUrl}/token",service="fake",scope="repository:private/app:pull"` }, json: { errors: [] } }
      }
    }
    if (request.url.pathname === '/v2/lying/app/manifests/1') return { headers: { 'docker-content-digest': `sha256:${'0'.repeat(64)}` }, body: manifest }
    if (request.url.pathname === '/v2/odd/app/manifests/1') return { body: Buffer.from('{"schemaVersion":1}') }
    if (/^\/v2\/(mcp|private)\/app\/manifests\/(1|sha256:[a-f0-9]+)$/.test(request.url.pathname)) {
      // A registry answers another manifest when the client does not accept the type it holds.
      if (!manifestMediaTypes.every((type) => accept.includes(type))) return { status: 404, json: {} }
      return { headers: { 'docker-content-digest': digest, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest }
    }
    return { status: 404, json: { errors: [{ code: 'MANIFEST_UNKNOWN' }] } }
  })
  host = new URL(registry.url).host
})
afterAll(async () => {
  await registry.close()
  await rm(scratch, { recursive: true, force: true })
})

const http = createHttpClient({ retries: 0 })

describe('image references', () => {
  it('reads hosts, Docker Hub names, tags and digests as docker does', () => {
    expect(parseImageReference('mcp/fetch')).toEqual({ registry: 'docker.io', repository: 'mcp/fetch' })
    expect(parseImageReference('alpine:3')).toEqual({ registry: 'docker.io', repository: 'library/alpine', tag: '3' })
    expect(parseImageReference('index.docker.io/mcp/fetch:1')).toEqual({ registry: 'docker.io', repository: 'mcp/fetch', tag: '1' })
    expect(parseImageReference('ghcr.io/owner/image:1.0')).toEqual({ registry: 'ghcr.io', repository: 'owner/image', tag: '1.0' })
    expect(parseImageReference(`127.0.0.1:5000/mcp/echo@sha256:${'a'.repeat(64)}`)).toEqual({ registry: '127.0.0.1:5000', repository: 'mcp/echo', digest: `sha256:${'a'.repeat(64)}` })
    expect(parseImageReference('localhost/x:y').registry).toBe('localhost')
    expect(() => parseImageReference('Not An Image')).toThrow(/is not an image reference/)
    expect(registryApiBase('docker.io')).toBe('https://registry-1.docker.io')
    expect(registryApiBase('127.0.0.1:5000')).toBe('http://127.0.0.1:5000')
    expect(registryApiBase('localhost:5000')).toBe('http://localhost:5000')
    expect(registryApiBase('ghcr.io')).toBe('https://ghcr.io')
  })

  it('names a server after its image, and describes docker: refs as one stdio OCI package', () => {
    expect(serverNameForImage(parseImageReference('mcp/fetch:1'))).toBe('mcp/fetch')
    expect(serverNameForImage(parseImageReference('alpine'))).toBe('alpine')
    expect(serverNameForImage(parseImageReference('127.0.0.1:5000/mcp/echo:1'))).toBe('127.0.0.1-5000/mcp/echo')
    expect(serverNameForImage(parseImageReference('ghcr.io/a/b/c/d'))).toBe('ghcr.io/a/b-c-d')
    const metadata = imageServerMetadata('127.0.0.1:5000/mcp/echo:1')
    expect(metadata).toMatchObject({ ref: 'docker:127.0.0.1:5000/mcp/echo:1', version: '1', packages: [{ registryType: 'oci', identifier: '127.0.0.1:5000/mcp/echo:1', transport: { type: 'stdio' } }] })
    expect(imageServerMetadata('mcp/fetch').version).toBe('latest')
  })

  it("takes the identifier's tag or digest, else the version asked for, else the package version", () => {
    const pkg: Package = { registryType: 'oci', identifier: 'mcp/fetch', version: '2', transport: { type: 'stdio' } }
    expect(imageOf(pkg, undefined).tag).toBe('2')
    expect(imageOf(pkg, '3').tag).toBe('3')
    expect(imageOf({ ...pkg, identifier: 'mcp/fetch:1' }, '5').tag).toBe('1')
    expect(imageOf({ ...pkg, identifier: 'mcp/fetch', version: undefined }, undefined).tag).toBe('latest')
    expect(imageOf({ ...pkg, identifier: `mcp/fetch@sha256:${'b'.repeat(64)}` }, undefined).digest).toBe(`sha256:${'b'.repeat(64)}`)
    expect(() => imageOf({ ...pkg, registryType: 'npm' }, undefined)).toThrow(/only install oci packages/)
  })
})

describe('the sandboxed command line', () => {
  it('runs the pinned image with every sandbox flag, -e NAME for variables and the arguments around the image', () => {
    expect(runArguments({ image: 'r/x@sha256:1', variables: ['TOKEN'], runtimeArguments: ['--mount', 'type=bind,src=/a,dst=/b'], packageArguments: ['--flag', 'v'], limits: { memory: '256m', cpus: '0.5', pids: 64 } })).toEqual([
      'run', '--rm', '-i', '--init', '--pull', 'never', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--read-only', '--tmpfs=/tmp',
      '--pids-limit', '64', '--memory', '256m', '--cpus', '0.5', '--network', 'none', '-e', 'TOKEN', '--mount', 'type=bind,src=/a,dst=/b', 'r/x@sha256:1', '--flag', 'v',
    ])
  })

  it('refuses runtime arguments that would undo the sandbox', () => {
    expect(() => checkRuntimeArguments(['--privileged'], 'x')).toThrow(/--privileged, which would undo the container sandbox/)
    expect(() => checkRuntimeArguments(['--network=host'], 'x')).toThrow(/--network/)
    expect(() => checkRuntimeArguments(['--cap-add', 'SYS_ADMIN'], 'x')).toThrow(/--cap-add/)
    expect(() => checkRuntimeArguments(['--mount', 'type=bind,src=/a,dst=/b', '-w', '/work'], 'x')).not.toThrow()
  })

  it('checks its options', () => {
    expect(() => createDockerInstaller({ dockerPath: 'docker' })).toThrow(/absolute path/)
    expect(() => createDockerInstaller({ network: 'bridge' as 'none' })).toThrow(/network option/)
    expect(() => createDockerInstaller({ limits: { pids: 0 } })).toThrow(/pids/)
    expect(() => createDockerInstaller({ limits: { memory: 'lots' } })).toThrow(/memory/)
    expect(() => createDockerInstaller({ limits: { cpus: 'all' } })).toThrow(/cpus/)
    expect(() => createDockerInstaller({ pullTimeoutMs: -1 })).toThrow(/pullTimeoutMs/)
    expect(() => createDockerInstaller({ exec: 'x' as unknown as DockerInstallerExec })).toThrow(/exec option/)
  })
})

describe('the registry API', () => {
  it('resolves a tag to the sha256 of the manifest served, asking for all four media types', async () => {
    const resolved = await resolveManifest(http, parseImageReference(`${host}/mcp/app:1`))
    expect(resolved).toEqual({ digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' })
    expect(await resolveManifest(http, parseImageReference(`${host}/mcp/app@${digest}`))).toEqual(resolved)
  })

  it('gets an anonymous pull token when the registry asks for one', async () => {
    const resolved = await resolveManifest(http, parseImageReference(`${host}/private/app:1`))
    expect(resolved.digest).toBe(digest)
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined()
    expect(parseBearerChallenge('Bearer realm="https://auth.example/token",service="s"')).toEqual({ realm: 'https://auth.example/token', service: 's' })
  })

  it('refuses a registry whose header and bytes disagree, a digest it does not serve, an unknown tag and a manifest of no image type', async () => {
    await expect(resolveManifest(http, parseImageReference(`${host}/lying/app:1`))).rejects.toMatchObject({ code: 'E_INTEGRITY_MISMATCH' })
    await expect(resolveManifest(http, parseImageReference(`${host}/mcp/app@sha256:${'c'.repeat(64)}`))).rejects.toMatchObject({ code: 'E_INTEGRITY_MISMATCH', message: expect.stringContaining('was asked for') })
    await expect(resolveManifest(http, parseImageReference(`${host}/mcp/app:404`))).rejects.toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining('has no image') })
    await expect(resolveManifest(http, parseImageReference(`${host}/odd/app:1`))).rejects.toMatchObject({ code: 'E_BAD_RESPONSE' })
  })
})

/** A scripted docker: answers by the first argument(s). */
function scriptedExec(answers: Record<string, ExecResult | ((args: readonly string[]) => ExecResult)>): { exec: DockerInstallerExec; calls: string[][] } {
  const calls: string[][] = []
  const exec: DockerInstallerExec = async (_file, args) => {
    calls.push([...args])
    const key = Object.keys(answers).find((prefix) => args.join(' ').startsWith(prefix))
    const answer = key === undefined ? { exitCode: 1, stdout: '', stderr: 'unexpected' } : answers[key]!
    return typeof answer === 'function' ? answer(args) : answer
  }
  return { exec, calls }
}

const engineUp = { exitCode: 0, stdout: '{"Client":{"Version":"28.2.2"},"Server":{"Version":"20.10.24"}}', stderr: '' }
const engineDown = { exitCode: 1, stdout: '{"Client":{"Version":"28.2.2"},"Server":null}', stderr: 'Cannot connect to the Docker daemon at unix:///nowhere.sock. Is the docker daemon running?' }
const pkg: Package = { registryType: 'oci', identifier: '', transport: { type: 'stdio' } }

describe('requirements, install and uninstall with a scripted docker', () => {
  it('says what is missing: the client, or an engine that does not answer, each with a fix', async () => {
    const env = { PATH: '/nonexistent', DOCKER_HOST: 'unix:///nowhere.sock' }
    const noClient = await probeDocker({ env })
    expect(noClient.checks.map((check) => [check.requirement, check.ok])).toEqual([['docker client', false], ['docker engine', false]])
    expect(noClient.checks[0]!.hint).toMatch(/Install Docker/)
    const down = await createDockerInstaller({ dockerPath: '/usr/bin/docker', exec: scriptedExec({ version: engineDown }).exec }).checkRequirements({ ...pkg, identifier: 'mcp/fetch' }, { env })
    expect(down.ok).toBe(false)
    expect(down.runtime).toMatchObject({ name: 'docker', version: '28.2.2' })
    expect(down.checks[1]).toMatchObject({ requirement: 'docker engine', ok: false, found: expect.stringContaining('at unix:///nowhere.sock: Cannot connect'), hint: expect.stringContaining('DOCKER_HOST') })
    const up = await createDockerInstaller({ dockerPath: '/usr/bin/docker', exec: scriptedExec({ version: engineUp }).exec }).checkRequirements({ ...pkg, identifier: 'mcp/fetch' }, { env })
    expect(up.ok).toBe(true)
    expect(await probeDocker({ env, dockerPath: '/usr/bin/docker', exec: scriptedExec({ version: engineUp }).exec })).toMatchObject({ engineVersion: '20.10.24' })
    const broken = await probeDocker({ env, dockerPath: '/usr/bin/docker', exec: scriptedExec({ version: { exitCode: 2, stdout: 'nonsense', stderr: 'segfault' } }).exec })
    expect(broken.checks[0]).toMatchObject({ ok: false, found: expect.stringContaining('segfault') })
  })

  it('plans the digest and the sandbox without pulling anything', async () => {
    const { exec, calls } = scriptedExec({ version: engineUp })
    const installer = createDockerInstaller({ dockerPath: '/usr/bin/docker', exec, env: { DOCKER_HOST: 'unix:///x.sock' } })
    const spec = { server: imageServerMetadata(`${host}/mcp/app:1`), package: { ...pkg, identifier: `${host}/mcp/app:1` } }
    const plan = await installer.plan(spec, { directoryFor: (version) => `/data/${version}` })
    expect(plan.version).toBe('1')
    expect(plan.launch.args).toContain(`${host}/mcp/app@${digest}`)
    expect(plan.launch.env).toEqual({ DOCKER_HOST: 'unix:///x.sock' })
    expect(plan.notes?.[0]).toContain(digest)
    expect(calls.map((call) => call[0])).toEqual(['version'])
  })

  it("follows the install's network grant over its own default, and says so in the plan", async () => {
    const { exec } = scriptedExec({ version: engineUp })
    const spec = { server: imageServerMetadata(`${host}/mcp/app:1`), package: { ...pkg, identifier: `${host}/mcp/app:1` } }
    const networkOf = (args: readonly string[]) => args[args.indexOf('--network') + 1]
    const withheld = createDockerInstaller({ dockerPath: '/usr/bin/docker', exec })
    const granted = await withheld.plan({ ...spec, network: true }, { directoryFor: (version) => `/data/${version}` })
    expect(networkOf(granted.launch.args)).toBe('host')
    expect(granted.notes).toContain('Runs in a container on the host network (--network host)')
    expect(networkOf((await withheld.plan(spec, { directoryFor: (version) => `/data/${version}` })).launch.args)).toBe('none')
    const hostByDefault = createDockerInstaller({ dockerPath: '/usr/bin/docker', exec, network: 'host' })
    expect(networkOf((await hostByDefault.plan({ ...spec, network: false }, { directoryFor: (version) => `/data/${version}` })).launch.args)).toBe('none')
  })

  it('pulls by digest, refuses an engine that holds another digest, removes what it pulled and leaves staging as it was', async () => {
    const pinned = `${host}/mcp/app@${digest}`
    let pulled = false
    const { exec, calls } = scriptedExec({
      version: engineUp,
      'image inspect': () => (pulled ? { exitCode: 0, stdout: JSON.stringify({ Id: 'sha256:img', RepoDigests: [`${host}/mcp/app@sha256:${'d'.repeat(64)}`], Config: { Labels: null } }), stderr: '' } : { exitCode: 1, stdout: '', stderr: 'No such image' }),
      pull: () => {
        pulled = true
        return { exitCode: 0, stdout: pinned, stderr: '' }
      },
      'image rm': { exitCode: 0, stdout: '', stderr: '' },
    })
    const installer = createDockerInstaller({ dockerPath: '/usr/bin/docker', exec })
    const stagingDir = await mkdtemp(path.join(scratch, 'staging-'))
    const spec = { server: imageServerMetadata(`${host}/mcp/app:1`), package: { ...pkg, identifier: `${host}/mcp/app:1` } }
    await expect(installer.install(spec, { stagingDir })).rejects.toMatchObject({ code: 'E_INTEGRITY_MISMATCH' })
    expect(calls.map((call) => call.slice(0, 2).join(' '))).toEqual(['version --format', 'image inspect', 'pull --quiet', 'image inspect', 'image rm'])
    expect(calls.find((call) => call[0] === 'pull')).toEqual(['pull', '--quiet', pinned])
    expect(await readdir(stagingDir)).toEqual([])
  })

  it('says why a pull failed, and refuses a relative staging directory', async () => {
    const { exec } = scriptedExec({ version: engineUp, 'image inspect': { exitCode: 1, stdout: '', stderr: 'No such image' }, pull: { exitCode: 1, stdout: '', stderr: 'toomanyrequests: rate limit' } })
    const installer = createDockerInstaller({ dockerPath: '/usr/bin/docker', exec })
    const spec = { server: imageServerMetadata(`${host}/mcp/app:1`), package: { ...pkg, identifier: `${host}/mcp/app:1` } }
    await expect(installer.install(spec, { stagingDir: await mkdtemp(path.join(scratch, 'staging-')) })).rejects.toMatchObject({ code: 'E_DOCKER_FAILED', message: expect.stringContaining('toomanyrequests') })
    await expect(installer.install(spec, { stagingDir: 'relative' })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' })
    const down = createDockerInstaller({ dockerPath: '/usr/bin/docker', exec: scriptedExec({ version: engineDown }).exec })
    await expect(down.install(spec, { stagingDir: await mkdtemp(path.join(scratch, 'staging-')) })).rejects.toMatchObject({ code: 'E_REQUIREMENTS', hint: expect.stringContaining('DOCKER_HOST') })
  })

  it('uninstall removes only an image this install pulled and no other install uses', async () => {
    const { exec, calls } = scriptedExec({ 'image rm': { exitCode: 0, stdout: '', stderr: '' } })
    const installer = createDockerInstaller({ dockerPath: '/usr/bin/docker', exec })
    const record = { version: '1', directory: '/d', details: { pinned: 'r/x@sha256:1', pulled: true } }
    await installer.uninstall({ ...record, details: { ...record.details, pulled: false } }, {})
    await installer.uninstall(record, { otherInstalls: [{ server: 'other', version: '2', details: { pinned: 'r/x@sha256:1' } }] })
    expect(calls).toEqual([])
    await installer.uninstall(record, { otherInstalls: [{ server: 'other', version: '2', details: { pinned: 'r/y@sha256:2' } }] })
    expect(calls).toEqual([['image', 'rm', 'r/x@sha256:1']])
    const failing = createDockerInstaller({ dockerPath: '/usr/bin/docker', exec: scriptedExec({ 'image rm': { exitCode: 1, stdout: '', stderr: 'image is being used by running container' } }).exec })
    await expect(failing.uninstall(record, {})).rejects.toMatchObject({ code: 'E_DOCKER_FAILED' })
  })
})
