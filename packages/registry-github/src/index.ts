/** @tekton/mcp-registry-github */
export {}
