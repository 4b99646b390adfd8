/**
 * The permission policy: the `policy` key of the settings layers, merged so that the
 * administrator's (global) layer is a ceiling. User and project layers may tighten any rule the
 * administrator set, never loosen it: a lower layer that tries gets a warning naming both files,
 * and the stricter value wins. "Stricter" is defined per rule in `stricterOf` below, because a
 * rule can be an allow-list (a subset is stricter), a deny-list (more entries are stricter), a
 * permission (false is stricter), a requirement (true is stricter) or a number (larger is).
 *
 * Every value keeps its origin, so a refusal (`E_POLICY_DENIED`) names the rule and the file.
 */
import { TektonError } from '@tekton/mcp-discovery'
import type { SettingsLayerFile, SettingsIssue } from './files'
import { describeOrigin } from './origin'
import type { Origin } from './origin'
import type { PolicyLayer, PolicyRuleName } from './schema'
import { PolicyLayerSchema } from './schema'

/** One rule's effective value and the file that set it. */
export interface PolicyRule<T> {
  value: T
  origin: Origin
}

/**
 * The effective policy: each rule that any layer set, with its origin. An absent rule is
 * unrestricted. `deniedPublishers` is the union of every layer's denials, each with its own origin.
 */
export type EffectivePolicy = {
  [Rule in Exclude<PolicyRuleName, 'deniedPublishers'>]?: PolicyRule<NonNullable<PolicyLayer[Rule]>>
} & {
  deniedPublishers?: Array<PolicyRule<string>>
}

/** Every rule name, in the order `policy show` lists them. */
export const policyRuleNames = Object.keys(PolicyLayerSchema.shape) as PolicyRuleName[]

/**
 * Matches a publisher pattern body against one identity (`@scope/name`, `ghcr.io/owner/image`):
 * `*` matches within a segment, `**` across segments, and a pattern also matches everything under
 * it (`@scope` matches `@scope/name`, `ghcr.io/owner` matches `ghcr.io/owner/image`).
 */
