/** Output formats: text for people, JSON and YAML for programs. */

export const outputFormats = ['text', 'json', 'yaml'] as const
export type OutputFormat = (typeof outputFormats)[number]

/** `--json` or `--format` (the parser rejects the two disagreeing); text otherwise. */
export function resolveFormat(args: { json?: unknown; format?: unknown }): OutputFormat {
  if (args.json === true) return 'json'
  return outputFormats.find((format) => format === args.format) ?? 'text'
}

/** Serialises data for a program: pretty JSON, or YAML (loaded only when asked for). */
export async function serialize(data: unknown, format: Exclude<OutputFormat, 'text'>): Promise<string> {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`
  const { stringify } = await import('yaml')
  return stringify(data)
}
