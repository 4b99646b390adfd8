/**
 * Finding the Python a server will run on, the way a shell would (the PATH of the environment we
 * were given), and asking it once what an install needs: its real executable (a pyenv or asdf
 * shim on the PATH is a script, and a venv must be made from the interpreter behind it), its
 * version, and whether it has `venv`, `ensurepip` and `pip`. One spawn answers all of it.
 */
import path from 'node:path'
import { stat } from 'node:fs/promises'
import { findOnPath } from '@tekton/mcp-discovery/kit'
import type { RuntimeInfo } from '@tekton/mcp-installation'
import { z } from 'zod'
import type { PythonInstallerExec } from './exec'

/** What the interpreter said about itself. */
export interface PythonProbe {
  /** `sys.executable`, resolved: the interpreter a venv is created from. */
  executable: string
  /** `3.11.7` (`platform.python_version()`). */
  version: string
  /** `venv` can be imported (Debian splits it into python3-venv). */
  venv: boolean
  /** `ensurepip` can be imported (needed only when the interpreter has no pip of its own). */
  ensurepip: boolean
  /** The interpreter's own pip version, when it has one. */
  pip?: string
  /**
   * pip's `__pip-runner__.py` (pip 22.3+), the script `pip --python` runs under the target
   * interpreter: running it directly saves starting the outer pip.
   */
  pipRunner?: string
}

const ProbeSchema = z.object({
  executable: z.string().min(1),
  version: z.string().min(1),
  venv: z.boolean(),
  ensurepip: z.boolean(),
  pip: z.string().nullable(),
  pipRunner: z.string().nullable().optional(),
})

// -I: the probe must not run a user's sitecustomize or PYTHONSTARTUP, nor read PYTHONPATH.
const probeScript = [
  'import importlib.util as u, json, os, platform, sys',
  'def has(name):',
  '    try:',
  '        return u.find_spec(name) is not None',
  '    except Exception:',
  '        return False',
  'pip = runner = None',
  'if has("pip"):',
  '    try:',
  '        import pip',
  '        version = pip.__version__',
  '        candidate = os.path.join(os.path.dirname(pip.__file__), "__pip-runner__.py")',
  '        pip, runner = version, (candidate if os.path.isfile(candidate) else None)',
  '    except Exception:',
  '        pip = None',
  'print(json.dumps({"executable": os.path.realpath(sys.executable), "version": platform.python_version(), "venv": has("venv"), "ensurepip": has("ensurepip"), "pip": pip, "pipRunner": runner}))',
].join('\n')

/** Remembers probes per exec and binary (path, size, modification time): a spawn costs ~30 ms. */
const probeCaches = new WeakMap<PythonInstallerExec, Map<string, PythonProbe>>()

/** Asks the interpreter at `file` about itself; undefined when it does not run or answers nonsense. */
export async function probePython(file: string, exec: PythonInstallerExec, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<PythonProbe | undefined> {
  let key: string
  try {
    const info = await stat(file)
    key = `${file}\0${info.size}\0${info.mtimeMs}\0${env.PYENV_VERSION ?? ''}`
  } catch {
    return undefined
  }
  let probeCache = probeCaches.get(exec)
  if (probeCache === undefined) {
    probeCache = new Map()
    probeCaches.set(exec, probeCache)
  }
  const cached = probeCache.get(key)
  if (cached !== undefined) return cached
  const result = await exec(file, ['-I', '-c', probeScript], { cwd: path.dirname(file), env: probeEnvironment(env), timeoutMs: 30_000, ...(signal ? { signal } : {}) })
  if (result.exitCode !== 0) return undefined
  let parsed: z.infer<typeof ProbeSchema>
  try {
    parsed = ProbeSchema.parse(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? ''))
  } catch {
    return undefined
  }
  const probe: PythonProbe = {
    executable: parsed.executable,
    version: parsed.version,
    venv: parsed.venv,
    ensurepip: parsed.ensurepip,
    ...(parsed.pip ? { pip: parsed.pip } : {}),
    ...(parsed.pip && parsed.pipRunner ? { pipRunner: parsed.pipRunner } : {}),
  }
  probeCache.set(key, probe)
  return probe
}

/**
 * The environment for asking a Python about itself: the caller's, without the variables that make
 * Python load code from elsewhere (a shim such as pyenv's needs PATH, HOME and PYENV_*).
 */
export function probeEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const quiet: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(env)) {
    if (/^PYTHON/i.test(name) || /^(LD_|DYLD_)/i.test(name)) continue
    quiet[name] = value
  }
  return quiet
}

/** Where Python was looked for and what was found. */
export interface PythonLookup {
  runtime?: RuntimeInfo
  probe?: PythonProbe
  /** What went wrong when `runtime` is absent, for a check's `found` text. */
  problem?: string
}

/** Finds Python (`pythonPath` when given, else `python3`, then `python`, on the PATH of `env`) and probes it. */
export async function findPython(options: { pythonPath?: string | undefined; env: NodeJS.ProcessEnv; exec: PythonInstallerExec; signal?: AbortSignal | undefined }): Promise<PythonLookup> {
  const candidates = options.pythonPath !== undefined ? [options.pythonPath] : [await findOnPath('python3', options.env), await findOnPath('python', options.env)]
  const files = candidates.filter((file): file is string => file !== undefined)
  if (files.length === 0) return { problem: 'python3 was not found on PATH' }
  for (const file of files) {
    const probe = await probePython(file, options.exec, options.env, options.signal)
    if (probe) return { runtime: { name: 'python', path: probe.executable, version: probe.version }, probe }
  }
  return { problem: `${files[0]} did not answer with its version` }
}
