/**
 * What a Fulcio certificate says about the build that signed: Fulcio writes the CI identity of the
 * OIDC token into certificate extensions (1.3.6.1.4.1.57264.1.*), and the certificate authority
 * signed them, unlike the SLSA predicate, which the build itself wrote. So the repository and
 * workflow we show come from here, and a predicate that names another repository is refused.
 * Extensions from 1.8 on are DER strings; the older 1.1–1.6 ones (certificates before 2023) are
 * raw text.
 */
import { X509Certificate } from '@sigstore/core'

export const fulcioExtensionOids = {
  /** OIDC issuer, raw text (before 2023). */
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  /** GitHub workflow repository `owner/name`, raw text (before 2023). */
  githubWorkflowRepository: '1.3.6.1.4.1.57264.1.5',
  /** GitHub workflow ref, raw text (before 2023). */
  githubWorkflowRef: '1.3.6.1.4.1.57264.1.6',
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerUri: '1.3.6.1.4.1.57264.1.9',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
} as const

export interface CertificateIdentity {
  /** The OIDC issuer that vouched for the CI job (`https://token.actions.githubusercontent.com`). */
  issuer?: string
  /** The source repository URI, e.g. `https://github.com/o/r`. */
  repository?: string
  /** The workflow, relative to the repository when it is under it: `.github/workflows/release.yml@refs/tags/v1`. */
  workflow?: string
}

/** An extension whose value is one DER UTF8String (Fulcio's 1.8 and later). */
function derString(certificate: X509Certificate, oid: string): string | undefined {
  const value = certificate.extension(oid)?.value
  if (!value || value.length < 2 || value[0] !== 0x0c) return undefined
  let length = value[1]!
  let start = 2
  if (length & 0x80) {
    const octets = length & 0x7f
    length = 0
    for (let index = 0; index < octets; index += 1) length = length * 256 + (value[2 + index] ?? 0)
    start = 2 + octets
  }
  if (start + length !== value.length) return undefined
  return value.subarray(start).toString('utf8') || undefined
}

function rawString(certificate: X509Certificate, oid: string): string | undefined {
  const extension = certificate.extension(oid)
  return extension ? extension.value.toString('utf8') || undefined : undefined
}

/** `https://github.com/o/r/.github/workflows/x.yml@ref` as `.github/workflows/x.yml@ref` when under `repository`. */
function relativeWorkflow(uri: string, repository: string | undefined): string {
  if (repository && uri.toLowerCase().startsWith(`${repository.toLowerCase()}/`)) return uri.slice(repository.length + 1)
  return uri
}

/** The build identity in a Fulcio certificate (DER bytes). Fields Fulcio did not write are left out. */
export function certificateIdentityOf(certificate: X509Certificate): CertificateIdentity {
  const issuer = derString(certificate, fulcioExtensionOids.issuer) ?? rawString(certificate, fulcioExtensionOids.issuerV1)
  const legacyRepository = rawString(certificate, fulcioExtensionOids.githubWorkflowRepository)
  const repository =
    derString(certificate, fulcioExtensionOids.sourceRepositoryUri) ??
    (legacyRepository && issuer === 'https://token.actions.githubusercontent.com' ? `https://github.com/${legacyRepository}` : undefined)
  const workflowUri = derString(certificate, fulcioExtensionOids.buildConfigUri) ?? derString(certificate, fulcioExtensionOids.buildSignerUri) ?? certificate.subjectAltName
  return {
    ...(issuer ? { issuer } : {}),
    ...(repository ? { repository } : {}),
    ...(workflowUri ? { workflow: relativeWorkflow(workflowUri, repository) } : {}),
  }
}

/** A repository URI as compared: no `git+`, no `@ref`, no `.git`, no trailing slash, case-folded (GitHub names are). */
export function normalizedRepository(uri: string): string {
  let text = uri.trim().replace(/^git\+/, '')
  // The ref follows the first `@` in the path (`git+https://github.com/o/r@refs/tags/v1`); one in the host part is userinfo.
  const scheme = text.indexOf('://')
  const pathStart = text.indexOf('/', scheme < 0 ? 0 : scheme + 3)
  const at = pathStart < 0 ? -1 : text.indexOf('@', pathStart)
  if (at >= 0) text = text.slice(0, at)
  return text.replace(/\.git$/, '').replace(/\/+$/, '').toLowerCase()
}
