/**
 * Real services our tests start (PostgreSQL, Redis, a container engine, an OCI registry,
 * bubblewrap, a browser, the local wheel index): each test helper that starts one calls
 * `serviceUnavailable` when it cannot, and the test skips with the reason. On CI, `.ci/run`
 * installs the services and names them in TEKTON_MCP_REQUIRE_SERVICES; then a service that did
 * not start fails the run instead of skipping, so a green CI never hides untested code.
 */

/** The services `.ci/run` (or a developer) said must be there, from TEKTON_MCP_REQUIRE_SERVICES. */
export function requiredServices(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> {
  const names = (env['TEKTON_MCP_REQUIRE_SERVICES'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  return new Set(names)
}

export function serviceIsRequired(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const required = requiredServices(env)
  return required.has(service.toLowerCase()) || required.has('all')
}

/**
 * Records that `service` could not be started. Throws when the service is required (so the
 * suite fails with the reason), otherwise prints the reason once and returns it, for
 * `describe.skip` / `it.skip` in the caller.
 */
export function serviceUnavailable(service: string, reason: string, env: NodeJS.ProcessEnv = process.env): string {
  const message = `${service} is unavailable: ${reason}`
  if (serviceIsRequired(service, env)) {
    throw new Error(`${message} (TEKTON_MCP_REQUIRE_SERVICES names ${service}, so its tests may not skip)`)
  }
  console.warn(`skipping tests that need ${message}`)
  return message
}
