import type { FastifyInstance } from 'fastify';
import type { LoggedRevocationEvent } from '../../revocation/revocation-event.js';
import { HttpError } from '../http-errors.js';
import type { ServerContext } from '../server-context.js';

const PAGE = 1000;
/** Heartbeats come this often at most, and three times per max staleness at least. */
const HEARTBEAT_MS = 15_000;
const MIN_HEARTBEAT_MS = 100;

function wire(event: LoggedRevocationEvent): Record<string, unknown> {
  return {
    id: event.id,
    kind: event.kind,
    value: event.value,
    at: event.at,
    expires_at: event.expiresAt,
  };
}

function parseCursor(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const text = value;
  const cursor = /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(cursor))
    throw new HttpError(400, 'invalid_request', 'the cursor must be a whole number');
  return cursor;
}

/**
 * `/revocations`: the revocation log for verifiers in other processes. A page of events
 * after a cursor, or a Server-Sent Events stream that first sends everything after
 * `Last-Event-ID` (a snapshot), then says `ready`, then follows new events as they are
 * logged, with a heartbeat comment so proxies and clients can tell a quiet feed from a dead one.
 *
 * A heartbeat tells a verifier "nothing was revoked that you have not been sent", so it is
 * sent only while this process's own denylist is confirmed current: a stale server falls
 * silent, and its followers go stale too (and fail closed) instead of trusting it.
 */
export function registerRevocationRoutes(app: FastifyInstance, context: ServerContext): void {
  const { store, follower, clock, freshness, config } = context;
  const heartbeatMs = Math.min(
    HEARTBEAT_MS,
    Math.max(MIN_HEARTBEAT_MS, Math.floor((config.maxStalenessSeconds * 1000) / 3)),
  );
  // Open streams never end on their own, and `app.close()` waits for every connection: end
  // them first, or closing the server would hang for as long as one verifier stays connected.
  const openStreams = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of openStreams) end();
    done();
  });

  app.get<{ Querystring: { after?: string; limit?: string } }>(
    '/revocations',
    async (request, reply) => {
      const after = parseCursor(request.query.after);
      const limit = Math.min(Math.max(parseCursor(request.query.limit) || PAGE, 1), PAGE);
      const events = await store.revocationsAfter(after, limit, clock.now());
      return reply.header('cache-control', 'no-store').send({
        events: events.map(wire),
        cursor: events.at(-1)?.id ?? after,
      });
    },
  );

  app.get<{ Querystring: { after?: string } }>('/revocations/stream', async (request, reply) => {
    const lastEventId = request.headers['last-event-id'];
    let sent = parseCursor(typeof lastEventId === 'string' ? lastEventId : request.query.after);
    const raw = reply.raw;
    const buffered: LoggedRevocationEvent[] = [];
    let live = false;
    // The stream may have been ended (server closing) while the snapshot was being read.
    const write = (text: string): void => {
      if (!raw.writableEnded && !raw.destroyed) raw.write(text);
    };
    const send = (event: LoggedRevocationEvent): void => {
      if (event.id <= sent) return;
      sent = event.id;
      write(`id: ${event.id}\nevent: revocation\ndata: ${JSON.stringify(wire(event))}\n\n`);
    };
    // Subscribe before reading the snapshot, so an event logged in between is buffered
    // rather than lost; `send` drops what the snapshot already carried.
    const unsubscribe = follower.subscribe((event) => {
      if (live) send(event);
      else buffered.push(event);
    });
    const heartbeat = setInterval(() => {
      if (freshness.isFresh()) write(': heartbeat\n\n');
    }, heartbeatMs);
    heartbeat.unref();
    const stop = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      openStreams.delete(end);
    };
    const end = (): void => {
      stop();
      raw.end();
    };
    openStreams.add(end);
    request.raw.on('close', stop);

    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 1000\n\n`);
    try {
      for (;;) {
        const events = await store.revocationsAfter(sent, PAGE, clock.now());
        for (const event of events) send(event);
        if (events.length < PAGE) break;
      }
    } catch (error) {
      request.log.error({ err: error }, 'revocation stream snapshot failed');
      end();
      return;
    }
    for (const event of buffered) send(event);
    live = true;
    write(`event: ready\ndata: ${JSON.stringify({ cursor: sent })}\n\n`);
  });
}
