/**
 * A Python MCP server for installer tests: plain standard-library Python speaking MCP's stdio
 * transport (newline-delimited JSON-RPC 2.0), which imports a helper from a second project, so
 * the closure pip resolves has two entries. Both are served as real wheels by the fake PyPI.
 * Its `report_env` tool answers with the environment it was started with, so tests can prove
 * what a launched server can see.
 */
import { buildWheelProject } from './wheel'
import type { FakePypiProject } from './project'

export const pythonFixtureServerName = 'tekton-fixture-server'
export const pythonFixtureHelperName = 'tekton-fixture-helper'

/** The server module's source: `serverInfo` carries `name` and `version`. */
export function pythonFixtureServerSource(options: { name?: string; version: string; helper?: boolean }): string {
  const name = options.name ?? pythonFixtureServerName
  const helper = options.helper ?? true
  return `"""${name}: a test MCP server speaking newline-delimited JSON-RPC over stdio."""
import json
import os
import sys
${helper ? 'from tekton_fixture_helper import greeting\n' : 'def greeting(who):\n    return "hello, %s" % who\n'}
NAME = ${JSON.stringify(name)}
VERSION = ${JSON.stringify(options.version)}
TOOLS = [
    {"name": "greet", "description": "Greets someone (through the helper dependency).", "inputSchema": {"type": "object", "properties": {"who": {"type": "string"}}, "required": ["who"]}},
    {"name": "report_env", "description": "Reports the environment the server was started with.", "inputSchema": {"type": "object", "properties": {}}},
]


def answer(message):
    method = message.get("method")
    params = message.get("params") or {}
    if method == "initialize":
        return {"protocolVersion": params.get("protocolVersion", "2025-06-18"), "capabilities": {"tools": {}}, "serverInfo": {"name": NAME, "version": VERSION}}
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "tools/call":
        arguments = params.get("arguments") or {}
        if params.get("name") == "greet":
            text = greeting(arguments.get("who", "world"))
        elif params.get("name") == "report_env":
            text = json.dumps(dict(os.environ), sort_keys=True)
        else:
            raise LookupError("tool %s" % params.get("name"))
        return {"content": [{"type": "text", "text": text}]}
    if method == "ping":
        return {}
    raise LookupError(method)


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or "id" not in message:
            continue
        try:
            reply = {"jsonrpc": "2.0", "id": message["id"], "result": answer(message)}
        except LookupError as error:
            reply = {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "not found: %s" % error}}
        sys.stdout.write(json.dumps(reply) + "\\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
`
}

/** The helper module's source. */
export function pythonFixtureHelperSource(version: string): string {
  return `"""The dependency of the fixture server."""\nVERSION = ${JSON.stringify(version)}\n\n\ndef greeting(who):\n    return "hello, %s" % who\n`
}

/** A version of the fixture server: what its wheel declares. */
export interface PythonFixtureVersion {
  version: string
  yanked?: boolean | string
  requiresPython?: string
}

/** The fixture server project, one real wheel per version, each requiring the helper. */
export function buildPythonFixtureServer(versions: ReadonlyArray<string | PythonFixtureVersion>, options: { name?: string } = {}): FakePypiProject {
  const name = options.name ?? pythonFixtureServerName
  const module = name.replace(/-/g, '_')
  return buildWheelProject(
    name,
    versions.map((entry) => {
      const spec = typeof entry === 'string' ? { version: entry } : entry
      return {
        version: spec.version,
        files: {
          [`${module}/__init__.py`]: pythonFixtureServerSource({ name, version: spec.version }),
          // `python -m <module>` starts it too, as servers documented for `python -m` do.
          [`${module}/__main__.py`]: `import sys\n\nfrom ${module} import main\n\nsys.exit(main())\n`,
        },
        requiresDist: [`${pythonFixtureHelperName}>=1.0`],
        consoleScripts: { [name]: `${module}:main` },
        ...(spec.requiresPython !== undefined ? { requiresPython: spec.requiresPython } : {}),
        ...(spec.yanked !== undefined ? { yanked: spec.yanked } : {}),
      }
    }),
    { summary: 'A test MCP server over stdio', keywords: 'mcp, mcp-server', classifiers: ['Programming Language :: Python :: 3'] },
  )
}

/** The helper project. */
export function buildPythonFixtureHelper(versions: readonly string[] = ['1.0.0']): FakePypiProject {
  return buildWheelProject(
    pythonFixtureHelperName,
    versions.map((version) => ({ version, files: { 'tekton_fixture_helper/__init__.py': pythonFixtureHelperSource(version) } })),
  )
}

/** The projects most tests serve: the server at 1.0.0 and 1.1.0, a yanked 1.2.0, and its helper. */
export function fixturePythonProjects(): { server: FakePypiProject; helper: FakePypiProject } {
  return { server: buildPythonFixtureServer(['1.0.0', '1.1.0', { version: '1.2.0', yanked: 'broken release' }]), helper: buildPythonFixtureHelper() }
}
