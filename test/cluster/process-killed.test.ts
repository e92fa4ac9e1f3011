import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cluster } from '../support/cluster.js';
import { buildCli, type ServeProcess } from '../support/serve-process.js';
import {
  login,
  refresh,
  stringField,
  waitFor,
  withBearer,
  type JsonResponse,
} from '../support/server-fixture.js';
import { describeWithService } from '../support/services.js';

// A process killed with SIGKILL in the middle of refresh traffic: every chain stays one chain,
// the other process keeps serving, and the restarted process rejoins. Clients behave as behind
// a load balancer that retries a failed request on the other process with the same token.

/** Short, so the test can step outside it to show a spent token is refused. */
const GRACE_SECONDS = 2;
const CHAINS = 6;
/** Each phase of traffic: before the kill, while A is down, after A is back. */
const PHASE_MS = 1500;

let cluster: Cluster;
let a: ServeProcess;
let b: ServeProcess;

/** One session's refresh chain: the current token and the one spent before it. */
interface Chain {
  readonly sessionId: string;
  current: string;
  previous: string | null;
}

/** What the traffic saw. */
interface Tally {
  /** Answers by process and status, e.g. `B 200`. */
  readonly answers: Map<string, number>;
  /** Requests that reached no process (A while it is dead or dying). */
  connectionErrors: number;
  /** Answers that were neither 200 nor a connection error: must stay empty. */
  readonly unexpected: string[];
}

function count(tally: Tally, key: string): void {
  tally.answers.set(key, (tally.answers.get(key) ?? 0) + 1);
}

/** Refresh `chain` once on `first`, retrying on `fallback` with the same token if `first` is unreachable. */
async function step(
  chain: Chain,
  first: () => ServeProcess,
  fallback: () => ServeProcess,
  tally: Tally,
): Promise<void> {
  const names = new Map([
    [a, 'A'],
    [b, 'B'],
  ]);
  let answer: JsonResponse;
  const target = first();
  try {
    answer = await refresh(target.url, chain.current);
    count(tally, `${names.get(target) ?? '?'} ${answer.status}`);
  } catch {
    tally.connectionErrors++;
    const other = fallback();
    answer = await refresh(other.url, chain.current);
    count(tally, `${names.get(other) ?? '?'} ${answer.status} (retry)`);
  }
  if (answer.status !== 200) {
    tally.unexpected.push(`${answer.status} ${answer.text.slice(0, 200)}`);
    return;
  }
  chain.previous = chain.current;
  chain.current = stringField(answer.body, 'refresh_token');
}

/** Refresh every chain in a loop for `ms`, alternating between the two processes. */
async function traffic(chains: readonly Chain[], ms: number, tally: Tally): Promise<void> {
  const until = Date.now() + ms;
  await Promise.all(
    chains.map(async (chain, index) => {
      for (let turn = index; Date.now() < until; turn++) {
        const onA = turn % 2 === 0;
        await step(
          chain,
          () => (onA ? a : b),
          () => (onA ? b : a),
          tally,
        );
      }
    }),
  );
}

function newTally(): Tally {
  return { answers: new Map(), connectionErrors: 0, unexpected: [] };
}

await describeWithService(['postgres', 'redis'], 'a process killed mid-traffic', () => {
  beforeAll(async () => {
    await buildCli();
    cluster = await Cluster.create({ TESSERA_REFRESH_GRACE: String(GRACE_SECONDS) });
    await cluster.addUser('alice');
    [a, b] = await Promise.all([cluster.start(), cluster.start()]);
  }, 180_000);

  afterAll(async () => {
    await cluster.close();
  }, 60_000);

  it('keeps one live refresh token per session, B serving throughout, and A rejoins', async () => {
    const chains: Chain[] = [];
    for (let i = 0; i < CHAINS; i++) {
      const session = await login(i % 2 === 0 ? a.url : b.url, 'alice');
      chains.push({ sessionId: session.sessionId, current: session.refreshToken, previous: null });
    }

    // Traffic on both; then SIGKILL A while requests are in flight on it.
    const before = newTally();
    const running = traffic(chains, 2 * PHASE_MS, before);
    await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
    a.child.kill('SIGKILL');
    await running;
    expect(before.unexpected).toEqual([]);
    expect(before.answers.get('A 200') ?? 0).toBeGreaterThan(0);
    expect(before.answers.get('B 200') ?? 0).toBeGreaterThan(0);
    // The kill was in the middle of traffic: requests to A failed and B answered them.
    expect(before.connectionErrors).toBeGreaterThan(0);
    expect(before.answers.get('B 200 (retry)') ?? 0).toBe(before.connectionErrors);

    // A comes back (on a new port, as a replaced instance would) and takes traffic again.
    a = await cluster.start();
    const after = newTally();
    await traffic(chains, PHASE_MS, after);
    expect(after.unexpected).toEqual([]);
    expect(after.connectionErrors).toBe(0);
    expect(after.answers.get('A 200') ?? 0).toBeGreaterThan(0);

    // No token ever had two successors, and every session has exactly one live token.
    expect(await cluster.maxSuccessorsPerParent()).toBe(1);
    const unspent = await cluster.unspentPerOpenSession();
    for (const chain of chains) expect(unspent.get(chain.sessionId)).toBe(1);

    // The restarted process logs in and sees revocations made on the other one.
    const fresh = await login(a.url, 'alice');
    expect((await withBearer(`${a.url}/auth/sessions`, fresh.accessToken)).status).toBe(200);
    const out = await withBearer(`${b.url}/auth/logout`, fresh.accessToken, 'POST');
    expect(out.status).toBe(204);
    await waitFor(
      'the restarted process to refuse a token revoked on the other',
      async () => (await withBearer(`${a.url}/auth/sessions`, fresh.accessToken)).status === 401,
      3000,
      10,
    );

    // Outside the grace window a spent token is not valid a second time: presenting it ends
    // the session, on whichever process.
    await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS + 1) * 1000));
    const [reused] = chains;
    if (reused?.previous == null) throw new Error('the first chain never rotated');
    const replay = await refresh(a.url, reused.previous);
    expect(replay.status).toBe(400);
    expect(replay.body['error']).toBe('invalid_grant');
    const afterReplay = await refresh(b.url, reused.current);
    expect(afterReplay.body['error']).toBe('invalid_grant');
  }, 60_000);
});
