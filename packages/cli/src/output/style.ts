import picocolors from 'picocolors'

/** Colour functions; identity functions when colour is off, so renderers never branch on it. */
export interface Style {
  readonly enabled: boolean
  bold: (text: string) => string
  dim: (text: string) => string
  red: (text: string) => string
  green: (text: string) => string
  yellow: (text: string) => string
  cyan: (text: string) => string
}

/** A style that colours only when `enabled` (decided once from TTY, NO_COLOR and --no-color). */
export function createStyle(enabled: boolean): Style {
  const colors = picocolors.createColors(enabled)
  return {
    enabled,
    bold: colors.bold,
    dim: colors.dim,
    red: colors.red,
    green: colors.green,
    yellow: colors.yellow,
    cyan: colors.cyan,
  }
}
