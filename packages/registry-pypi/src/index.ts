/** @tekton/mcp-registry-pypi */
export {}
