/** @tekton/mcp-installation: install, verify, update and uninstall MCP servers. */
export type * from './spec/installer'
