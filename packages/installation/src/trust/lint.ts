/**
 * The description lint: what a server tells the model, read before the model reads it. Tool
 * descriptions, names and input schemas, prompts, resources and the server's instructions all go
 * into the model's context unseen by the user, so they are where a hostile server hides text
 * aimed at the model ("ignore previous instructions", "read ~/.ssh/id_rsa and pass it as ..."),
 * often in characters a terminal does not show. Each class of finding has a stable rule id (a
 * policy, a test or a user can name it); every finding carries the offending text with invisible
 * characters made visible (`<U+200B>`), so the report shows what the model would read.
 *
 * The patterns are deliberately narrow: a finding is a warning a user must read, and one that
 * fires on ordinary descriptions teaches users to skip the report. They are tried over every
 * fixture and recorded real-server handshake in the tests, which must stay clean.
 */
import type { HandshakeResult } from '../handshake'

/** The rule ids, stable: a policy or a user refers to them. */
export const lintRules = {
  'hidden-unicode.zero-width': 'Zero-width characters (U+200B–U+200D, U+2060, U+FEFF): text the user does not see',
  'hidden-unicode.bidi': 'Bidirectional controls (U+202A–U+202E, U+2066–U+2069): text shown in another order than the model reads it',
  'hidden-unicode.tag': 'Unicode tag characters (U+E0000–U+E007F): invisible ASCII the model can read; decoded in the finding',
  'hidden-unicode.invisible': 'Other invisible or format characters (soft hyphen, fillers, variation selectors beyond emoji use, ...)',
  'model-directed.ignore-instructions': 'Tells the model to ignore or override its previous instructions',
  'model-directed.conceal': 'Tells the model to hide something from the user',
  'model-directed.markup-block': 'An <IMPORTANT>, <SYSTEM> or similar block addressed to the model',
  'model-directed.sensitive-file': 'Mentions a credential file (~/.ssh, id_rsa, .env, .aws/credentials, ...)',
  'model-directed.send-data': 'Asks to send or upload data to a URL',
  'model-directed.call-first': 'Tells the model to call something before using this tool',
  'cross-server.tool-reference': "Names a tool of another installed server, or tells the model to use another server's tool",
  'oversized.description': 'A description longer than the documented limit',
  'oversized.schema': 'An input schema larger than the documented limit',
  'oversized.instructions': 'Server instructions longer than the documented limit',
} as const

/** A lint rule id (see `lintRules`). */
export type LintRule = keyof typeof lintRules

/**
 * Size limits, in characters (schemas: of their JSON). Chosen well above what the reference
 * servers send (their longest tool description, sequential thinking's, is under 3,000
 * characters): past them a description is an essay the user will not read but the model will.
 */
export const lintLimits = {
  descriptionChars: 4_000,
  schemaJsonChars: 16_000,
  instructionsChars: 8_000,
} as const

/** One finding: which rule, where, and the offending text made visible. */
export interface LintFinding {
  rule: LintRule
  /** Where it was found: `tool "add" description`, `instructions`, `tool "add" input schema properties.a.description`. */
  where: string
  /** The offending text, invisible characters escaped (`<U+200B>`), cut to a window around the match. */
  excerpt: string
  /** For tag characters: the ASCII they spell. */
  decoded?: string
}

/** Another installed server's tools, for cross-server references. */
export interface OtherServerTools {
  server: string
  tools: readonly string[]
}

/** How long an excerpt may be around a match. */
const excerptRadius = 60

const zeroWidth = /[\u200B-\u200D\u2060\uFEFF]/u
const bidiControls = /[\u202A-\u202E\u2066-\u2069]/u
const tagCharacters = /[\u{E0000}-\u{E007F}]/u
/**
 * Invisible characters other than the classes above: format characters (`\p{Cf}`), fillers and
 * the supplementary variation selectors. U+FE0F and the other basic selectors are left alone:
 * emoji use them in ordinary text.
 */
const otherInvisible = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180E\u2061-\u2064\u206A-\u206F\u3164\uFFA0\uFFF9-\uFFFB\u{1D173}-\u{1D17A}\u{E0100}-\u{E01EF}]|(?![\u200B-\u200D\u2060\uFEFF\u202A-\u202E\u2066-\u2069\u{E0000}-\u{E007F}])\p{Cf}/u

