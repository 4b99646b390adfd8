/**
 * A fake Sigstore, made in the test, whose bundles pass sigstore-js with `trustedRoot`: a
 * certificate authority (root and intermediate) standing for Fulcio, a certificate-transparency
 * log whose signed certificate timestamp (SCT) is embedded in every leaf as RFC 6962 says (signed
 * over the precertificate's TBS without the SCT extension), and a transparency log standing for
 * Rekor that keeps a real Merkle tree: each entry carries an inclusion proof against a signed
 * checkpoint and a signed entry timestamp. `attest()` does what npm does when a CI job publishes
 * with `--provenance` (a SLSA v1 statement for the tarball); `attestStatement()` signs any
 * in-toto statement (PEP 740 attestations are made from it). `trustedRoot` is in the shape of
 * Sigstore's `trusted_root.json`, to hand to the verifier in place of the pinned public one.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { bitString, boolean, explicit, integer, objectIdentifier, octetString, sequence, set, time, tlv, utf8String } from './der'

const ecdsaWithSha256 = sequence(objectIdentifier('1.2.840.10045.4.3.2'))

/** Fulcio's certificate extensions for a GitHub Actions identity (1.3.6.1.4.1.57264.1.*). */
const fulcioOids = {
  issuerV2: '1.3.6.1.4.1.57264.1.8',
  buildSignerUri: '1.3.6.1.4.1.57264.1.9',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
}
/** RFC 6962's embedded SCT list (precertificate SCTs) extension. */
const sctListOid = '1.3.6.1.4.1.11129.2.4.2'

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectIdentifier('2.5.4.10'), utf8String('fake-sigstore.test'))), set(sequence(objectIdentifier('2.5.4.3'), utf8String(commonName))))
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value))
}

interface CertificateInput {
  serial: Buffer
  subject: string
  issuer: string
  publicKey: KeyObject
  notBefore: Date
  notAfter: Date
  extensions: Buffer[]
}

function tbsCertificate(input: CertificateInput): Buffer {
  return sequence(
    explicit(0, integer(2)),
    integer(input.serial),
    ecdsaWithSha256,
    name(input.issuer),
    sequence(time(input.notBefore), time(input.notAfter)),
    name(input.subject),
    input.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...input.extensions)),
  )
}

function signedCertificate(tbs: Buffer, signingKey: KeyObject): Buffer {
  return sequence(tbs, ecdsaWithSha256, bitString(sign('sha256', tbs, signingKey)))
}

function certificate(input: Omit<CertificateInput, 'serial'> & { signingKey: KeyObject }): Buffer {
  return signedCertificate(tbsCertificate({ ...input, serial: Buffer.concat([Buffer.from([0x01]), randomBytes(15)]) }), input.signingKey)
}

