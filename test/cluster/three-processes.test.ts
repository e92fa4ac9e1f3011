import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cluster } from '../support/cluster.js';
import { buildCli, type ServeProcess } from '../support/serve-process.js';
import {
  login,
  refresh,
  stringField,
  waitFor,
  withBearer,
  type LoginTokens,
} from '../support/server-fixture.js';
import { describeWithService } from '../support/services.js';

// Three `tessera serve` processes on one PostgreSQL database and one Redis, as behind a load
// balancer: whatever process a request reaches, sessions, rotation and revocations are one.

/** The longest wait for a revocation to reach another process, by any path. */
const PROPAGATION_MS = 3000;
/**
 * Through Redis a revocation arrives within milliseconds; database polling (every second)
 * would spread arrivals over a whole second. Eight sessions with every arrival under this
 * bound happen by polling alone with a chance of 0.4^16: they show the stream at work.
 */
const THROUGH_REDIS_MS = 400;

let cluster: Cluster;
let a: ServeProcess;
let b: ServeProcess;
let c: ServeProcess;

/** Poll until `token` is refused with 401 at `url`; returns how long that took. */
async function refusedWithin(url: string, token: string): Promise<number> {
  const started = Date.now();
  await waitFor(
    `the token to be refused at ${url}`,
    async () => (await withBearer(`${url}/auth/sessions`, token)).status === 401,
    PROPAGATION_MS,
    10,
  );
  return Date.now() - started;
}

await describeWithService(
  ['postgres', 'redis'],
  'three processes, one PostgreSQL, one Redis',
  () => {
    beforeAll(async () => {
      await buildCli();
      cluster = await Cluster.create();
      await cluster.addUser('alice');
      [a, b, c] = await Promise.all([cluster.start(), cluster.start(), cluster.start()]);
    }, 180_000);

    afterAll(async () => {
      await cluster.close();
    }, 60_000);

    it('logs in on A, refreshes on B and serves the new token on C', async () => {
      const first = await login(a.url, 'alice');
      const rotated = await refresh(b.url, first.refreshToken);
      expect(rotated.status).toBe(200);
      const access = stringField(rotated.body, 'access_token');
      const listed = await withBearer(`${c.url}/auth/sessions`, access);
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.body)).toContain(first.sessionId);
      // Rotation handed out a new refresh token, not the presented one again.
      expect(stringField(rotated.body, 'refresh_token')).not.toBe(first.refreshToken);
    });

    it('ends sessions on C: their tokens are refused on A and B within moments, via Redis', async () => {
      const delays: number[] = [];
      for (let i = 0; i < 8; i++) {
        const session = await login(a.url, 'alice');
        for (const server of [a, b]) {
          expect(
            (await withBearer(`${server.url}/auth/sessions`, session.accessToken)).status,
          ).toBe(200);
        }
        const ended = await withBearer(
          `${c.url}/auth/sessions/${session.sessionId}`,
          session.accessToken,
          'DELETE',
        );
        expect(ended.status).toBe(204);
        delays.push(
          ...(await Promise.all([
            refusedWithin(a.url, session.accessToken),
            refusedWithin(b.url, session.accessToken),
          ])),
        );
        const refreshed = await refresh(a.url, session.refreshToken);
        expect(refreshed.status).toBe(400);
        expect(refreshed.body['error']).toBe('invalid_grant');
      }
      expect(Math.max(...delays)).toBeLessThan(THROUGH_REDIS_MS);
    });

    it('logs out everywhere on B: every token of the user is refused on every process', async () => {
      const sessions: LoginTokens[] = await Promise.all([
        login(a.url, 'alice'),
        login(c.url, 'alice'),
      ]);
      const [first] = sessions;
      if (first === undefined) throw new Error('no session');
      const out = await withBearer(`${b.url}/auth/logout-all`, first.accessToken, 'POST');
      expect(out.status).toBe(204);
      for (const session of sessions) {
        for (const server of [a, b, c]) await refusedWithin(server.url, session.accessToken);
        const refreshed = await refresh(c.url, session.refreshToken);
        expect(refreshed.body['error']).toBe('invalid_grant');
      }
      // A new login after the logout is not caught by the user's "revoked before" time.
      const fresh = await login(b.url, 'alice');
      expect((await withBearer(`${a.url}/auth/sessions`, fresh.accessToken)).status).toBe(200);
    });

    it('rotates one refresh token raced through A and B to one successor, never two', async () => {
      let current = (await login(a.url, 'alice')).refreshToken;
      for (let round = 0; round < 10; round++) {
        const answers = await Promise.all([refresh(a.url, current), refresh(b.url, current)]);
        const successors = new Set(
          answers
            .filter((answer) => answer.status === 200)
            .map((answer) => stringField(answer.body, 'refresh_token')),
        );
        // The grace window hands a concurrent repeat the same successor: one chain, not a fork.
        expect(successors.size).toBe(1);
        for (const answer of answers) expect([200, 400]).toContain(answer.status);
        current = [...successors][0] ?? '';
      }
      expect((await refresh(c.url, current)).status).toBe(200);
      expect(await cluster.maxSuccessorsPerParent()).toBe(1);
    });
  },
);
