import { describe, expect, it } from 'vitest';
import type { IssuedTokens } from '../../sessions/session-results.js';
import { RefreshSingleFlight, type RefreshOutcome } from './cookie-session.js';

// The single flight of transparent refresh: concurrent requests with one refresh token make
// one rotation and all get its outcome, a failure included, and nothing is left behind.

function deferred(): {
  promise: Promise<RefreshOutcome>;
  resolve: (outcome: RefreshOutcome) => void;
  reject: (error: Error) => void;
} {
  let resolve: (outcome: RefreshOutcome) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<RefreshOutcome>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const TOKENS: IssuedTokens = {
  accessToken: 'access',
  tokenType: 'Bearer',
  expiresIn: 900,
  refreshToken: 'next',
  sessionId: 'sid',
  scope: '',
  sessionExpiresAt: 0,
};

describe('RefreshSingleFlight', () => {
  it('makes one call for concurrent callers with the same token, and all get its outcome', async () => {
    const flights = new RefreshSingleFlight();
    const pending = deferred();
    let calls = 0;
    const refresh = (): Promise<RefreshOutcome> => {
      calls += 1;
      return pending.promise;
    };
    const all = [1, 2, 3].map(() => flights.run('rt-1', refresh));
    const other = flights.run('rt-2', () =>
      Promise.resolve({ ok: false, reason: 'invalid_grant' }),
    );
    expect(calls).toBe(1);
    expect(flights.pending).toBe(2);
    pending.resolve({ ok: true, tokens: TOKENS });
    for (const outcome of await Promise.all(all))
      expect(outcome).toEqual({ ok: true, tokens: TOKENS });
    expect(await other).toEqual({ ok: false, reason: 'invalid_grant' });
    expect(flights.pending).toBe(0);

    // Settled: the next presentation starts a new run.
    await flights.run('rt-1', refresh);
    expect(calls).toBe(2);
  });

  it('hands a rejection to every caller, and forgets the run', async () => {
    const flights = new RefreshSingleFlight();
    const pending = deferred();
    let calls = 0;
    const all = [1, 2].map(() =>
      flights.run('rt-1', () => {
        calls += 1;
        return pending.promise;
      }),
    );
    pending.reject(new Error('store down'));
    for (const result of await Promise.allSettled(all)) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') expect((result.reason as Error).message).toBe('store down');
    }
    expect(calls).toBe(1);
    expect(flights.pending).toBe(0);
  });
});
