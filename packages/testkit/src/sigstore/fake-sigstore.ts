/**
 * A fake Sigstore, made in the test: a certificate authority (root and intermediate) standing
 * for Fulcio, a transparency-log key standing for Rekor, and `attest()`, which does what npm does
 * when a CI job publishes with `--provenance`: a short-lived leaf certificate carrying the
 * workflow's identity (Fulcio's OID extensions), a DSSE envelope over an in-toto statement with a
 * SLSA v1 predicate, and a log entry with a signed entry timestamp. `trustedRoot` is in the shape
 * of Sigstore's `trusted_root.json`, to hand to the verifier in place of the pinned public one.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { bitString, boolean, explicit, integer, objectIdentifier, octetString, sequence, set, time, utf8String } from './der'

const ecdsaWithSha256 = sequence(objectIdentifier('1.2.840.10045.4.3.2'))

/** Fulcio's certificate extensions for a GitHub Actions identity (1.3.6.1.4.1.57264.1.*). */
const fulcioOids = { issuerV2: '1.3.6.1.4.1.57264.1.8', buildSignerUri: '1.3.6.1.4.1.57264.1.9', sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12' }

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectIdentifier('2.5.4.10'), utf8String('fake-sigstore.test'))), set(sequence(objectIdentifier('2.5.4.3'), utf8String(commonName))))
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value))
}

function certificate(input: { subject: string; issuer: string; publicKey: KeyObject; signingKey: KeyObject; notBefore: Date; notAfter: Date; extensions: Buffer[] }): Buffer {
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ecdsaWithSha256,
    name(input.issuer),
    sequence(time(input.notBefore), time(input.notAfter)),
    name(input.subject),
    input.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...input.extensions)),
  )
  return sequence(tbs, ecdsaWithSha256, bitString(sign('sha256', tbs, input.signingKey)))
}

/** JSON with keys sorted at every level, as Rekor signs it. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function preAuthenticationEncoding(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `), payload])
}

export interface AttestOptions {
  /** The package name (scoped names are written percent-encoded, as npm does). */
  name: string
  version: string
  /** The tarball's `sha512-<base64>` integrity. */
  integrity: string
  /** @default `https://github.com/fixture/<unscoped name>` */
  repository?: string
  /** @default `.github/workflows/release.yml` */
  workflowPath?: string
  /** @default `refs/tags/v<version>` */
  ref?: string
  /** Replace the subject (an attestation for another package, or another digest). */
  subject?: { name: string; sha512: string }
  /** When the entry is logged (epoch ms). @default the fake's clock */
  at?: number
}

export interface FakeSigstore {
  /** In the shape of Sigstore's `trusted_root.json`: this fake's CA chain and log key. */
  readonly trustedRoot: {
    tlogs: Array<{ baseUrl: string; publicKey: { rawBytes: string; keyDetails: string }; logId: { keyId: string } }>
    certificateAuthorities: Array<{ uri: string; certChain: { certificates: Array<{ rawBytes: string }> } }>
  }
  /** A Sigstore bundle (v0.3) of an npm SLSA provenance attestation, as the registry serves it. */
  attest(options: AttestOptions): Record<string, unknown>
}

