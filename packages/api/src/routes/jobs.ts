/**
 * Jobs: their state, their events as Server-Sent Events (resumable with `Last-Event-ID`), and
 * cancelling one. Events are the step events the CLI prints (`resolve`, `download`, `install`,
 * `handshake`, ... each `start` then `done`), then one `end` event carrying the final record.
 */
import { TektonError } from '@tekton/mcp-discovery'
import { createRoute, z } from '@hono/zod-openapi'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { streamSSE } from 'hono/streaming'
import type { JobRunner } from '../jobs'
import { ErrorSchema, JobIdParamSchema, JobSchema } from '../schemas'

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
const bearer = [{ bearer: [] }]

export function jobRoutes(api: OpenAPIHono, jobs: JobRunner, options: { keepAliveMs: number }): void {
  async function requireJob(id: string) {
    const record = await jobs.store.get(id)
    if (!record) throw new TektonError('E_JOB_NOT_FOUND', `No job ${JSON.stringify(id.slice(0, 80))}`, { hint: 'Jobs are kept for a while after they end; start the operation again' })
    return record
  }

  api.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{id}',
      tags: ['jobs'],
      summary: "A job's state, and its outcome once it ended",
      security: bearer,
      request: { params: JobIdParamSchema },
      responses: { 200: json(JobSchema, 'The job'), 401: json(ErrorSchema, 'The token is missing or wrong'), 404: json(ErrorSchema, 'No such job') },
    }),
    async (context) => context.json(await requireJob(context.req.valid('param').id), 200),
  )

  api.openapi(
    createRoute({
      method: 'get',
      path: '/jobs/{id}/events',
      tags: ['jobs'],
      summary: "A job's events as Server-Sent Events",
      description:
        'Every event so far, then new ones as they happen; the stream closes after the `end` event (data: the final job record). `step` events carry `{ step, phase: "start"|"done", detail?, durationMs?, server? }`. Reconnect with `Last-Event-ID` (or `?lastEventId=`) to get only what was missed. Any instance sharing the job store can stream a job another runs.',
      security: bearer,
      request: { params: JobIdParamSchema, query: z.object({ lastEventId: z.string().max(100).optional() }) },
      responses: {
        200: { content: { 'text/event-stream': { schema: z.string().openapi({ example: 'id: 1\nevent: step\ndata: {"step":"resolve","phase":"start"}\n\n' }) } }, description: 'The event stream' },
        401: json(ErrorSchema, 'The token is missing or wrong'),
        404: json(ErrorSchema, 'No such job'),
      },
    }),
    async (context) => {
      const { id } = context.req.valid('param')
      await requireJob(id)
      const after = context.req.header('last-event-id') ?? context.req.valid('query').lastEventId
      return streamSSE(context, async (stream) => {
        const controller = new AbortController()
        stream.onAbort(() => controller.abort())
        // A comment now and then keeps proxies from closing a quiet stream (a long npm install).
        const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => controller.abort()), options.keepAliveMs)
        try {
          for await (const event of jobs.store.follow(id, after, controller.signal)) {
            await stream.writeSSE({ id: event.id, event: event.event, data: JSON.stringify(event.data) })
          }
        } finally {
          clearInterval(keepAlive)
        }
      }) as unknown as Response
    },
  )

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/jobs/{id}',
      tags: ['jobs'],
      summary: 'Cancel a running job',
      description: 'Stops it as Ctrl-C stops the CLI: npm or the server being handshaken is killed, what was staged is removed, nothing is recorded. The job then ends `cancelled` (follow its events to see it end).',
      security: bearer,
      request: { params: JobIdParamSchema },
      responses: {
        202: json(JobSchema, 'Cancelling; the job ends shortly'),
        401: json(ErrorSchema, 'The token is missing or wrong'),
        404: json(ErrorSchema, 'No such job'),
        409: json(ErrorSchema, 'The job has ended already'),
      },
    }),
    async (context) => context.json(await jobs.cancel(context.req.valid('param').id), 202),
  )
}
