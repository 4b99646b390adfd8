/**
 * The one description of the CLI's surface: the parser (over `util.parseArgs`), every help text
 * and the answer cache's key are all derived from it, so they never drift apart.
 * Keep this module free of imports: it is loaded on every start.
 */

export type OptionType = 'string' | 'number' | 'boolean'

export interface OptionSpec {
  name: string
  type: OptionType
  description: string
  alias?: string
  choices?: readonly string[]
  default?: string | number | boolean
  /** Shown in help as the value's placeholder, e.g. `<n>`. */
  valueName?: string
  /** For strings: may be repeated and comma separated; parsed into a list without duplicates. */
  list?: boolean
  /**
   * For strings: may be repeated; each value kept whole and in order (`--env A=1,2 --env B=3`),
   * because values such as environment settings and arguments may contain commas.
   */
  repeatable?: boolean
  /** For numbers: the whole numbers accepted. */
  range?: { min: number; max: number }
  /**
   * For strings: the value when the option is given bare (`--sandbox` means `--sandbox=bubblewrap`).
   * Such an option takes its value only inline (`--sandbox=auto`), so the next word stays a positional.
   */
  bareValue?: string
  /** Changes only how or whether the answer cache is used, never the answer: left out of its key. */
  answerNeutral?: boolean
}

export interface PositionalSpec {
  name: string
  description: string
  /** Takes the rest of the words (`<query..>`). */
  variadic?: boolean
  /** May be left out (`[<name>]`); the command checks what it needs. */
  optional?: boolean
}

/** Ids of the commands the runner knows how to load. */
export type CommandId =
  | 'search'
  | 'info'
  | 'versions'
  | 'sync'
  | 'cache-stats'
  | 'cache-clear'
  | 'install'
  | 'uninstall'
  | 'update'
  | 'list'
  | 'verify'
  | 'configure'
  | 'clients'
  | 'apply'
  | 'export'
  | 'doctor'
  | 'audit'
  | 'serve'
  | 'ergon-register'
  | 'ergon-unregister'
  | 'ergon-list'
  | 'ergon-search'
  | 'config-show'
  | 'config-set'
  | 'config-unset'
  | 'config-path'
  | 'policy-show'

export interface CommandSpec {
  id: CommandId
  /** Words that select it: `['search']`, `['cache', 'clear']`. */
  path: readonly string[]
  description: string
  positionals: readonly PositionalSpec[]
  options: readonly OptionSpec[]
  examples: ReadonlyArray<readonly [command: string, description: string]>
  /**
   * Whether the printed answer is kept in the answer cache, and which cache kind's freshness
   * bounds it (`search` results go stale sooner than package metadata).
   */
  answerCache?: { freshness: 'search' | 'metadata' }
}

export interface CommandGroupSpec {
  name: string
  description: string
}

export const scriptName = 'tekton-mcp'

export const tagline = 'Find, vet and install MCP servers.'

export const globalOptions: readonly OptionSpec[] = [
  { name: 'json', type: 'boolean', description: 'Print JSON (same as --format json; not with another --format)' },
  { name: 'format', type: 'string', description: 'Output format', choices: ['text', 'json', 'yaml'], valueName: '<format>' },
  { name: 'debug', type: 'boolean', description: 'Show stack traces and source details' },
  { name: 'color', type: 'boolean', description: 'Turn colour off (it is on only on a terminal without NO_COLOR)', default: true },
]

/** `--refresh`, shared by the commands whose answers are cached. */
const refreshOption: OptionSpec = {
  name: 'refresh',
  type: 'boolean',
  description: 'Ignore the saved answer and ask the sources again, those recently unreachable too (their own cache still applies)',
  answerNeutral: true,
}

