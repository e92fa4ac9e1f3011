import { describe, expect, it } from 'vitest';
import { createSessionRefresher, type SessionRefresherOptions } from './session-refresher.js';

// The gateway's refresher without any server: a fetch stub that counts calls and answers as
// each test says, and a clock the test moves.

const ENDPOINT = 'https://auth.example.test/oauth/token';
const token = (label: string): string => `${label}-${'t'.repeat(40)}`;

interface Stub {
  readonly calls: URLSearchParams[];
  readonly fetch: typeof fetch;
  /** While true, calls wait for `release()`. */
  hold: boolean;
  /** Settle every call still waiting. */
  release(): void;
}

/** A token endpoint: `answer` for each call; with `hold`, calls wait for `release()`. */
function stubEndpoint(
  answer: (body: URLSearchParams) => { status: number; json: unknown } = (body) => ({
    status: 200,
    json: {
      access_token: `access-for-${body.get('refresh_token') ?? ''}`,
      token_type: 'Bearer',
      expires_in: 300,
      refresh_token: `next-${'n'.repeat(40)}`,
      refresh_token_expires_in: 86_400,
    },
  }),
  hold = false,
): Stub {
  const calls: URLSearchParams[] = [];
  let waiting: (() => void)[] = [];
  const stubFetch = async (_url: unknown, init?: RequestInit): Promise<Response> => {
    const body = new URLSearchParams(typeof init?.body === 'string' ? init.body : '');
    calls.push(body);
    if (stub.hold) await new Promise<void>((resolve) => waiting.push(resolve));
    const { status, json } = answer(body);
    return new Response(JSON.stringify(json), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  };
  const stub: Stub = {
    calls,
    fetch: stubFetch,
    hold,
    release: () => {
      for (const resolve of waiting.splice(0)) resolve();
      waiting = [];
    },
  };
  return stub;
}

const invalidGrant = (): { status: number; json: unknown } => ({
  status: 400,
  json: { error: 'invalid_grant' },
});

function refresher(stub: Stub, clock: { t: number }, more: Partial<SessionRefresherOptions> = {}) {
  return createSessionRefresher({
    tokenEndpoint: ENDPOINT,
    clientId: 'tessera',
    timeoutMs: 1000,
    fetch: stub.fetch,
    now: () => clock.t,
    ...more,
  });
}

describe('createSessionRefresher', () => {
  it('sends a refresh_token grant and reads both lifetimes', async () => {
    const stub = stubEndpoint();
    const outcome = await refresher(stub, { t: 0 }).refresh(token('a'));
    expect(outcome).toEqual({
      ok: true,
      accessToken: `access-for-${token('a')}`,
      refreshToken: `next-${'n'.repeat(40)}`,
      expiresIn: 300,
      refreshExpiresIn: 86_400,
    });
    expect(Object.fromEntries(stub.calls[0] ?? [])).toEqual({
      grant_type: 'refresh_token',
      refresh_token: token('a'),
      client_id: 'tessera',
    });
  });

  it('shares one call among concurrent callers, and hands the successor on for reuseMs', async () => {
    const stub = stubEndpoint(undefined, true);
    const clock = { t: 1_000_000 };
    const subject = refresher(stub, clock, { reuseMs: 10_000 });
    const pending = Array.from({ length: 5 }, () => subject.refresh(token('b')));
    await Promise.resolve();
    stub.release();
    const outcomes = await Promise.all(pending);
    expect(stub.calls).toHaveLength(1);
    expect(new Set(outcomes.map((o) => (o.ok ? o.refreshToken : null))).size).toBe(1);
    // Measured on the injected clock, not the system's.
    clock.t += 9_999;
    expect((await subject.refresh(token('b'))).ok).toBe(true);
    expect(stub.calls).toHaveLength(1);
    clock.t += 2;
    stub.hold = false;
    await subject.refresh(token('b'));
    expect(stub.calls).toHaveLength(2);
  });

  it('with reuseMs 0, sends a spent token to the server again (its reuse detection decides)', async () => {
    const stub = stubEndpoint();
    const subject = refresher(stub, { t: 0 }, { reuseMs: 0 });
    await subject.refresh(token('c'));
    await subject.refresh(token('c'));
    expect(stub.calls).toHaveLength(2);
  });

  it('remembers a refused token, so garbage cookies cost the auth server one call', async () => {
    const stub = stubEndpoint(invalidGrant);
    const clock = { t: 0 };
    const subject = refresher(stub, clock);
    for (let i = 0; i < 20; i++) {
      expect(await subject.refresh(token('garbage'))).toMatchObject({
        ok: false,
        reason: 'invalid_grant',
      });
    }
    expect(stub.calls).toHaveLength(1);
    // Also while the first refusal is still on its way.
    const together = await Promise.all([token('x'), token('x')].map((t) => subject.refresh(t)));
    expect(together.every((o) => !o.ok)).toBe(true);
    expect(stub.calls).toHaveLength(2);
  });

  it('refuses values the auth server never issues without asking it', async () => {
    const stub = stubEndpoint();
    const subject = refresher(stub, { t: 0 });
    for (const value of [
      'a'.repeat(257),
      'short',
      'has.a.dot-0123456789abcdef',
      `${token('a')}=`,
    ]) {
      expect(await subject.refresh(value)).toMatchObject({ ok: false, reason: 'invalid_grant' });
    }
    expect(stub.calls).toHaveLength(0);
    expect((await subject.refresh('a'.repeat(256))).ok).toBe(true);
  });

  it('caps the refreshes one client address has under way, before the global cap', async () => {
    const stub = stubEndpoint(undefined, true);
    const subject = refresher(stub, { t: 0 }, { maxInFlightPerClient: 3, maxInFlight: 5 });
    const mine = Array.from({ length: 4 }, (_, i) => subject.refresh(token(`m${i}`), '192.0.2.1'));
    const fourth = await mine[3];
    expect(fourth).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(stub.calls).toHaveLength(3);
    // Joining a refresh already under way is not another one.
    const joined = subject.refresh(token('m0'), '192.0.2.1');
    // Another client is not held back by the first one's cap, but by the global one.
    const theirs = Array.from({ length: 3 }, (_, i) =>
      subject.refresh(token(`t${i}`), '192.0.2.2'),
    );
    expect(await theirs[2]).toMatchObject({ ok: false, reason: 'unavailable' });
    expect(stub.calls).toHaveLength(5);
    stub.release();
    await Promise.all([...mine, joined, ...theirs]);
    // Everything settled: the caps are free again.
    stub.hold = false;
    expect((await subject.refresh(token('m9'), '192.0.2.1')).ok).toBe(true);
  });

  it('never rejects, and forgets a refresh that failed in an unexpected way', async () => {
    let broken = true;
    const stub = stubEndpoint();
    const flaky = ((url: unknown, init?: RequestInit) => {
      if (broken) {
        // A body whose reading throws outside the usual paths.
        return Promise.resolve({
          get status(): number {
            throw new Error('boom');
          },
          json: () => Promise.resolve({}),
        } as unknown as Response);
      }
      return stub.fetch(url as string, init);
    }) as typeof fetch;
    const subject = refresher(stub, { t: 0 }, { fetch: flaky });
    expect(await subject.refresh(token('f'))).toMatchObject({ ok: false, reason: 'unavailable' });
    broken = false;
    expect((await subject.refresh(token('f'))).ok).toBe(true);
  });

  it('answers unavailable, never a token, when the server says something unusable', async () => {
    for (const json of [
      { access_token: 'a b', token_type: 'Bearer', expires_in: 300, refresh_token: token('r') },
      { access_token: 'abc', token_type: 'DPoP', expires_in: 300, refresh_token: token('r') },
      { access_token: 'abc', token_type: 'Bearer', expires_in: 0, refresh_token: token('r') },
    ]) {
      const stub = stubEndpoint(() => ({ status: 200, json }));
      expect(await refresher(stub, { t: 0 }).refresh(token('u'))).toMatchObject({
        ok: false,
        reason: 'unavailable',
      });
    }
  });

  it('checks its options when built', () => {
    const stub = stubEndpoint();
    const bad: Partial<SessionRefresherOptions>[] = [
      { tokenEndpoint: 'not a url' },
      { tokenEndpoint: 'ftp://auth.example.test/oauth/token' },
      { tokenEndpoint: 'https://user:pw@auth.example.test/oauth/token' },
      { clientId: '' },
      { clientId: 'two\nlines' },
      { timeoutMs: 0 },
      { reuseMs: 60_001 },
      { reuseMs: -1 },
      { maxInFlight: Number.NaN },
      { maxInFlight: 0 },
      { maxInFlight: 1.5 },
      { maxInFlightPerClient: Number.NaN },
      { maxInFlightPerClient: 0 },
    ];
    for (const options of bad) {
      expect(() => refresher(stub, { t: 0 }, options), JSON.stringify(options)).toThrow(TypeError);
    }
  });
});
