/**
 * Finding a command the way a shell would, on the PATH of the environment we were given (not
 * necessarily ours): desktop clients start servers without the user's shell, so launch specs
 * record absolute paths, and they must be the ones the user's PATH picks.
 *
 * Not the `which` package: it reads the platform and the delimiter of this process rather than
 * the environment's, and on Windows searches the current directory first, which a launch spec
 * must not depend on.
 */
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import path from 'node:path'

/** The PATH of `env`, whatever its case (Windows spells it `Path`); undefined when it has none. */
export function pathOf(env: NodeJS.ProcessEnv): string | undefined {
  if (env.PATH !== undefined) return env.PATH
  const key = Object.keys(env).find((name) => name.toUpperCase() === 'PATH')
  return key === undefined ? undefined : env[key]
}

function extensionsOf(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  if (platform !== 'win32') return ['']
  const key = Object.keys(env).find((name) => name.toUpperCase() === 'PATHEXT')
  const list = (key === undefined ? undefined : env[key]) ?? '.COM;.EXE;.BAT;.CMD'
  return list.split(';').filter(Boolean)
}

async function isExecutableFile(file: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false
    if (platform !== 'win32') await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The absolute path of the first executable `name` on the PATH of `env`, or undefined (never
 * throws for "not found"). On Windows `PATHEXT` of `env` gives the extensions tried. Relative
 * PATH entries (`.`, `node_modules/.bin`) are skipped: they would make the answer depend on the
 * current directory, and a launch spec must not. Symbolic links are kept as found, not resolved,
 * so a version manager's or Homebrew's stable path survives upgrades.
 */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  const extensions = extensionsOf(env, platform)
  for (const directory of (pathOf(env) ?? '').split(path.delimiter)) {
    if (directory === '' || !path.isAbsolute(directory)) continue
    for (const extension of extensions) {
      const candidate = path.join(directory, `${name}${extension}`)
      if (await isExecutableFile(candidate, platform)) return candidate
    }
  }
  return undefined
}
