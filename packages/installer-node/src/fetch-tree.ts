/**
 * Fetching the resolved tree ourselves, so npm never needs the network or a token. npm keeps the
 * registry's `Authorization` on a redirect that only changes the port; our client sends the token
 * only to the URLs of the package's own registry, and `fetch` drops it on any redirect to another
 * origin (scheme, host or port). Each tarball's sha512 is checked and its unpacked size added to
 * the install's budget before it is written; npm then installs from those files, offline.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { redact } from '@tekton/mcp-discovery'
import type { HttpClient } from '@tekton/mcp-discovery'
import { withoutCredentials } from '@tekton/mcp-discovery/kit'
import { registryFor } from '@tekton/mcp-registry-npm'
import type { ResolvedNpmRegistry } from '@tekton/mcp-registry-npm'
import { verifyIntegrity } from './integrity'
import { authorization } from './packument'
import { parseRegistrySpec, resolveLockKey } from './resolve-tree'
import type { TreeEntry } from './tree'
import { onRegistryUrl } from './tree'
import { measureTarball } from './unpacked-size'
import type { UnpackBudget } from './unpacked-size'

/** Where the fetched tarballs wait in the staging directory until npm has installed them. */
export const treeTarballDirectory = '.tekton-tarballs'

/** A tarball fetched and checked: its lockfile URL and the file npm installs it from. */
export interface FetchedTarball {
  resolved: string
  /** Relative to the staging directory, with `/`. */
  file: string
}

/** How many downloads run at once. */
const concurrency = 8

/** Fetches, checks and writes every tarball of `entries`; throws on the first failure. */
export async function fetchTree(
  entries: ReadonlyArray<TreeEntry & { resolved: string; integrity: string }>,
  options: { http: HttpClient; registry: ResolvedNpmRegistry; budget: UnpackBudget; directory: string; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<FetchedTarball[]> {
  await mkdir(options.directory, { recursive: true })
  const fetched: FetchedTarball[] = []
  const byUrl = new Map<string, Promise<FetchedTarball>>()
  let next = 0
  const fetchOne = async (entry: TreeEntry & { resolved: string; integrity: string }, index: number): Promise<FetchedTarball> => {
    const what = `${entry.name}@${entry.version ?? '?'}`
    const target = registryFor(options.registry, entry.name)
    const url = new URL(entry.resolved)
    const download = await options.http.getBytes(url.href, {
      source: 'installer-node',
      headers: onRegistryUrl(url, target.baseUrl) ? authorization(target) : {},
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    verifyIntegrity(download.data, entry.integrity, `${what} (${redact(withoutCredentials(url.href))})`)
    await measureTarball(download.data, what, options.budget)
    const file = `${treeTarballDirectory}/${index}.tgz`
    await writeFile(path.join(options.directory, `${index}.tgz`), download.data, { flag: 'wx', mode: 0o644 })
    return { resolved: entry.resolved, file }
  }
  const worker = async () => {
    while (next < entries.length) {
      const index = next
      next += 1
      const entry = entries[index] as TreeEntry & { resolved: string; integrity: string }
      // One download per URL: npm may place one version at several paths.
      let pending = byUrl.get(entry.resolved)
      if (pending === undefined) {
        pending = fetchOne(entry, index)
        byUrl.set(entry.resolved, pending)
        fetched.push(await pending)
      } else await pending
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker))
  return fetched
}

/**
 * The lockfile `npm ci --offline` installs: each fetched tarball's `resolved` replaced by its local
 * `file:` path, each dist-tag spec (`"next"`, `npm:x@next`) pinned to the version the tree gives
 * it, and optional dependencies that are not in the tree left out. npm judges a tag edge valid only when its target came from a registry URL, so with a
 * local file it would resolve the tag again, which it cannot do offline.
 */
export function rewriteResolved(lockfileText: string, fetched: readonly FetchedTarball[]): string {
  const files = new Map(fetched.map((tarball) => [tarball.resolved, `file:${tarball.file}`]))
  const lockfile = JSON.parse(lockfileText) as { packages: Record<string, { resolved?: string; version?: string } & Record<string, unknown>> }
  for (const [key, entry] of Object.entries(lockfile.packages)) {
    const file = entry.resolved === undefined ? undefined : files.get(entry.resolved)
    if (file !== undefined) entry.resolved = file
    // An optional dependency the registry does not have is left out of the tree, as npm leaves it;
    // offline, npm would try to fetch it again and call the lockfile out of sync.
    const optional = entry.optionalDependencies
    if (typeof optional === 'object' && optional !== null) {
      for (const name of Object.keys(optional)) {
        if (resolveLockKey(lockfile.packages, key, name) !== undefined) continue
        delete (optional as Record<string, unknown>)[name]
        if (typeof entry.dependencies === 'object' && entry.dependencies !== null) delete (entry.dependencies as Record<string, unknown>)[name]
      }
    }
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      const specs = entry[field]
      if (typeof specs !== 'object' || specs === null) continue
      for (const [name, spec] of Object.entries(specs as Record<string, unknown>)) {
        const parsed = typeof spec === 'string' ? parseRegistrySpec(name, spec) : undefined
        if (parsed?.kind !== 'tag') continue
        const target = resolveLockKey(lockfile.packages, key, name)
        const version = target === undefined ? undefined : lockfile.packages[target]?.version
        if (version !== undefined) (specs as Record<string, string>)[name] = (spec as string).trim().startsWith('npm:') ? `npm:${parsed.packageName}@${version}` : version
      }
    }
  }
  return `${JSON.stringify(lockfile, null, 2)}\n`
}

/**
 * Puts the registry URLs back (in `package-lock.json` and npm's hidden lockfile) and removes the
 * fetched tarballs: the installed lockfile records where each package came from, as npm's would.
 */
export async function restoreResolved(stagingDir: string, lockfileText: string, fetched: readonly FetchedTarball[]): Promise<void> {
  await writeFile(path.join(stagingDir, 'package-lock.json'), lockfileText)
  const hidden = path.join(stagingDir, 'node_modules', '.package-lock.json')
  const text = await readFile(hidden, 'utf8').catch(() => undefined)
  if (text !== undefined) {
    const urls = new Map(fetched.map((tarball) => [`file:${tarball.file}`, tarball.resolved]))
    try {
      const lockfile = JSON.parse(text) as { packages?: Record<string, { resolved?: string }> }
      for (const entry of Object.values(lockfile.packages ?? {})) {
        const url = entry.resolved === undefined ? undefined : urls.get(entry.resolved)
        if (url !== undefined) entry.resolved = url
      }
      await writeFile(hidden, `${JSON.stringify(lockfile, null, 2)}\n`)
    } catch {
      await rm(hidden, { force: true })
    }
  }
  await rm(path.join(stagingDir, treeTarballDirectory), { recursive: true, force: true })
}
