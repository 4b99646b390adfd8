/** @tekton/mcp-installer-node */
export {}