/** `--yes`, shared by the commands that ask before they install something. */
const clientOption: OptionSpec = {
  name: 'client',
  type: 'string',
  description: 'Write the server into these MCP clients\' config files (claude-desktop, claude-code, cursor, vscode, windsurf, gemini-cli, codex, zed, continue, goose, cline, opencode, kiro), or ergon: register it in Ergon\'s repository',
  valueName: '<ids>',
  list: true,
}
const clientScopeOption: OptionSpec = { name: 'scope', type: 'string', description: "Which client file: the user's own, or the project's in this directory (default user)", valueName: '<user|project>', choices: ['user', 'project'] }
const plainSecretsOption: OptionSpec = { name: 'plain-secrets', type: 'boolean', description: 'Write secret values into client files in plain text where the client has no other way to get them' }
const yesOption: OptionSpec = {
  name: 'yes',
  alias: 'y',
  type: 'boolean',
  description: 'Do not ask for confirmation (required when stdin is not a terminal)',
}

/** `--env KEY=VALUE`, repeatable: values may hold commas and `=`, so each is kept whole. */
const envOption: OptionSpec = {
  name: 'env',
  type: 'string',
  description: 'Set a variable for the server (repeatable); secret values are never printed',
  valueName: '<KEY=VALUE>',
  repeatable: true,
}

/** `--env-file`, `--secret`, `--secret-env`: where else a server's variables come from. */
const environmentSourceOptions: OptionSpec[] = [
  {
    name: 'env-file',
    type: 'string',
    description: 'Read variables from a dotenv file (NAME=value lines; --env wins over it); declared secrets go to the secret store',
    valueName: '<path>',
  },
  {
    name: 'secret',
    type: 'string',
    description: 'Set a variable kept as a secret (repeatable): stored in the 0600 secret store, never printed',
    valueName: '<NAME=VALUE>',
    repeatable: true,
  },
  {
    name: 'secret-env',
    type: 'string',
    description: "Set a secret variable from this process's own environment (repeatable): the value is not typed on the command line",
    valueName: '<NAME>',
    repeatable: true,
  },
]

/** `--handshake-timeout <seconds>`, for the commands that start the server to check it. */
const ignoreEnginesOption: OptionSpec = {
  name: 'ignore-engines',
  type: 'boolean',
  description: "Install although node does not satisfy the package's engines.node and npm's engine-strict is set (without it a mismatch is only a warning)",
}

const npmInactivityOption: OptionSpec = {
  name: 'npm-inactivity-timeout',
  type: 'number',
  description: 'Seconds npm may go without output or CPU before it is stopped (default 300, or TEKTON_MCP_NPM_INACTIVITY_TIMEOUT)',
  valueName: '<seconds>',
  range: { min: 1, max: 86400 },
}

/** The trust rules an install or update is judged by, besides what verification itself refuses. */
const trustOptions: readonly OptionSpec[] = [
  { name: 'require-signatures', type: 'boolean', description: 'Refuse a version whose registry serves no signing keys (a mirror), so it cannot be checked' },
  { name: 'require-provenance', type: 'boolean', description: 'Refuse a version without a verified provenance attestation' },
  { name: 'allow-trust-downgrade', type: 'boolean', description: 'Install a version lacking the provenance or signatures its predecessor had (refused by default)' },
]
/** `--sandbox[=bubblewrap|auto|off]`: bare means bubblewrap (fail where there is none). */
const sandboxOption: OptionSpec = {
  name: 'sandbox',
  type: 'string',
  description: 'Run the server in a sandbox (Linux bubblewrap: read-only system, no HOME, no network); auto uses one where it works, off none',
  valueName: '<bubblewrap|auto|off>',
  choices: ['bubblewrap', 'auto', 'off'],
  bareValue: 'bubblewrap',
}

const sandboxNetworkOption: OptionSpec = {
  name: 'sandbox-network',
  type: 'boolean',
  description: 'Let the sandboxed server use the network (withheld by default, loopback included)',
}

const handshakeTimeoutOption: OptionSpec = {
  name: 'handshake-timeout',
  type: 'number',
  description: 'Seconds the server gets to complete the MCP handshake (default 30)',
  valueName: '<seconds>',
  range: { min: 1, max: 3600 },
}

/** `--lint-policy`, for the commands that install; the policy file's `policy.lint: refuse` cannot be loosened by it. */
const lintPolicyOption: OptionSpec = {
  name: 'lint-policy',
  type: 'string',
  description: "What description-lint findings (hidden Unicode, text aimed at the model, ...) do: warn (shown, and asked about) or refuse the install",
  choices: ['warn', 'refuse'],
  valueName: '<warn|refuse>',
}