/** Creates a fake Sigstore. `now` (epoch ms) dates certificates and log entries. @default Date.now */
export function createFakeSigstore(options: { now?: () => number } = {}): FakeSigstore {
  const now = options.now ?? Date.now
  const started = now()
  const year = 365 * 24 * 3600 * 1000
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const intermediate = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const log = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const caExtensions = [extension('2.5.29.19', true, sequence(boolean(true))), extension('2.5.29.15', true, bitString(Buffer.from([0x06])))]
  const rootCertificate = certificate({ subject: 'fake-sigstore root', issuer: 'fake-sigstore root', publicKey: root.publicKey, signingKey: root.privateKey, notBefore: new Date(started - year), notAfter: new Date(started + 10 * year), extensions: caExtensions })
  const intermediateCertificate = certificate({ subject: 'fake-sigstore intermediate', issuer: 'fake-sigstore root', publicKey: intermediate.publicKey, signingKey: root.privateKey, notBefore: new Date(started - year), notAfter: new Date(started + 10 * year), extensions: caExtensions })
  const logKeyDer = log.publicKey.export({ type: 'spki', format: 'der' })
  const logId = createHash('sha256').update(logKeyDer).digest()
  let logIndex = 1000

  return {
    trustedRoot: {
      tlogs: [{ baseUrl: 'https://rekor.fake-sigstore.test', publicKey: { rawBytes: logKeyDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256' }, logId: { keyId: logId.toString('base64') } }],
      certificateAuthorities: [{ uri: 'https://fulcio.fake-sigstore.test', certChain: { certificates: [{ rawBytes: intermediateCertificate.toString('base64') }, { rawBytes: rootCertificate.toString('base64') }] } }],
    },

    attest(attestOptions) {
      const at = attestOptions.at ?? now()
      const unscoped = attestOptions.name.startsWith('@') ? attestOptions.name.slice(attestOptions.name.indexOf('/') + 1) : attestOptions.name
      const repository = attestOptions.repository ?? `https://github.com/fixture/${unscoped}`
      const workflowPath = attestOptions.workflowPath ?? '.github/workflows/release.yml'
      const ref = attestOptions.ref ?? `refs/tags/v${attestOptions.version}`
      const sha512 = Buffer.from(attestOptions.integrity.replace(/^sha512-/, ''), 'base64').toString('hex')
      const subject = attestOptions.subject ?? { name: `pkg:npm/${attestOptions.name.replace('@', '%40')}@${attestOptions.version}`, sha512 }
      const statement = {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: subject.name, digest: { sha512: subject.sha512 } }],
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: {
          buildDefinition: {
            buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
            externalParameters: { workflow: { ref, repository, path: workflowPath } },
          },
          runDetails: { builder: { id: 'https://github.com/actions/runner/github-hosted' }, metadata: { invocationId: `${repository}/actions/runs/1/attempts/1` } },
        },
      }
      const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const identity = `${repository}/${workflowPath}@${ref}`
      const leaf = certificate({
        subject: 'sigstore',
        issuer: 'fake-sigstore intermediate',
        publicKey: signer.publicKey,
        signingKey: intermediate.privateKey,
        notBefore: new Date(at - 60_000),
        notAfter: new Date(at + 10 * 60_000),
        extensions: [
          extension('2.5.29.15', true, bitString(Buffer.from([0x80]))),
          extension('2.5.29.37', false, sequence(objectIdentifier('1.3.6.1.5.5.7.3.3'))),
          extension(fulcioOids.issuerV2, false, utf8String('https://token.actions.githubusercontent.com')),
          extension(fulcioOids.buildSignerUri, false, utf8String(identity)),
          extension(fulcioOids.sourceRepositoryUri, false, utf8String(repository)),
        ],
      })
      const payloadType = 'application/vnd.in-toto+json'
      const payload = Buffer.from(JSON.stringify(statement))
      const signature = sign('sha256', preAuthenticationEncoding(payloadType, payload), signer.privateKey).toString('base64')
      const leafPem = `-----BEGIN CERTIFICATE-----\n${leaf.toString('base64')}\n-----END CERTIFICATE-----\n`
      const body = Buffer.from(
        canonicalJson({
          apiVersion: '0.0.1',
          kind: 'dsse',
          spec: {
            envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify({ payload: payload.toString('base64'), payloadType })).digest('hex') },
            payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
            signatures: [{ signature, verifier: Buffer.from(leafPem).toString('base64') }],
          },
        }),
      ).toString('base64')
      logIndex += 1
      const integratedTime = Math.floor(at / 1000)
      const signedEntryTimestamp = sign('sha256', Buffer.from(canonicalJson({ body, integratedTime, logID: logId.toString('hex'), logIndex })), log.privateKey).toString('base64')
      return {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: {
          certificate: { rawBytes: leaf.toString('base64') },
          tlogEntries: [
            {
              logIndex: String(logIndex),
              logId: { keyId: logId.toString('base64') },
              kindVersion: { kind: 'dsse', version: '0.0.1' },
              integratedTime: String(integratedTime),
              inclusionPromise: { signedEntryTimestamp },
              canonicalizedBody: body,
            },
          ],
        },
        dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig: signature, keyid: '' }] },
      }
    },
  }
}