const uint16 = (value: number): Buffer => Buffer.from([(value >> 8) & 0xff, value & 0xff])
const uint24 = (value: number): Buffer => Buffer.from([(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff])
function uint64(value: number): Buffer {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64BE(BigInt(value))
  return bytes
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

const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** RFC 6962 Merkle tree hash over leaf hashes. */
function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!
  const split = largestPowerOfTwoBelow(leaves.length)
  return sha256(Buffer.from([0x01]), merkleRoot(leaves.slice(0, split)), merkleRoot(leaves.slice(split)))
}

function largestPowerOfTwoBelow(size: number): number {
  let split = 1
  while (split * 2 < size) split *= 2
  return split
}

/** RFC 6962 audit path of leaf `index`, bottom first. */
function auditPath(index: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return []
  const split = largestPowerOfTwoBelow(leaves.length)
  return index < split ? [...auditPath(index, leaves.slice(0, split)), merkleRoot(leaves.slice(split))] : [...auditPath(index - split, leaves.slice(split)), merkleRoot(leaves.slice(0, split))]
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

export interface AttestStatementOptions {
  /** When the entry is logged (epoch ms). @default the fake's clock */
  at?: number
  /** The repository the signing certificate is issued to. @default `https://github.com/fixture/project` */
  repository?: string
  /** @default `.github/workflows/release.yml` */
  workflowPath?: string
  /** @default `refs/heads/main` */
  ref?: string
}

export interface AttestedStatement {
  /** A Sigstore bundle (v0.3) with a DSSE envelope over the statement. */
  bundle: Record<string, unknown>
  /** The Fulcio-like leaf certificate (DER), with its embedded SCT and identity extensions. */
  certificateDer: Buffer
  /** The transparency-log entry (Rekor's TransparencyLogEntry JSON, as in the bundle). */
  tlogEntry: Record<string, unknown>
  /** PEP 740's envelope parts: the statement and the DSSE signature, base64. */
  envelope: { statement: string; signature: string }
}

/** `trusted_root.json` for a fake Sigstore: its CA chain, CT log and transparency log keys. */
export type FakeTrustedRoot = {
  mediaType: string
  tlogs: Array<{ baseUrl: string; hashAlgorithm: string; publicKey: { rawBytes: string; keyDetails: string; validFor: { start: string } }; logId: { keyId: string } }>
  ctlogs: Array<{ baseUrl: string; hashAlgorithm: string; publicKey: { rawBytes: string; keyDetails: string; validFor: { start: string } }; logId: { keyId: string } }>
  certificateAuthorities: Array<{ subject: { organization: string; commonName: string }; uri: string; certChain: { certificates: Array<{ rawBytes: string }> }; validFor: { start: string } }>
  timestampAuthorities: never[]
}

export interface FakeSigstore {
  /** In the shape of Sigstore's `trusted_root.json`: this fake's CA chain, CT log key and log key. */
  readonly trustedRoot: FakeTrustedRoot
  /** A Sigstore bundle (v0.3) of an npm SLSA provenance attestation, as the registry serves it. */
  attest(options: AttestOptions): Record<string, unknown>
  /** Signs any in-toto statement as a CI job would, with its certificate, log entry and bundle. */
  attestStatement(statement: object, options?: AttestStatementOptions): AttestedStatement
}

/** Creates a fake Sigstore. `now` (epoch ms) dates certificates and log entries. @default Date.now */
export function createFakeSigstore(options: { now?: () => number } = {}): FakeSigstore {
  const now = options.now ?? Date.now
  const started = now()
  const year = 365 * 24 * 3600 * 1000
  const validFrom = new Date(started - year)
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const intermediate = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const log = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ctLog = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const caExtensions = [extension('2.5.29.19', true, sequence(boolean(true))), extension('2.5.29.15', true, bitString(Buffer.from([0x06])))]
  const rootCertificate = certificate({ subject: 'fake-sigstore root', issuer: 'fake-sigstore root', publicKey: root.publicKey, signingKey: root.privateKey, notBefore: validFrom, notAfter: new Date(started + 10 * year), extensions: caExtensions })
  const intermediateCertificate = certificate({ subject: 'fake-sigstore intermediate', issuer: 'fake-sigstore root', publicKey: intermediate.publicKey, signingKey: root.privateKey, notBefore: validFrom, notAfter: new Date(started + 10 * year), extensions: caExtensions })
  const intermediateKeyHash = sha256(intermediate.publicKey.export({ type: 'spki', format: 'der' }))
  const logKeyDer = log.publicKey.export({ type: 'spki', format: 'der' })
  const logId = sha256(logKeyDer)
  const ctLogKeyDer = ctLog.publicKey.export({ type: 'spki', format: 'der' })
  const ctLogId = sha256(ctLogKeyDer)
  const logHost = 'rekor.fake-sigstore.test'
  const checkpointOrigin = `${logHost} - 1234567890`
  // The log's Merkle tree (leaf hashes); the global log index is offset as Rekor's shards are.
  const leaves: Buffer[] = []
  const logIndexOffset = 1000

  /** An SCT list extension for a leaf whose TBS (without this extension) is `tbs`, signed by the CT log. */
  function embeddedSct(tbs: Buffer, at: number): Buffer {
    const timestamp = uint64(at)
    const signed = Buffer.concat([Buffer.from([0x00, 0x00]), timestamp, uint16(1), intermediateKeyHash, uint24(tbs.length), tbs, uint16(0)])
    const signature = sign('sha256', signed, ctLog.privateKey)
    const sct = Buffer.concat([Buffer.from([0x00]), ctLogId, timestamp, uint16(0), Buffer.from([4, 3]), uint16(signature.length), signature])
    const list = Buffer.concat([uint16(sct.length), sct])
    return extension(sctListOid, false, octetString(Buffer.concat([uint16(list.length), list])))
  }

  /** A Fulcio-like leaf for `identity`, valid ten minutes around `at`, with an embedded SCT. */
  function leafCertificate(publicKey: KeyObject, at: number, identity: { repository: string; workflowUri: string }): Buffer {
    const san = extension('2.5.29.17', true, sequence(tlv(0x86, Buffer.from(identity.workflowUri))))
    const input: CertificateInput = {
      serial: Buffer.concat([Buffer.from([0x01]), randomBytes(15)]),
      subject: 'sigstore',
      issuer: 'fake-sigstore intermediate',
      publicKey,
      notBefore: new Date(at - 60_000),
      notAfter: new Date(at + 10 * 60_000),
      extensions: [
        extension('2.5.29.15', true, bitString(Buffer.from([0x80]))),
        extension('2.5.29.37', false, sequence(objectIdentifier('1.3.6.1.5.5.7.3.3'))),
        san,
        extension(fulcioOids.issuerV2, false, utf8String('https://token.actions.githubusercontent.com')),
        extension(fulcioOids.buildSignerUri, false, utf8String(identity.workflowUri)),
        extension(fulcioOids.sourceRepositoryUri, false, utf8String(identity.repository)),
        extension(fulcioOids.buildConfigUri, false, utf8String(identity.workflowUri)),
      ],
    }
    const precertificate = tbsCertificate(input)
    return signedCertificate(tbsCertificate({ ...input, extensions: [...input.extensions, embeddedSct(precertificate, at)] }), intermediate.privateKey)
  }

  /** Appends `body` to the log: the entry with its signed entry timestamp and inclusion proof. */
  function logEntry(body: Buffer, at: number): Record<string, unknown> {
    const treeIndex = leaves.length
    leaves.push(sha256(Buffer.from([0x00]), body))
    const logIndex = logIndexOffset + treeIndex
    const integratedTime = Math.floor(at / 1000)
    const canonicalizedBody = body.toString('base64')
    const signedEntryTimestamp = sign('sha256', Buffer.from(canonicalJson({ body: canonicalizedBody, integratedTime, logID: logId.toString('hex'), logIndex })), log.privateKey).toString('base64')
    const treeSize = leaves.length
    const rootHash = merkleRoot(leaves)
    const note = `${checkpointOrigin}\n${treeSize}\n${rootHash.toString('base64')}\n`
    const noteSignature = Buffer.concat([logId.subarray(0, 4), sign('sha256', Buffer.from(note), log.privateKey)]).toString('base64')
    return {
      logIndex: String(logIndex),
      logId: { keyId: logId.toString('base64') },
      kindVersion: { kind: 'dsse', version: '0.0.1' },
      integratedTime: String(integratedTime),
      inclusionPromise: { signedEntryTimestamp },
      inclusionProof: {
        logIndex: String(treeIndex),
        rootHash: rootHash.toString('base64'),
        treeSize: String(treeSize),
        hashes: auditPath(treeIndex, leaves).map((hash) => hash.toString('base64')),
        checkpoint: { envelope: `${note}\n\u2014 ${logHost} ${noteSignature}\n` },
      },
      canonicalizedBody,
    }
  }

  function attestStatement(statement: object, statementOptions: AttestStatementOptions = {}): AttestedStatement {
    const at = statementOptions.at ?? now()
    const repository = statementOptions.repository ?? 'https://github.com/fixture/project'
    const workflowPath = statementOptions.workflowPath ?? '.github/workflows/release.yml'
    const ref = statementOptions.ref ?? 'refs/heads/main'
    const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const leaf = leafCertificate(signer.publicKey, at, { repository, workflowUri: `${repository}/${workflowPath}@${ref}` })
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
    )
    const tlogEntry = logEntry(body, at)
    return {
      bundle: {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { certificate: { rawBytes: leaf.toString('base64') }, tlogEntries: [tlogEntry] },
        dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig: signature, keyid: '' }] },
      },
      certificateDer: leaf,
      tlogEntry,
      envelope: { statement: payload.toString('base64'), signature },
    }
  }

  const keyValidity = { start: validFrom.toISOString() }
  return {
    trustedRoot: {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [{ baseUrl: `https://${logHost}`, hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: logKeyDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: keyValidity }, logId: { keyId: logId.toString('base64') } }],
      ctlogs: [{ baseUrl: 'https://ctfe.fake-sigstore.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: ctLogKeyDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: keyValidity }, logId: { keyId: ctLogId.toString('base64') } }],
      certificateAuthorities: [
        {
          subject: { organization: 'fake-sigstore.test', commonName: 'fake-sigstore intermediate' },
          uri: 'https://fulcio.fake-sigstore.test',
          certChain: { certificates: [{ rawBytes: intermediateCertificate.toString('base64') }, { rawBytes: rootCertificate.toString('base64') }] },
          validFor: keyValidity,
        },
      ],
      timestampAuthorities: [],
    },

    attestStatement,

    attest(attestOptions) {
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
      return attestStatement(statement, { repository, workflowPath, ref, ...(attestOptions.at === undefined ? {} : { at: attestOptions.at }) }).bundle
    },
  }
}