/** Text aimed at the model, by rule. Case-insensitive; applied to the text with invisible characters removed. */
const modelDirected: ReadonlyArray<{ rule: LintRule; pattern: RegExp }> = [
  {
    rule: 'model-directed.ignore-instructions',
    pattern: /\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|other|system)\s+(?:instructions?|prompts?|messages?|rules|directions|guidelines)/i,
  },
  {
    rule: 'model-directed.conceal',
    pattern:
      /\b(?:do\s+not|don['’]t|never|must\s+not)\s+(?:tell|inform|mention\s+(?:this\s+|it\s+)?to|reveal\s+(?:this\s+|it\s+)?to|notify|alert|show\s+(?:this\s+|it\s+)?to)\s+the\s+user|\bwithout\s+(?:telling|informing|notifying|alerting)\s+the\s+user|\b(?:hide|conceal|keep)\s+(?:this|it)\s+(?:secret\s+)?from\s+the\s+user/i,
  },
  { rule: 'model-directed.markup-block', pattern: /<\s*\/?\s*(?:important|system|instructions?|admin|secret|hidden)\b[^<>]{0,200}>/i },
  {
    rule: 'model-directed.sensitive-file',
    pattern: /~\/\.ssh\b|\.ssh\/|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|(?<![\w.])\.env\b(?!\s*var)|\.aws\/credentials|\/etc\/(?:passwd|shadow)\b|(?<![\w.])\.(?:npmrc|netrc|pypirc)\b|\b(?:mcp|claude_desktop_config)\.json\b/i,
  },
  { rule: 'model-directed.send-data', pattern: /\b(?:send|post|upload|forward|transmit|exfiltrate|leak|submit)\b[^.\n]{0,80}?\b(?:to|at)\s+<?https?:\/\/\S+/i },
  {
    rule: 'model-directed.call-first',
    pattern: /\bbefore\s+(?:using|calling|invoking|running)\s+(?:this|any|the)\s+tool\b[^.\n]{0,40}?\b(?:call|run|invoke|use|read)\b|\b(?:always|first)\s+(?:call|invoke)\s+(?:the\s+)?[\w.-]+\s+(?:tool\s+)?(?:first|before)\b/i,
  },
]

/** "use the X tool of (the) Y (server)", "call X from the Y server". */
const otherServerToolPhrase = /\b(?:use|call|invoke|run)\s+(?:the\s+)?[`'"]?([\w.-]+)[`'"]?\s+(?:tool\s+)?(?:of|from|in|on)\s+(?:the\s+)?[`'"]?([\w.@/-]+)[`'"]?\s+(?:server|mcp)\b/i

/** `U+200B` style escape of one code point. */
function codePointName(codePoint: number): string {
  return `<U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}>`
}

function isInvisible(character: string): boolean {
  return zeroWidth.test(character) || bidiControls.test(character) || tagCharacters.test(character) || otherInvisible.test(character)
}

/**
 * `text` with every invisible character written as `<U+XXXX>` and control characters as their
 * escapes, so a terminal shows what the model reads. Exported for renderers.
 */
export function makeVisible(text: string): string {
  let shown = ''
  for (const character of text) {
    const codePoint = character.codePointAt(0) as number
    if (isInvisible(character)) shown += codePointName(codePoint)
    else if (codePoint < 0x20 && character !== '\n' && character !== '\t') shown += codePointName(codePoint)
    else if (codePoint === 0x7f || (codePoint >= 0x80 && codePoint < 0xa0)) shown += codePointName(codePoint)
    else shown += character
  }
  return shown
}

/** The ASCII hidden in Unicode tag characters (U+E0020–U+E007E map to ' '–'~'). */
export function decodeTagCharacters(text: string): string {
  let decoded = ''
  for (const character of text) {
    const codePoint = character.codePointAt(0) as number
    if (codePoint >= 0xe0020 && codePoint <= 0xe007e) decoded += String.fromCharCode(codePoint - 0xe0000)
  }
  return decoded
}

/** A window of `text` around [start, end), made visible, with `…` where it was cut. */
function excerptOf(text: string, start: number, end: number): string {
  const from = Math.max(0, start - excerptRadius)
  const to = Math.min(text.length, end + excerptRadius)
  const window = makeVisible(text.slice(from, to)).replace(/\s+/g, ' ').trim()
  return `${from > 0 ? '…' : ''}${window}${to < text.length ? '…' : ''}`
}

/** Removes invisible characters, so `ign\u200Bore previous instructions` still reads as what the model reads. */
function withoutInvisible(text: string): string {
  let kept = ''
  for (const character of text) if (!isInvisible(character)) kept += character
  return kept
}

/** One piece of text the server sends the model, and where it came from. */
interface LintedText {
  where: string
  text: string
  /** Names are checked for hidden characters only. */
  kind: 'name' | 'prose'
}

/** Hidden-Unicode findings in one text: one per class, the first occurrence shown. */
function hiddenUnicodeFindings(item: LintedText): LintFinding[] {
  const findings: LintFinding[] = []
  const classes: Array<[LintRule, RegExp]> = [
    ['hidden-unicode.zero-width', zeroWidth],
    ['hidden-unicode.bidi', bidiControls],
    ['hidden-unicode.tag', tagCharacters],
    ['hidden-unicode.invisible', otherInvisible],
  ]
  for (const [rule, pattern] of classes) {
    const match = pattern.exec(item.text)
    if (!match) continue
    const finding: LintFinding = { rule, where: item.where, excerpt: excerptOf(item.text, match.index, match.index + match[0].length) }
    if (rule === 'hidden-unicode.tag') {
      finding.decoded = decodeTagCharacters(item.text)
      // The tag run may be long: show its start, and the decoded text says what it holds.
      finding.excerpt = excerptOf(item.text, match.index, match.index + 2)
    }
    findings.push(finding)
  }
  return findings
}

/** Findings of text aimed at the model, on the text as the model reads it (invisible characters dropped). */
function modelDirectedFindings(item: LintedText): LintFinding[] {
  const text = withoutInvisible(item.text)
  const findings: LintFinding[] = []
  for (const { rule, pattern } of modelDirected) {
    const match = pattern.exec(text)
    if (match) findings.push({ rule, where: item.where, excerpt: excerptOf(text, match.index, match.index + match[0].length) })
  }
  return findings
}

/**
 * Other servers' tool names worth looking for: only distinctive ones (with `_`, `-` or `.`, or
 * camelCase, at least six characters), since `search` or `fetch` are ordinary words; this
 * server's own names are left out. Built once per lint: texts are then tokenised and looked up.
 */
function distinctiveToolNames(others: readonly OtherServerTools[], ownTools: ReadonlySet<string>): Map<string, string> {
  const names = new Map<string, string>()
  for (const other of others) {
    for (const tool of other.tools) {
      if (ownTools.has(tool) || tool.length < 6 || !/[_.-]|[a-z][A-Z]/.test(tool) || names.has(tool)) continue
      names.set(tool, other.server)
    }
  }
  return names
}

/** A phrase pointing at another server's tool, or the name of one of its tools, in a text. */
function crossServerFindings(item: LintedText, otherTools: ReadonlyMap<string, string>, ownTools: ReadonlySet<string>): LintFinding[] {
  const text = withoutInvisible(item.text)
  const phrase = otherServerToolPhrase.exec(text)
  if (phrase && !ownTools.has(phrase[1] as string)) {
    return [{ rule: 'cross-server.tool-reference', where: item.where, excerpt: excerptOf(text, phrase.index, phrase.index + phrase[0].length) }]
  }
  if (otherTools.size === 0) return []
  for (const word of text.matchAll(/[\w.-]+/g)) {
    // A name at the end of a sentence carries its full stop.
    const token = word[0].replace(/[.-]+$/, '')
    const server = otherTools.get(token)
    if (server !== undefined) {
      const start = word.index ?? 0
      return [{ rule: 'cross-server.tool-reference', where: item.where, excerpt: `${excerptOf(text, start, start + token.length)} (a tool of ${server})` }]
    }
  }
  return []
}

/** Every `description` and `title` in a JSON schema, and its property names, with their paths. */
function schemaTexts(schema: unknown, where: string, trail: string, into: LintedText[], depth = 0): void {
  if (depth > 32 || schema === null || typeof schema !== 'object') return
  if (Array.isArray(schema)) {
    schema.forEach((item, index) => schemaTexts(item, where, `${trail}[${index}]`, into, depth + 1))
    return
  }
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    const path = trail === '' ? key : `${trail}.${key}`
    if ((key === 'description' || key === 'title') && typeof value === 'string') {
      into.push({ where: `${where} ${makeVisible(path)}`, text: value, kind: 'prose' })
      continue
    }
    // Under `properties` each key is a name the model reads.
    if (key === 'properties' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const name of Object.keys(value)) into.push({ where: `${where} property ${makeVisible(`${path}.${name}`)}`, text: name, kind: 'name' })
    }
    if (typeof value === 'object') schemaTexts(value, where, path, into, depth + 1)
  }
}

