import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addUser,
  login,
  postForm,
  readResponse,
  ServerHarness,
  waitFor,
  withBearer,
  type Json,
  type LoginTokens,
  type TestServer,
} from '../support/server-fixture.js';
import { SseStream, type SseEvent } from './sse-stream.js';

// The revocation log as other processes read it: pages after a cursor, and a Server-Sent
// Events stream that sends a snapshot, says `ready`, then follows new revocations live.

const harness = new ServerHarness();
const streams: SseStream[] = [];
let started: TestServer;
let url = '';
let bobId = '';

beforeEach(async () => {
  started = await harness.start();
  url = started.url;
  await addUser(started.server, 'alice');
  bobId = await addUser(started.server, 'bob');
});
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await harness.cleanup();
});

async function openStream(path: string, headers: Record<string, string> = {}) {
  const stream = await SseStream.open(`${url}${path}`, headers);
  streams.push(stream);
  return stream;
}

const logout = async (tokens: LoginTokens) => {
  expect((await withBearer(`${url}/auth/logout`, tokens.accessToken, 'POST')).status).toBe(204);
};

function payload(event: SseEvent): Json {
  return JSON.parse(event.data) as Json;
}

async function expectReady(stream: SseStream, cursor: number): Promise<void> {
  const ready = await stream.next();
  expect(ready.event).toBe('ready');
  expect(payload(ready)).toEqual({ cursor });
}

describe('GET /revocations', () => {
  it('lists the events in log order, with a cursor to continue from', async () => {
    const first = await login(url, 'alice');
    const second = await login(url, 'alice');
    const bob = await login(url, 'bob');
    await logout(first);
    await postForm(`${url}/oauth/revoke`, { token: second.accessToken, client_id: 'tessera' });
    await withBearer(`${url}/auth/logout-all`, bob.accessToken, 'POST');

    const page = await readResponse(await fetch(`${url}/revocations?after=0`));

    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const events = page.body['events'] as Json[];
    expect(events.map((event) => [event['kind'], event['value']])).toEqual([
      ['sid', first.sessionId],
      ['jti', decodeJwt(second.accessToken).jti],
      // Log out everywhere: one sid per ended session, then the user's sub.
      ['sid', bob.sessionId],
      ['sub', bobId],
    ]);
    const ids = events.map((event) => Number(event['id']));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(4);
    for (const event of events) {
      expect(Number(event['expires_at'])).toBeGreaterThan(Number(event['at']));
    }
    const last = ids[3] ?? 0;
    expect(page.body['cursor']).toBe(last);

    const rest = await readResponse(await fetch(`${url}/revocations?after=${ids[0] ?? 0}`));
    expect((rest.body['events'] as Json[]).map((event) => event['id'])).toEqual(ids.slice(1));
    const none = await readResponse(await fetch(`${url}/revocations?after=${last}`));
    expect(none.body).toEqual({ events: [], cursor: last });
    const limited = await readResponse(await fetch(`${url}/revocations?after=0&limit=1`));
    expect(limited.body['cursor']).toBe(ids[0]);
    expect(limited.body['events']).toHaveLength(1);
  });

  it.each(['abc', '-1', '1.5', '9'.repeat(20)])(
    'refuses the cursor %j with 400',
    async (cursor) => {
      const response = await readResponse(await fetch(`${url}/revocations?after=${cursor}`));
      expect(response.status).toBe(400);
      expect(response.body['error']).toBe('invalid_request');
    },
  );
});

