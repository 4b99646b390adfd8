/**
 * The repository-id check of ownership. The official MCP Registry records, with each entry, the
 * numeric id of the GitHub repository it was published from (`repository.id`). A name on GitHub
 * can change hands: the repository is deleted (or transferred away) and someone else creates one
 * under the same name, and the registry entry, published under `io.github.<owner>/...`, now
 * points at the newcomer's code. The id cannot be taken over, so before installing a server that
 * came from the registry the repository's current id is asked of GitHub and compared.
 *
 * How it combines with the package's own proof (npm `mcpName`, PyPI `mcp-name:`, OCI label): the
 * two prove different things (the package claims the name; the repository is the one that was
 * registered), so a verified package proof stays verified and gains `and repository id`; a
 * repository whose id differs is a mismatch whatever the package says (it is the takeover this
 * check exists for) and is refused before anything is downloaded; a repository that is gone is a
 * warning (ownership `unverified`); a GitHub that cannot be asked is a note, never a pass.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { ServerMetadata } from '@tekton/mcp-discovery'
import type { OwnershipCheck } from './spec/verification'

/**
 * Asks GitHub for a repository's current numeric id (`GET /repos/{owner}/{repo}` → `id`, as a
 * string): `null` when GitHub answers that it does not exist (404); throws when it cannot tell
 * (offline, rate limited). The application builds it over its GitHub client.
 */
export type RepositoryIdLookup = (repository: { owner: string; name: string }, options: { signal?: AbortSignal }) => Promise<string | null>

/** The outcome of the repository-id check (statuses are data; `detail` is for people). */
export interface RepositoryIdentity {
  /**
   * `same`: GitHub's id is the registry's. `different`: it is not (deleted and recreated, or
   * transferred). `gone`: GitHub has no such repository. `unchecked`: GitHub could not be asked.
   */
  status: 'same' | 'different' | 'gone' | 'unchecked'
  /** `https://github.com/owner/name`. */
  repository: string
  /** The id the registry entry was published with. */
  registeredId: string
  /** The id GitHub has now, for `same` and `different`. */
  currentId?: string
  detail: string
}

/** The source id of the official registry in `ServerMetadata.sources`. */
const officialRegistrySource = 'registry'

/**
 * The GitHub repository and id the official registry recorded for `server`, when it came from
 * the registry (a `registry:` ref, or a merged entry the registry is among the sources of) and
 * names a github.com repository with an id. Discovery keeps `repository.id` on a merged entry only
 * when it is the registry's own.
 */
export function registryRepositoryOf(server: ServerMetadata): { url: string; owner: string; name: string; id: string } | undefined {
  const fromRegistry = server.ref.startsWith('registry:') || server.sources.some((record) => record.source === officialRegistrySource)
  const repository = server.repository
  if (!fromRegistry || !repository?.id || !/^\d+$/.test(repository.id.trim())) return undefined
  if (repository.source !== 'github' && !/^https?:\/\/github\.com\//i.test(repository.url)) return undefined
  const match = /^https?:\/\/(?:www\.)?github\.com\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?(?:[/#?].*)?$/i.exec(repository.url.trim())
  if (!match) return undefined
  const [, owner = '', name = ''] = match
  return { url: `https://github.com/${owner}/${name}`, owner, name, id: repository.id.trim() }
}

/**
 * Compares the registry's repository id with GitHub's. `undefined` when the server names no
 * registry repository id; `unchecked` (with why) when there is no lookup or it fails.
 */
export async function checkRepositoryIdentity(lookup: RepositoryIdLookup | undefined, server: ServerMetadata, signal: AbortSignal | undefined): Promise<RepositoryIdentity | undefined> {
  const registered = registryRepositoryOf(server)
  if (!registered) return undefined
  const base = { repository: registered.url, registeredId: registered.id }
  if (!lookup) {
    return { ...base, status: 'unchecked', detail: `repository id not checked: no GitHub client (the github source is disabled), so ${registered.url} could be another repository than the one registered` }
  }
  let current: string | null
  try {
    current = await lookup({ owner: registered.owner, name: registered.name }, signal ? { signal } : {})
  } catch (error) {
    signal?.throwIfAborted()
    const reason = error instanceof Error ? error.message : String(error)
    return { ...base, status: 'unchecked', detail: `repository id not checked: GitHub could not be asked about ${registered.url} (${reason})` }
  }
  if (current === null) {
    return { ...base, status: 'gone', detail: `the repository ${registered.url} the registry entry names no longer exists on GitHub (404): whoever creates it next takes over the name` }
  }
  if (current !== registered.id) {
    return {
      ...base,
      status: 'different',
      currentId: current,
      detail: `the repository ${registered.url} has id ${current} on GitHub, but the registry entry was published from id ${registered.id}: it was deleted and recreated (or transferred) since the entry was published`,
    }
  }
  return { ...base, status: 'same', currentId: current, detail: `${registered.url} still has id ${current}, as when the registry entry was published` }
}

/** `E_OWNERSHIP_MISMATCH` for a repository whose id changed, else undefined. `what` is the server's name. */
export function repositoryIdentityRefusal(what: string, identity: RepositoryIdentity | undefined): TektonError | undefined {
  if (identity?.status !== 'different') return undefined
  return new TektonError('E_OWNERSHIP_MISMATCH', `${what}: ownership check failed: ${identity.detail}`, {
    hint: 'The code at that repository may not be the publisher\'s any more: do not install it until the publisher confirms the repository (or republishes the registry entry)',
  })
}

/** A sentence worth showing beside the plan or outcome (gone, unchecked), else undefined. */
export function repositoryIdentityNote(identity: RepositoryIdentity | undefined): string | undefined {
  if (identity?.status === 'gone') return `Ownership warning: ${identity.detail}`
  if (identity?.status === 'unchecked') return `Ownership: ${identity.detail}`
  return undefined
}

/** The ownership line with the repository-id check joined to the package's own proof (see the module comment). */
export function combineOwnership(ownership: OwnershipCheck, identity: RepositoryIdentity | undefined): OwnershipCheck {
  if (!identity) return ownership
  if (identity.status === 'different') return { status: 'mismatch', by: 'repository id', detail: identity.detail }
  if (ownership.status === 'mismatch') return ownership
  if (identity.status === 'same') {
    if (ownership.status === 'verified') return { ...ownership, by: `${ownership.by ?? 'the package'} and repository id`, detail: `${ownership.detail}; ${identity.detail}` }
    return { status: 'verified', by: 'repository id', detail: identity.detail }
  }
  if (identity.status === 'gone') {
    const proof = ownership.status === 'verified' ? `${ownership.by ?? 'the package'} verified (${ownership.detail}), but ` : ''
    return { status: 'unverified', detail: `${proof}${identity.detail}` }
  }
  return { ...ownership, detail: `${ownership.detail} (${identity.detail})` }
}
