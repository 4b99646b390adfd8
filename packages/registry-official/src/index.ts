/** @tekton/mcp-registry-official */
export {}
