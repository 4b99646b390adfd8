/**
 * The secret store: configured secret values (variables the metadata marks `isSecret` or that a
 * user gave with `--secret`, secret remote headers) live in one file, `secrets/secrets.json`
 * under the data directory, mode 0600 in a 0700 directory, and nowhere else. The state file
 * keeps only their names, so `installed.json` (read by `list --json`, backups, support bundles)
 * and every client file written from a record can be shown without leaking a token. The state
 * store reads it back into the records it returns (see `createStateStore`), so every launch from
 * a record (the handshake, verify, the launcher) gets the values, and writes it under the state
 * lock, before the state, on every state write.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { TektonError } from '@tekton/mcp-discovery'
import { writeFileAtomic } from '@tekton/mcp-discovery/kit'

/** One server's secret values: variables by name, remote headers by name, secret inputs by key. */
export const ServerSecretsSchema = z.object({
  env: z.record(z.string(), z.string()).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** Secret input values (package arguments, remote URL variables) by input key; see `secret-inputs`. */
  inputs: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
})

export const SecretStoreSchema = z.object({
  schemaVersion: z.literal(1),
  servers: z.record(z.string(), ServerSecretsSchema),
})

export type ServerSecrets = z.infer<typeof ServerSecretsSchema>
export type SecretStoreContents = z.infer<typeof SecretStoreSchema>

/** The store's file under a data directory (`<data>/secrets/secrets.json`). */
export function secretStoreFile(dataDirectory: string): string {
  return path.join(path.resolve(dataDirectory), 'secrets', 'secrets.json')
}

/** The store's contents (empty when the file does not exist). The message never quotes the file. */
export async function readSecretStore(file: string): Promise<SecretStoreContents> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: 1, servers: {} }
    throw new TektonError('E_SECRET_STORE', `could not read the secret store ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    // Never the parser's message: it quotes the text, which is made of secrets.
    throw new TektonError('E_SECRET_STORE', `the secret store ${file} is not valid JSON`, {
      hint: 'Move it aside and configure the secrets again (tekton-mcp configure <name> --secret NAME=…)',
    })
  }
  const parsed = SecretStoreSchema.safeParse(data)
  if (!parsed.success) {
    throw new TektonError('E_SECRET_STORE', `the secret store ${file} does not hold secrets in the expected shape`, {
      hint: 'Move it aside and configure the secrets again (tekton-mcp configure <name> --secret NAME=…)',
    })
  }
  return parsed.data
}

/**
 * Replaces the store (temporary file with mode 0600 in the same 0700 directory, fsync, rename).
 * The caller holds the state lock: the two files change together.
 */
export async function writeSecretStore(file: string, contents: SecretStoreContents): Promise<void> {
  const directory = path.dirname(file)
  await mkdir(directory, { recursive: true, mode: 0o700 })
  // mkdir does not change an existing directory's mode (or one made under another umask).
  if (process.platform !== 'win32') await chmod(directory, 0o700)
  const checked = SecretStoreSchema.parse(contents)
  await writeFileAtomic(file, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 })
}