describe('GET /revocations/stream', () => {
  it('sends the snapshot, then ready, then new revocations as they happen', async () => {
    const sessions = [
      await login(url, 'alice'),
      await login(url, 'alice'),
      await login(url, 'alice'),
    ];
    const [a, b, c] = sessions as [LoginTokens, LoginTokens, LoginTokens];
    await logout(a);
    await logout(b);

    const stream = await openStream('/revocations/stream');
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toBe('no-store');

    const snapshot = [await stream.next(), await stream.next()];
    expect(snapshot.map((event) => [event.id, event.event])).toEqual([
      ['1', 'revocation'],
      ['2', 'revocation'],
    ]);
    expect(snapshot.map((event) => payload(event)['value'])).toEqual([a.sessionId, b.sessionId]);
    await expectReady(stream, 2);

    await logout(c);
    const live = await stream.next();
    expect(live).toMatchObject({ id: '3', event: 'revocation' });
    expect(payload(live)).toMatchObject({ id: 3, kind: 'sid', value: c.sessionId });
  });

  it('resumes after Last-Event-ID on reconnection, and after ?after= without it', async () => {
    for (let i = 0; i < 3; i++) await logout(await login(url, 'alice'));

    const resumed = await openStream('/revocations/stream', { 'last-event-id': '2' });
    expect((await resumed.next()).id).toBe('3');
    await expectReady(resumed, 3);

    const fromQuery = await openStream('/revocations/stream?after=1');
    expect([(await fromQuery.next()).id, (await fromQuery.next()).id]).toEqual(['2', '3']);
    await expectReady(fromQuery, 3);

    // The header wins over the query, as an EventSource reconnection sends both.
    const both = await openStream('/revocations/stream?after=0', { 'last-event-id': '3' });
    await expectReady(both, 3);
  });

  it('follows revocations other processes write to the log', async () => {
    const stream = await openStream('/revocations/stream');
    await expectReady(stream, 0);
    const now = Date.now();
    // Written straight to the store, as `tessera revoke` does from another process: only the
    // follower's polling (every second) can notice it.
    await started.server.context.store.appendRevocation(
      { kind: 'jti', value: 'from-elsewhere', at: now, expiresAt: now + 60_000 },
      {
        at: now,
        type: 'token.revoked',
        userId: null,
        sessionId: null,
        clientId: null,
        ip: null,
        detail: {},
      },
    );
    const event = await stream.next(10_000);
    expect(payload(event)).toMatchObject({ kind: 'jti', value: 'from-elsewhere' });
  });

  it('ends open streams when the server closes, instead of keeping it from closing', async () => {
    const stream = await openStream('/revocations/stream');
    await expectReady(stream, 0);

    const closing = harness.stop(started.server);
    const outcome = await Promise.race([
      closing.then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 10_000, 'still open')),
    ]);

    expect(outcome).toBe('closed');
    expect(await stream.ended()).toBe(true);
  });
});

describe('feed heartbeats', () => {
  /** Everything the feed sent, with when it arrived. */
  interface Received {
    readonly at: number;
    readonly text: string;
  }

  it('stop while the server cannot confirm its own revocations, and resume after', async () => {
    let failing = false;
    const own = await harness.start({
      flags: { maxStalenessSeconds: '1' },
      hooks: {
        revocationPolling: { intervalMs: 100 },
        wrapRevocationLog: (log) => ({
          revocationsAfter: (cursor, limit, now) =>
            failing
              ? Promise.reject(new Error('log unreadable (test)'))
              : log.revocationsAfter(cursor, limit, now),
        }),
      },
    });
    const abort = new AbortController();
    const response = await fetch(`${own.url}/revocations/stream`, { signal: abort.signal });
    const received: Received[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of response.body ?? []) {
        received.push({ at: Date.now(), text: decoder.decode(chunk as Uint8Array) });
      }
    })().catch(() => undefined);
    const heartbeatsSince = (since: number): number =>
      received
        .filter((entry) => entry.at > since)
        .reduce((n, entry) => n + entry.text.split(': heartbeat').length - 1, 0);
    const health = async (): Promise<number> => (await fetch(`${own.url}/healthz`)).status;
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      const start = Date.now();
      await sleep(1200);
      // Every max staleness ÷ 3 (333 ms here) while fresh.
      expect(heartbeatsSince(start)).toBeGreaterThanOrEqual(2);

      failing = true;
      await waitFor('the server to go stale', async () => (await health()) === 503, 5000, 50);
      const stale = Date.now();
      await sleep(1200);
      expect(heartbeatsSince(stale)).toBe(0);

      failing = false;
      await waitFor('the server to be fresh again', async () => (await health()) === 200, 5000, 50);
      const fresh = Date.now();
      await sleep(1200);
      expect(heartbeatsSince(fresh)).toBeGreaterThanOrEqual(2);
    } finally {
      abort.abort();
      await reading;
    }
  }, 20_000);
});
