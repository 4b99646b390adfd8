/** Where a value came from: a layer's file, an environment variable, or the default. */
export type Origin =
  | { scope: 'global' | 'user' | 'project'; file: string }
  | { scope: 'env'; variable: string }
  | { scope: 'default' }

/** The origin as a person reads it: the file's path, `$VARIABLE`, or `default`. */
export function describeOrigin(origin: Origin): string {
  if (origin.scope === 'env') return `$${origin.variable}`
  if (origin.scope === 'default') return 'default'
  return origin.file
}