/** `--arg VALUE`, repeatable and in order. */
const argOption: OptionSpec = {
  name: 'arg',
  type: 'string',
  description: 'Append an argument to the server command (repeatable; write --arg=--flag for one starting with -)',
  valueName: '<value>',
  repeatable: true,
}

export const commandGroups: readonly CommandGroupSpec[] = [
  { name: 'cache', description: 'Show or clear the local cache' },
  { name: 'ergon', description: "Register installed servers in Ergon's repository; list and search it" },
  { name: 'config', description: 'Show and change the settings (administrator, user and project files)' },
  { name: 'policy', description: 'Show the permission policy: each rule, its value and the file it came from' },
]

/** `--scope`, for the commands that change one settings file. */
const scopeOption: OptionSpec = {
  name: 'scope',
  type: 'string',
  description: 'Which file to change: user (default), project (.tekton-mcp.json upward from here) or global (the administrator\'s)',
  valueName: '<scope>',
  choices: ['user', 'project', 'global'],
}

export const commands: readonly CommandSpec[] = [
  {
    id: 'search',
    path: ['search'],
    description: 'Search registries for MCP servers, best first',
    positionals: [{ name: 'query', description: 'Words to search for', variadic: true }],
    options: [
      // The range repeats maxSearchLimit from @tekton/mcp-discovery (a test keeps them equal).
      { name: 'limit', type: 'number', description: 'Results per page (1-100)', default: 20, valueName: '<n>', range: { min: 1, max: 100 } },
      { name: 'source', type: 'string', description: 'Only these sources, comma separated (registry, npm, pypi, github)', valueName: '<ids>', list: true },
      {
        name: 'registry-type',
        type: 'string',
        description: 'Only servers installable from these registry types',
        valueName: '<types>',
        list: true,
        // The official registry's package types; docker is read as oci.
        choices: ['npm', 'pypi', 'oci', 'docker', 'nuget', 'mcpb'],
      },
      { name: 'transport', type: 'string', description: 'Only servers with one of these transports (stdio, streamable-http, sse)', valueName: '<types>', list: true },
      { name: 'capability', alias: 'tag', type: 'string', description: 'Only servers declaring one of these capabilities or tags', valueName: '<names>', list: true },
      { name: 'verified', type: 'boolean', description: 'Only servers whose ownership the official registry confirms' },
      { name: 'cursor', type: 'string', description: 'Continue from a previous page (its nextCursor)', valueName: '<cursor>' },
      refreshOption,
    ],
    examples: [
      ['tekton-mcp search filesystem', 'servers matching "filesystem"'],
      ['tekton-mcp search github --limit 5 --json', 'the top five as JSON'],
      ['tekton-mcp search memory --refresh', 'ask the registries again instead of reusing the last answer'],
    ],
    answerCache: { freshness: 'search' },
  },
  {
    id: 'info',
    path: ['info'],
    description: 'Show one server: description, launch entry, requirements, versions',
    positionals: [{ name: 'ref', description: 'Server reference, e.g. npm:@scope/name' }],
    options: [refreshOption],
    examples: [['tekton-mcp info npm:mcp-remote', 'the server card']],
    answerCache: { freshness: 'metadata' },
  },
  {
    id: 'versions',
    path: ['versions'],
    description: 'List the versions of a server, newest first',
    positionals: [{ name: 'ref', description: 'Server reference, e.g. npm:@scope/name' }],
    options: [
      { name: 'limit', type: 'number', description: 'Show at most this many versions (default 20; every one with --all)', valueName: '<n>', range: { min: 1, max: 100_000 } },
      { name: 'all', type: 'boolean', description: 'Include prereleases and deprecated versions' },
      refreshOption,
    ],
    examples: [['tekton-mcp versions npm:mcp-remote --all', 'every version, marked']],
    answerCache: { freshness: 'metadata' },
  },
  {
    id: 'sync',
    path: ['sync'],
    description: "Update the local catalogues: the MCP Registry's servers and PyPI's name index",
    positionals: [],
    options: [
      { name: 'source', type: 'string', description: 'Only these catalogues (registry, pypi)', valueName: '<ids>', list: true },
      { name: 'full', type: 'boolean', description: 'Download everything again instead of only what changed' },
    ],
    examples: [
      ['tekton-mcp sync', 'bring both catalogues up to date (searches then work offline)'],
      ['tekton-mcp sync --source pypi --full', "rebuild PyPI's name index"],
    ],
  },
  {
    id: 'cache-stats',
    path: ['cache', 'stats'],
    description: 'Show where the cache lives and how many entries it holds',
    positionals: [],
    options: [],
    examples: [['tekton-mcp cache stats', 'entries per cache tier']],
  },
  {
    id: 'cache-clear',
    path: ['cache', 'clear'],
    description: "Clear the cache, or only one source's entries",
    positionals: [],
    options: [{ name: 'source', type: 'string', description: "Only this source's entries (registry, npm, pypi, github)", valueName: '<id>' }],
    examples: [['tekton-mcp cache clear --source npm', "drop npm's cached answers"]],
  },
  {
    id: 'install',
    path: ['install'],
    description: 'Install an MCP server: show what will run, ask, install, verify it speaks MCP',
    positionals: [{ name: 'ref', description: 'Server reference, with an optional version or range, e.g. npm:@scope/name@1.2.3' }],
    options: [
      envOption,
      ...environmentSourceOptions,
      argOption,
      {
        name: 'input',
        type: 'string',
        description: "Give an argument its server.json declares, by flag or name (repeatable; e.g. --input --schema=public, --input database_name=app)",
        valueName: '<NAME=VALUE>',
        repeatable: true,
      },
      {
        name: 'type',
        type: 'string',
        description: 'Install the package of this registry type (default: the first of npm, pypi, oci whose runtime is here)',
        valueName: '<npm|pypi|oci>',
        choices: ['npm', 'pypi', 'oci'],
      },
      { name: 'remote', type: 'boolean', description: 'Record the server as a remote (its URL) although it also has packages; remote-only servers need no flag' },
      { name: 'allow-scripts', type: 'boolean', description: "Run the package's install scripts (off by default)" },
      {
        name: 'allow-non-registry-dependencies',
        type: 'boolean',
        description: 'Allow dependencies from git, URLs, files or links, or without a sha512 (refused by default), for this install',
      },
      ...trustOptions,
      ignoreEnginesOption,
      sandboxOption,
      sandboxNetworkOption,
      { name: 'handshake', type: 'boolean', description: 'Skip the MCP handshake (the server is not started; its tools are not recorded)', default: true },
      handshakeTimeoutOption,
      npmInactivityOption,
      lintPolicyOption,
      { name: 'register', type: 'boolean', description: "Register the server and its tools in Ergon's repository once installed (always with TEKTON_MCP_ERGON_REGISTER=1)" },
      clientOption,
      clientScopeOption,
      plainSecretsOption,
      {
        name: 'force',
        type: 'boolean',
        description: 'Reinstall the installed version with fresh files (a repair); or install a package that shows no sign of being an MCP server',
      },
      yesOption,
    ],
    examples: [
      ['tekton-mcp install npm:@modelcontextprotocol/server-memory', 'show the plan, ask, then install and list its tools'],
      ['tekton-mcp install npm:@modelcontextprotocol/server-memory --force', 'reinstall it when verify finds its files changed'],
      ['tekton-mcp install npm:@modelcontextprotocol/server-filesystem --arg ~/projects --yes', 'install without asking, with an argument'],
      ['tekton-mcp install npm:some-server@^1.2 --env API_TOKEN=... --yes', 'a version range and a secret variable'],
      ['tekton-mcp install npm:@modelcontextprotocol/server-memory --sandbox', 'run it in bubblewrap: no network, no HOME, read-only system'],
      ['tekton-mcp install docker:mcp/fetch', 'an OCI image: pinned to its digest, run in a container sandbox'],
      ['tekton-mcp install registry:io.github.owner/server --type oci', "the registry entry's OCI package rather than its npm one"],
      ['tekton-mcp install npm:@modelcontextprotocol/server-memory --register --yes', "install, then register it and its tools with Ergon"],
      ['tekton-mcp install npm:@modelcontextprotocol/server-memory --client claude-desktop,vscode --yes', 'install, then add it to Claude Desktop and VS Code'],
      ['tekton-mcp install npm:some-server --env-file .env --secret-env API_TOKEN --yes', 'variables from a file, a secret from this shell (kept in the secret store)'],
      ['tekton-mcp install registry:com.example/weather --input X-API-Key=... --yes', 'a remote-only server: recorded with its URL and headers, checked over HTTP'],
    ],
  },
  {
    id: 'uninstall',
    path: ['uninstall'],
    description: "Remove an installed server, all its files, and the entries tekton-mcp wrote for it in client files",
    positionals: [{ name: 'name', description: 'Installed server name, short name (server-memory) or the ref it was installed from' }],
    options: [],
    examples: [
      ['tekton-mcp uninstall npm:@modelcontextprotocol/server-memory', 'remove it'],
      ['tekton-mcp uninstall server-memory', 'the same, by its short name'],
    ],
  },
  {
    id: 'update',
    path: ['update'],
    description: 'Update installed servers; the old version stays active if the new one fails or changes its tools',
    positionals: [{ name: 'name', description: 'Installed server name, short name or ref (or --all)', optional: true }],
    options: [
      { name: 'to', type: 'string', description: 'Version, range or tag to update to (default: the latest; an older one is a downgrade, asked for)', valueName: '<version>' },
      { name: 'all', type: 'boolean', description: 'Update every installed server' },
      { name: 'approve-tool-changes', type: 'boolean', description: 'Accept a new version whose tools differ from the recorded ones' },
      ...trustOptions,
      ignoreEnginesOption,
      handshakeTimeoutOption,
      npmInactivityOption,
      lintPolicyOption,
      yesOption,
    ],
    examples: [
      ['tekton-mcp update npm:@modelcontextprotocol/server-memory', 'show the plan, ask, then update to the latest'],
      ['tekton-mcp update --all --yes', 'update everything without asking'],
      ['tekton-mcp update my-server --to 2.0.0 --approve-tool-changes', 'accept the tool changes of 2.0.0'],
    ],
  },
  {
    id: 'list',
    path: ['list'],
    description: 'List installed servers: version, tools, handshake, directory',
    positionals: [],
    options: [],
    examples: [['tekton-mcp list --json', 'every installed server in full (secrets redacted)']],
  },
  {
    id: 'verify',
    path: ['verify'],
    description: "Check an installed server's files against their recorded digest, then handshake",
    positionals: [{ name: 'name', description: 'Installed server name, short name or ref' }],
    options: [{ name: 'handshake', type: 'boolean', description: 'Check only the files (do not start the server)', default: true }, handshakeTimeoutOption],
    examples: [
      ['tekton-mcp verify server-memory', 'exit 1 naming what changed'],
      ['tekton-mcp install server-memory --force', 'then repair it: reinstall the same version'],
    ],
  },
  {
    id: 'configure',
    path: ['configure'],
    description: "Show or set an installed server's variables and extra arguments, or write it into MCP clients' config files",
    positionals: [{ name: 'name', description: 'Installed server name, short name or ref' }],
    options: [
      envOption,
      ...environmentSourceOptions,
      { name: 'unset', type: 'string', description: 'Remove a variable (repeatable)', valueName: '<KEY>', repeatable: true },
      { ...argOption, description: 'Extra argument (repeatable; replaces the previous ones; --arg=--flag for one starting with -)' },
      { name: 'clear-args', type: 'boolean', description: 'Remove every extra argument' },
      { ...sandboxOption, description: 'Turn the sandbox on (bubblewrap, auto) or off; the server is started in its new form before it is recorded' },
      { ...sandboxNetworkOption, description: 'With --sandbox: let the sandboxed server use the network' },
      handshakeTimeoutOption,
      clientOption,
      clientScopeOption,
      { name: 'print', type: 'boolean', description: 'With --client: show the entries without writing them (secret values never shown)' },
      { name: 'force', type: 'boolean', description: 'With --client: replace an entry tekton-mcp did not write, or one edited by hand since' },
      plainSecretsOption,
    ],
    examples: [
      ['tekton-mcp configure server-memory', 'show the current settings (secret values masked)'],
      ['tekton-mcp configure my-server --env API_TOKEN=... --unset DEBUG', 'set one variable, remove another'],
      ['tekton-mcp configure npm:@modelcontextprotocol/server-filesystem --arg ~/projects --arg ~/notes', 'replace the extra arguments'],
      ['tekton-mcp configure server-memory --sandbox', 'run it in bubblewrap from now on (checked with a handshake)'],
      ['tekton-mcp configure server-memory --client vscode,codex', 'add it to VS Code and Codex'],
      ['tekton-mcp configure server-memory --client cursor --scope project --print', "show the entry for this project's .cursor/mcp.json"],
    ],
  },
  {
    id: 'audit',
    path: ['audit'],
    description: "Show every installed server's trust report: ownership, signature, provenance, scripts, sandbox, lint, look-alikes, shared tool names",
    positionals: [],
    options: [],
    examples: [
      ['tekton-mcp audit', 'one report per installed server, from its record (nothing is started)'],
      ['tekton-mcp audit --json', 'the reports and the tool names two servers share, as JSON'],
    ],
  },
  {
    id: 'clients',
    path: ['clients'],
    description: 'List MCP clients: detected or not, their config files, our servers in each, and drift',
    positionals: [],
    options: [],
    examples: [
      ['tekton-mcp clients', 'which clients are here and what tekton-mcp wrote into them'],
      ['tekton-mcp clients --json', 'the same, with every file and entry'],
    ],
  },
  {
    id: 'apply',
    path: ['apply'],
    description: 'Install and configure the servers a compose file declares; a second run changes nothing',
    positionals: [{ name: 'file', description: 'The compose file (YAML: version: 1, servers: [...])' }],
    options: [yesOption],
    examples: [
      ['tekton-mcp apply tekton-mcp.yml --yes', "install what the project declares and isn't installed, set what differs"],
      ['API_TOKEN=... tekton-mcp apply tekton-mcp.yml --yes --json', 'secret values come from the environment (secretEnv), never the file'],
    ],
  },
  {
    id: 'export',
    path: ['export'],
    description: 'Write the installed servers as a compose file (secret values left out)',
    positionals: [],
    options: [{ name: 'output', alias: 'o', type: 'string', description: 'Write the compose file here instead of printing it', valueName: '<file>' }],
    examples: [['tekton-mcp export -o tekton-mcp.yml', 'a compose file another machine can apply']],
  },
  {
    id: 'config-show',
    path: ['config', 'show'],
    description: 'Show the merged settings (and, with --origin, the file each value came from)',
    positionals: [],
    options: [{ name: 'origin', type: 'boolean', description: 'Show beside each value the file, variable or default it came from' }],
    examples: [['tekton-mcp config show --origin', 'every setting and where it was set']],
  },
  {
    id: 'config-set',
    path: ['config', 'set'],
    description: 'Set one setting in one file (the value is a JSON literal when it parses as one, else a string)',
    positionals: [
      { name: 'key', description: 'Dotted key, e.g. install.allowScripts or policy.minimumReleaseAgeHours' },
      { name: 'value', description: 'The value: true, 30000, ["npm","registry"], or plain text' },
    ],
    options: [scopeOption],
    examples: [
      ['tekton-mcp config set install.handshakeTimeoutMs 60000', 'give slow servers a minute (user settings)'],
      ['tekton-mcp config set policy.allowedSources \'["registry","npm"]\' --scope project', "restrict this project's sources"],
    ],
  },
  {
    id: 'config-unset',
    path: ['config', 'unset'],
    description: 'Remove one setting from one file',
    positionals: [{ name: 'key', description: 'Dotted key, e.g. install.sandbox' }],
    options: [scopeOption],
    examples: [['tekton-mcp config unset install.sandbox --scope project', 'back to the user or default value']],
  },
  {
    id: 'config-path',
    path: ['config', 'path'],
    description: 'Show where the global, user and project settings files are (or would be created)',
    positionals: [],
    options: [],
    examples: [['tekton-mcp config path', 'the three files, and which exist']],
  },
  {
    id: 'policy-show',
    path: ['policy', 'show'],
    description: 'Show each policy rule, its value and the file it came from',
    positionals: [],
    options: [],
    examples: [['tekton-mcp policy show', 'what the policy allows and who set it']],
  },
  {
    id: 'doctor',
    path: ['doctor'],
    description: 'Check runtimes, directories and registries; exit 1 when something required is missing',
    positionals: [],
    options: [],
    examples: [['tekton-mcp doctor', "what works here and what does not, Ergon's store included"]],
  },
  {
    id: 'ergon-register',
    path: ['ergon', 'register'],
    description: "Register an installed server and its tools in Ergon's repository (again: bring them up to date)",
    positionals: [{ name: 'name', description: 'Installed server name, short name or ref' }],
    options: [],
    examples: [['TEKTON_ROOT=~/Tekton tekton-mcp ergon register server-memory', 'one mcp_server component, one Ergon tool per MCP tool']],
  },
  {
    id: 'ergon-unregister',
    path: ['ergon', 'unregister'],
    description: "Mark a server and its tools inactive in Ergon's repository (rows are kept, as Ergon deletes)",
    positionals: [{ name: 'name', description: 'Server name as registered (or installed name, short name or ref)' }],
    options: [],
    examples: [['tekton-mcp ergon unregister server-memory', 'soft-delete it and its tools']],
  },
  {
    id: 'ergon-list',
    path: ['ergon', 'list'],
    description: "List the MCP servers registered in Ergon's repository",
    positionals: [],
    options: [{ name: 'tools', type: 'boolean', description: 'Show each server\'s tools with their parameters' }],
    examples: [['tekton-mcp ergon list --tools', 'servers and their tools, as Ergon holds them']],
  },
  {
    id: 'ergon-search',
    path: ['ergon', 'search'],
    description: "Search Ergon's repository: servers, tools and everything else it holds",
    positionals: [{ name: 'query', description: 'Words to search for', variadic: true }],
    options: [{ name: 'limit', type: 'number', description: 'Results to show (1-100)', default: 10, valueName: '<n>', range: { min: 1, max: 100 } }],
    examples: [['tekton-mcp ergon search knowledge graph', 'components whose name, description, capabilities or parameters match']],
  },
  {
    id: 'serve',
    path: ['serve'],
    description: 'Serve the HTTP API (search, install, configure over HTTP) until stopped',
    positionals: [],
    options: [
      { name: 'port', type: 'number', description: 'Port to listen on (default ERGON_PORT, else 8002; 0 picks a free one)', valueName: '<port>', range: { min: 0, max: 65535 } },
      { name: 'host', type: 'string', description: 'Address to bind (default 127.0.0.1; another one is reachable from other machines)', valueName: '<address>' },
      { name: 'base', type: 'string', description: 'Path the API is served under', default: '/api/v1/mcp', valueName: '<path>' },
      { name: 'token-file', type: 'string', description: 'File holding the API token, made (0600) on first start (default <config>/api-token)', valueName: '<file>' },
      { name: 'allowed-host', type: 'string', description: 'Another Host name to answer to (repeatable; localhost and 127.0.0.1 always are)', valueName: '<name>', repeatable: true },
      { name: 'allowed-origin', type: 'string', description: 'A browser origin allowed to call the API, CORS included (repeatable)', valueName: '<origin>', repeatable: true },
    ],
    examples: [
      ['tekton-mcp serve', 'the API on http://127.0.0.1:8002/api/v1/mcp; the token file is printed'],
      ['tekton-mcp serve --port 9000 --base /', 'on another port, at the root'],
    ],
  },
]

/** `search <query..>`: the command's words and positionals, as help shows them. */
export function commandSyntax(command: CommandSpec): string {
  const positionals = command.positionals.map(positionalSyntax)
  return [...command.path, ...positionals].join(' ')
}

/** `<query..>`, `[<name>]`: one positional as usage lines show it. */
export function positionalSyntax(positional: PositionalSpec): string {
  const word = `<${positional.name}${positional.variadic ? '..' : ''}>`
  return positional.optional ? `[${word}]` : word
}

/** `registry-type` → `registryType`: the key under which parsed arguments hold an option or positional. */
export function optionKey(name: string): string {
  return name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase())
}