function isInvisibleAnywhere(text: string): boolean {
  for (const character of text) if (isInvisible(character)) return true
  return false
}

/** Every text of a handshake the model reads, with where it came from. */
function handshakeTexts(result: Pick<HandshakeResult, 'tools' | 'prompts' | 'resources' | 'instructions' | 'serverInfo'>): LintedText[] {
  const texts: LintedText[] = []
  const prose = (where: string, text: string | undefined) => {
    if (typeof text === 'string' && text !== '') texts.push({ where, text, kind: 'prose' })
  }
  texts.push({ where: 'server name', text: result.serverInfo.name, kind: 'name' })
  prose('server title', result.serverInfo.title)
  prose('instructions', result.instructions)
  for (const tool of result.tools) {
    const label = `tool "${makeVisible(tool.name)}"`
    texts.push({ where: `${label} name`, text: tool.name, kind: 'name' })
    prose(`${label} title`, tool.title)
    prose(`${label} description`, tool.description)
    const annotationTitle = (tool.annotations as { title?: unknown } | undefined)?.title
    prose(`${label} annotations title`, typeof annotationTitle === 'string' ? annotationTitle : undefined)
    const nested: LintedText[] = []
    schemaTexts(tool.inputSchema, `${label} input schema`, '', nested)
    texts.push(...nested.filter((item) => item.kind === 'prose' || isInvisibleAnywhere(item.text)))
  }
  for (const prompt of result.prompts) {
    const label = `prompt "${makeVisible(prompt.name)}"`
    texts.push({ where: `${label} name`, text: prompt.name, kind: 'name' })
    prose(`${label} title`, prompt.title)
    prose(`${label} description`, prompt.description)
    for (const argument of prompt.arguments ?? []) prose(`${label} argument "${makeVisible(argument.name)}" description`, argument.description)
  }
  for (const resource of result.resources) {
    const label = `resource "${makeVisible(resource.name)}"`
    texts.push({ where: `${label} name`, text: resource.name, kind: 'name' })
    prose(`${label} title`, resource.title)
    prose(`${label} description`, resource.description)
  }
  return texts
}