export function publisherPatternMatches(pattern: string, identity: string): boolean {
  const [patternKind, ...patternRest] = pattern.split(':')
  const [identityKind, ...identityRest] = identity.split(':')
  if (patternKind !== identityKind) return false
  const body = patternRest.join(':').toLowerCase()
  const subject = identityRest.join(':').toLowerCase()
  const source = body
    .split('**')
    .map((part) => part.split('*').map((literal) => literal.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('[^/]*'))
    .join('.*')
  return new RegExp(`^${source}(?:/.*)?$`).test(subject)
}

type Strictness = 'allow-list' | 'permission' | 'requirement' | 'minimum' | 'ordered'

/** How each rule compares: what "stricter" means for it. */
const strictnessOf: Record<Exclude<PolicyRuleName, 'deniedPublishers'>, { kind: Strictness; order?: readonly string[] }> = {
  allowedSources: { kind: 'allow-list' },
  allowedRegistryTypes: { kind: 'allow-list' },
  allowedPublishers: { kind: 'allow-list' },
  allowInstallScripts: { kind: 'permission' },
  allowNonRegistryDependencies: { kind: 'permission' },
  requireSignatures: { kind: 'requirement' },
  requireProvenance: { kind: 'requirement' },
  minimumReleaseAgeHours: { kind: 'minimum' },
  // From the loosest to the strictest.
  network: { kind: 'ordered', order: ['allow', 'deny'] },
  lint: { kind: 'ordered', order: ['warn', 'refuse'] },
}

/** Whether an allow-list entry of a lower layer is within the ceiling's list. */
function coveredBy(ceiling: readonly string[], entry: string, rule: PolicyRuleName): boolean {
  if (rule !== 'allowedPublishers') return ceiling.includes(entry)
  return ceiling.some((pattern) => pattern === entry || publisherPatternMatches(pattern, entry))
}

/**
 * Merges the `policy` of the layers (lowest precedence first). User and project follow the
 * ordinary precedence between them; the global layer caps the result.
 */
export function mergePolicy(layers: readonly SettingsLayerFile[]): { policy: EffectivePolicy; issues: SettingsIssue[] } {
  const issues: SettingsIssue[] = []
  const policy: EffectivePolicy = {}
  const ceilingLayer = layers.find((layer) => layer.scope === 'global')
  const lowerLayers = layers.filter((layer) => layer.scope !== 'global')
  const originOf = (layer: SettingsLayerFile): Origin => ({ scope: layer.scope, file: layer.file })

  // Denials add up: no layer can take back another's.
  const denied: Array<PolicyRule<string>> = []
  for (const layer of layers) {
    for (const pattern of layer.data.policy?.deniedPublishers ?? []) {
      if (!denied.some((entry) => entry.value === pattern)) denied.push({ value: pattern, origin: originOf(layer) })
    }
  }
  if (denied.length > 0) policy.deniedPublishers = denied

  for (const rule of policyRuleNames) {
    if (rule === 'deniedPublishers') continue
    let lower: PolicyRule<unknown> | undefined
    for (const layer of lowerLayers) {
      const value = layer.data.policy?.[rule]
      if (value !== undefined) lower = { value, origin: originOf(layer) }
    }
    const ceilingValue = ceilingLayer?.data.policy?.[rule]
    const ceiling = ceilingValue === undefined || !ceilingLayer ? undefined : { value: ceilingValue as unknown, origin: originOf(ceilingLayer) }
    const chosen = ceiling && lower ? stricterOf(rule, ceiling, lower, issues) : (lower ?? ceiling)
    if (chosen) (policy as Record<string, unknown>)[rule] = chosen
  }
  return { policy, issues }
}

/** The stricter of the ceiling's and a lower layer's value, warning when the lower one tried to loosen. */
function stricterOf(rule: Exclude<PolicyRuleName, 'deniedPublishers'>, ceiling: PolicyRule<unknown>, lower: PolicyRule<unknown>, issues: SettingsIssue[]): PolicyRule<unknown> {
  const warn = (detail: string) =>
    issues.push({
      severity: 'warning',
      file: describeOrigin(lower.origin),
      path: `policy.${rule}`,
      message: `${detail}: ${describeOrigin(ceiling.origin)} sets ${JSON.stringify(ceiling.value)} and a lower layer cannot loosen it, so the stricter value applies`,
    })
  const { kind, order } = strictnessOf[rule]
  switch (kind) {
    case 'allow-list': {
      const ceilingList = ceiling.value as string[]
      const lowerList = lower.value as string[]
      const outside = lowerList.filter((entry) => !coveredBy(ceilingList, entry, rule))
      if (outside.length === 0) return lower
      warn(`allows ${outside.map((entry) => JSON.stringify(entry)).join(', ')} outside the administrator's list`)
      const inside = lowerList.filter((entry) => coveredBy(ceilingList, entry, rule))
      return inside.length > 0 ? { value: inside, origin: lower.origin } : ceiling
    }
    case 'permission':
      if (ceiling.value === false && lower.value === true) {
        warn('allows what the administrator forbids')
        return ceiling
      }
      return ceiling.value === lower.value ? ceiling : lower
    case 'requirement':
      if (ceiling.value === true && lower.value === false) {
        warn('drops a requirement of the administrator')
        return ceiling
      }
      return ceiling.value === lower.value ? ceiling : lower
    case 'minimum':
      if ((lower.value as number) < (ceiling.value as number)) {
        warn(`lowers the minimum to ${String(lower.value)}`)
        return ceiling
      }
      return lower.value === ceiling.value ? ceiling : lower
    case 'ordered': {
      const levels = order as readonly string[]
      const lowerLevel = levels.indexOf(lower.value as string)
      const ceilingLevel = levels.indexOf(ceiling.value as string)
      if (lowerLevel < ceilingLevel) {
        warn(`sets ${JSON.stringify(lower.value)}`)
        return ceiling
      }
      return lowerLevel === ceilingLevel ? ceiling : lower
    }
  }
}

/** What a policy check is about: one server and the package of it that would be installed. */
export interface PolicySubject {
  /** The server's name (`io.github.owner/server`, `@scope/name`). */
  name: string
  /** The ref it is installed from (`npm:@scope/name`, `registry:io.github.owner/server`). */
  ref?: string
  /** The package's registry type and identifier. */
  package?: { registryType: string; identifier: string }
  /** The source repository's URL, when known. */
  repositoryUrl?: string
}

/** The publisher identities of a subject, as `<kind>:<identity>` strings publisher patterns match. */
export function publisherIdentities(subject: PolicySubject): string[] {
  const identities = new Set<string>()
  const pkg = subject.package
  if (pkg) {
    if (pkg.registryType === 'npm') identities.add(`npm:${pkg.identifier}`)
    // PEP 503 normalised, so `My_Project` and `my-project` are one publisher.
    if (pkg.registryType === 'pypi') identities.add(`pypi:${pkg.identifier.toLowerCase().replace(/[-_.]+/g, '-')}`)
    if (pkg.registryType === 'oci') identities.add(`oci:${pkg.identifier.replace(/[:@].*$/, '')}`)
  }
  const refKind = subject.ref?.slice(0, subject.ref.indexOf(':'))
  const refName = subject.ref?.slice(subject.ref.indexOf(':') + 1).replace(/@[^/@]*$/, '')
  if (refKind === 'github' && refName) identities.add(`github:${refName}`)
  if (refKind === 'registry' && refName) identities.add(`registry:${refName}`)
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(subject.name)) identities.add(`registry:${subject.name}`)
  const github = subject.repositoryUrl?.match(/^https?:\/\/(?:www\.)?github\.com\/([^/]+)\/([^/#?]+)/i)
  if (github) identities.add(`github:${github[1]}/${(github[2] as string).replace(/\.git$/, '')}`)
  return [...identities]
}

/** E_POLICY_DENIED naming the rule, the file it came from, and what was refused. */
export function policyDenied(rule: string, origin: Origin, what: string, hint?: string): TektonError {
  return new TektonError('E_POLICY_DENIED', `${what}: refused by policy.${rule} (${describeOrigin(origin)})`, {
    hint: hint ?? `Ask whoever maintains ${describeOrigin(origin)}, or change policy.${rule} there if it is yours`,
  })
}

/**
 * Checks a server against the rules decidable from what it is and where it comes from: allowed
 * sources and registry types, denied and allowed publishers. Throws E_POLICY_DENIED.
 */
export function checkPolicySubject(policy: EffectivePolicy, subject: PolicySubject): void {
  const what = `${subject.name}${subject.package ? ` (${subject.package.registryType} ${subject.package.identifier})` : ''}`
  const refKind = subject.ref && /^[a-z]+:/.test(subject.ref) ? subject.ref.slice(0, subject.ref.indexOf(':')) : undefined
  if (policy.allowedSources && refKind !== undefined && !(policy.allowedSources.value as string[]).includes(refKind)) {
    throw policyDenied('allowedSources', policy.allowedSources.origin, `${what} comes from the ${refKind} source, which is not in [${policy.allowedSources.value.join(', ')}]`)
  }
  if (policy.allowedRegistryTypes && subject.package && !(policy.allowedRegistryTypes.value as string[]).includes(subject.package.registryType)) {
    throw policyDenied('allowedRegistryTypes', policy.allowedRegistryTypes.origin, `${what} is a ${subject.package.registryType} package, which is not in [${policy.allowedRegistryTypes.value.join(', ')}]`)
  }
  const identities = publisherIdentities(subject)
  for (const denial of policy.deniedPublishers ?? []) {
    const matched = identities.find((identity) => publisherPatternMatches(denial.value, identity))
    if (matched) throw policyDenied('deniedPublishers', denial.origin, `${what} is ${matched}, denied by ${JSON.stringify(denial.value)}`)
  }
  const allowed = policy.allowedPublishers
  if (allowed && !identities.some((identity) => allowed.value.some((pattern) => publisherPatternMatches(pattern, identity)))) {
    throw policyDenied('allowedPublishers', allowed.origin, `${what} (${identities.join(', ') || 'no known publisher'}) matches none of ${JSON.stringify(allowed.value)}`)
  }
}

/** Throws E_POLICY_DENIED when install scripts are asked for and the policy forbids them. */
export function checkInstallScripts(policy: EffectivePolicy, requested: boolean, what: string): void {
  if (requested && policy.allowInstallScripts?.value === false) {
    throw policyDenied('allowInstallScripts', policy.allowInstallScripts.origin, `${what}: install scripts may not run`, 'Install without allowing scripts; if the server needs them, the policy has to change')
  }
}

/** Throws E_POLICY_DENIED when non-registry dependencies are asked for and the policy forbids them. */
export function checkNonRegistryDependencies(policy: EffectivePolicy, requested: boolean, what: string): void {
  if (requested && policy.allowNonRegistryDependencies?.value === false) {
    throw policyDenied(
      'allowNonRegistryDependencies',
      policy.allowNonRegistryDependencies.origin,
      `${what}: dependencies from outside the registry may not be allowed`,
      'Install without allowing non-registry dependencies; if the server needs them, the policy has to change',
    )
  }
}
