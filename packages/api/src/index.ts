/**
 * @tekton/mcp-api: tekton-mcp's HTTP API, a Hono app over `@tekton/mcp-app` that can be mounted
 * under any prefix or served alone (`tekton-mcp serve`).
 *
 * ```ts
 * const { token } = await loadOrCreateToken(tokenFile)
 * const api = createMcpApi(createTektonMcp(), { token })
 * parent.route('/api/v1/mcp', api)
 * ```
 */
export { createMcpApi } from './api'
export type { McpApi, McpApiOptions } from './api'
export { errorResponse } from './errors'
export type { ApiErrorBody } from './errors'
export { createJobRunner, memoryJobStore } from './jobs'
export type { JobContext, JobEvent, JobKind, JobRecord, JobRunner, JobRunnerOptions, JobState, JobStore } from './jobs'
export { defaultAllowedHosts, memoryRateLimiter } from './security'
export type { ApiSecurityOptions, RateLimiter } from './security'
export { loadOrCreateToken, tokenBytes, tokensMatch } from './token'
export { connectRedis, redisCache, redisJobStore, redisRateLimiter } from './redis'
export type { RedisCacheOptions, RedisJobStoreOptions, RedisRateLimiterOptions } from './redis'
export { jobRecordsUrl, postgresJobStore } from './postgres'
export type { PostgresJobStoreOptions } from './postgres'