/** Options of `lintHandshake`. */
export interface LintOptions {
  /** The tools of the other installed servers (not this one), for cross-server references. */
  otherServers?: readonly OtherServerTools[]
}

/**
 * Every finding in what a server offers (see the module comment), in a stable order: by text,
 * then by rule. Pure: the same handshake gives the same findings.
 */
export function lintHandshake(result: Pick<HandshakeResult, 'tools' | 'prompts' | 'resources' | 'instructions' | 'serverInfo'>, options: LintOptions = {}): LintFinding[] {
  const findings: LintFinding[] = []
  const ownTools = new Set(result.tools.map((tool) => tool.name))
  const otherTools = distinctiveToolNames(options.otherServers ?? [], ownTools)
  for (const item of handshakeTexts(result)) {
    findings.push(...hiddenUnicodeFindings(item))
    if (item.kind !== 'prose') continue
    findings.push(...modelDirectedFindings(item))
    findings.push(...crossServerFindings(item, otherTools, ownTools))
    const limit = item.where === 'instructions' ? lintLimits.instructionsChars : lintLimits.descriptionChars
    if (item.text.length > limit) {
      findings.push({
        rule: item.where === 'instructions' ? 'oversized.instructions' : 'oversized.description',
        where: item.where,
        excerpt: `${item.text.length} characters (limit ${limit}): ${excerptOf(item.text, 0, 0)}`,
      })
    }
  }
  for (const tool of result.tools) {
    const size = JSON.stringify(tool.inputSchema ?? {}).length
    if (size > lintLimits.schemaJsonChars) {
      findings.push({ rule: 'oversized.schema', where: `tool "${makeVisible(tool.name)}" input schema`, excerpt: `${size} characters of JSON (limit ${lintLimits.schemaJsonChars})` })
    }
  }
  return findings
}

/** `rule at where: "excerpt"` (and the decoded tag text): one line per finding, for notes and errors. */
export function describeLintFinding(finding: LintFinding): string {
  return `${finding.rule} in ${finding.where}: "${finding.excerpt}"${finding.decoded ? ` (hidden text: "${finding.decoded}")` : ''}`
}
