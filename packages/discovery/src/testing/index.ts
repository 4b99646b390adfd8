/**
 * The conformance suite every RegistrySource runs (`@tekton/mcp-discovery/testing`). It is
 * runner-agnostic: pass your runner's `describe`/`it`/hooks; assertions use `node:assert`.
 *
 * ```ts
 * import { describe, it, beforeAll, afterAll } from '@jest/globals'
 * import { registrySourceConformance } from '@tekton/mcp-discovery/testing'
 * registrySourceConformance({ describe, it, beforeAll, afterAll }, {
 *   name: 'npm', setup: async () => ({ source, knownId: 'x', missingId: 'y', searchText: 'x', teardown }),
 * })
 * ```
 */
import assert from 'node:assert/strict'
import semver from 'semver'
import { TektonError } from '../errors'
import { parseRef } from '../refs'
import { SearchPageSchema, ServerMetadataSchema, ServerVersionSchema } from '../spec/metadata'
import { createRequestTrace, type RegistrySource } from '../spec/source'

type Body = () => void | Promise<void>

/** The parts of a test runner the suite needs (jest, vitest and node:test all fit). */
export interface TestApi {
  describe: (name: string, body: () => void) => void
  it: ((name: string, body: Body, timeout?: number) => void) & { skip?: (name: string, body: Body) => void }
  beforeAll: (body: Body) => void
  afterAll: (body: Body) => void
}

export interface ConformanceFixture {
  source: RegistrySource
  /** An id the source knows (without the `kind:` prefix). */
  knownId: string
  /** A valid id the source does not know. */
  missingId: string
  /** Search text that finds `knownId`. */
  searchText: string
  teardown?: () => unknown | Promise<unknown>
}

export interface ConformanceOptions {
  name: string
  setup: () => Promise<ConformanceFixture>
  /** Checks a source cannot support, each with the reason: they are reported as skipped. */
  skip?: Partial<Record<'abort' | 'search', string>>
}

async function rejectsWithCode(promise: Promise<unknown>, codes: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(TektonError.isInstance(error), `expected a TektonError, got ${String(error)}`)
    assert.ok(codes.includes(error.code), `expected one of ${codes.join(', ')}, got ${error.code}`)
    return true
  })
}

/** Registers the RegistrySource conformance tests with the given runner. */
export function registrySourceConformance(api: TestApi, options: ConformanceOptions): void {
  const { describe, it, beforeAll, afterAll } = api
  describe(`RegistrySource conformance: ${options.name}`, () => {
    let fixture: ConformanceFixture
    const context = () => ({ trace: createRequestTrace() })

    beforeAll(async () => {
      fixture = await options.setup()
    })
    afterAll(async () => {
      await fixture?.teardown?.()
    })

    it('declares spec v1, an id, a display name and the ref kinds it resolves', () => {
      const { source } = fixture
      assert.equal(source.specVersion, 'v1')
      assert.match(source.id, /^[a-z][a-z0-9-]*$/)
      assert.ok(source.displayName.length > 0)
      assert.ok(source.refKinds.length > 0)
    })

    if (options.skip?.search) {
      it.skip?.(`search (skipped: ${options.skip.search})`, () => undefined)
    } else {
      it('search returns a valid page with unique refs and exactly one status of its own', async () => {
        const page = await fixture.source.search({ text: fixture.searchText, limit: 10 }, context())
        SearchPageSchema.parse(page)
        const refs = page.results.map((result) => result.ref)
        for (const ref of refs) {
          // Every result must be usable as typed: `info <ref>` parses it with parseRef.
          assert.doesNotThrow(() => parseRef(ref), `result ref ${JSON.stringify(ref)} parses with parseRef`)
        }
        assert.equal(new Set(refs).size, refs.length, 'refs are unique')
        assert.ok(refs.length <= 10, 'at most limit results')
        assert.equal(page.sources.filter((status) => status.source === fixture.source.id).length, 1)
        const wanted = parseRef(`${fixture.source.refKinds[0]}:${fixture.knownId}`)
        assert.ok(refs.some((ref) => parseRef(ref).id === wanted.id), `search for "${fixture.searchText}" finds ${fixture.knownId}`)
      })

      it('search honours the limit', async () => {
        const page = await fixture.source.search({ text: fixture.searchText, limit: 1 }, context())
        assert.ok(page.results.length <= 1)
      })
    }

    it('getMetadata returns valid metadata naming this source', async () => {
      const metadata = await fixture.source.getMetadata(fixture.knownId, context())
      assert.ok(metadata, 'known id is found')
      ServerMetadataSchema.parse(metadata)
      assert.ok(fixture.source.refKinds.includes(parseRef(metadata.ref).kind))
      assert.ok(metadata.sources.some((record) => record.source === fixture.source.id))
    })

    it('getMetadata returns null for an unknown id', async () => {
      assert.equal(await fixture.source.getMetadata(fixture.missingId, context()), null)
    })

    it('getVersions lists unique, valid versions including the latest', async () => {
      const versions = await fixture.source.getVersions(fixture.knownId, context())
      assert.ok(versions && versions.length > 0)
      for (const version of versions) ServerVersionSchema.parse(version)
      assert.equal(new Set(versions.map((entry) => entry.version)).size, versions.length)
      // Newest first, judged on the versions semver can order; other schemes are left alone.
      const ordered = versions.map((entry) => entry.version).filter((version) => semver.valid(version) !== null)
      for (const [index, version] of ordered.entries()) {
        const next = ordered[index + 1]
        if (next !== undefined) assert.ok(semver.gte(version, next), `versions are newest first: ${version} is listed before ${next}`)
      }
      const metadata = await fixture.source.getMetadata(fixture.knownId, context())
      assert.ok(versions.some((entry) => entry.version === metadata?.version), 'the latest version is listed')
    })

    it('getVersions returns null for an unknown id', async () => {
      assert.equal(await fixture.source.getVersions(fixture.missingId, context()), null)
    })

    it('rejects an invalid id with E_INVALID_REF', async () => {
      await rejectsWithCode(fixture.source.getMetadata('../../etc/passwd', context()), ['E_INVALID_REF'])
    })

    if (options.skip?.abort) {
      it.skip?.(`abort (skipped: ${options.skip.abort})`, () => undefined)
    } else {
      it('stops when its signal is aborted', async () => {
        const controller = new AbortController()
        controller.abort()
        await rejectsWithCode(fixture.source.getMetadata(fixture.knownId, { signal: controller.signal, trace: createRequestTrace() }), ['E_ABORTED'])
      })
    }
  })
}
