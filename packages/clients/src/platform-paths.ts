/**
 * Where clients keep their files on each platform, computed from injected values (platform,
 * home, environment), so every platform's paths are tested on any machine.
 */
import path from 'node:path'
import type { LocateOptions } from './spec'

/** `path.win32` for Windows, `path.posix` elsewhere, whatever this process runs on. */
export function pathsFor(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix
}

function setting(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined
}

/**
 * The per-user application-data directory: `~/Library/Application Support` (macOS), `%APPDATA%`
 * (Windows), `$XDG_CONFIG_HOME` or `~/.config` (Linux and the rest).
 */
export function appDataDirectory(options: Pick<LocateOptions, 'platform' | 'home' | 'env'>): string {
  const join = pathsFor(options.platform).join
  if (options.platform === 'darwin') return join(options.home, 'Library', 'Application Support')
  if (options.platform === 'win32') return setting(options.env.APPDATA) ?? join(options.home, 'AppData', 'Roaming')
  return xdgConfigHome(options)
}

/** `$XDG_CONFIG_HOME` (when absolute) or `~/.config`: used on every platform by CLI tools such as Goose, Zed and OpenCode. */
export function xdgConfigHome(options: Pick<LocateOptions, 'platform' | 'home' | 'env'>): string {
  const paths = pathsFor(options.platform)
  const configured = setting(options.env.XDG_CONFIG_HOME)
  return configured && paths.isAbsolute(configured) ? configured : paths.join(options.home, '.config')
}
