import { pathToFileURL } from 'node:url';
import {
  connectRedis,
  Denylist,
  RedisRevocationStream,
  RevocationFollower,
  revocationStreamKey,
  type LoggedRevocationEvent,
} from '../src/revocation/index.js';
import { openStore } from '../src/store/open-store.js';
import type { Cluster } from '../test/support/cluster.js';
import { login, postForm, refresh, stringField } from '../test/support/server-fixture.js';
import { REDIS_URL } from '../test/support/services.js';
import { SseStream } from '../test/server/sse-stream.js';
import { quantile } from './internal/stats.js';
import { formatTable } from './internal/table.js';
import { formatTargetSummary, type TargetCheck } from './internal/targets.js';
import { onFreshCluster } from './internal/services.js';
import { benchSettings } from './internal/settings.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'propagation';

const REVOCATIONS = benchSettings.quick ? 30 : 2000;
/** p99 targets of the whole path, from the revoke call returning to another process holding it. */
const TARGET_MS = { redis: 10, sse: 50 } as const;
/** Longest wait for one revocation to arrive before the run is called broken. */
const ARRIVAL_TIMEOUT_MS = 5000;

/** Arrival times (performance.now) of revoked jtis, and waiters for ones not yet seen. */
class Arrivals {
  readonly #seen = new Map<string, number>();
  readonly #waiting = new Map<string, (at: number) => void>();

  note(value: string): void {
    const at = performance.now();
    if (this.#seen.has(value)) return;
    this.#seen.set(value, at);
    this.#waiting.get(value)?.(at);
    this.#waiting.delete(value);
  }

  when(value: string): Promise<number> {
    const seen = this.#seen.get(value);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`revocation of ${value} not seen within ${ARRIVAL_TIMEOUT_MS} ms`));
      }, ARRIVAL_TIMEOUT_MS);
      this.#waiting.set(value, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }
}

/**
 * How fast a revocation reaches other processes: two `tessera serve` processes (A, B) on one
 * PostgreSQL database and one Redis; access tokens revoked one at a time on A
 * (`POST /oauth/revoke`), and the time from each call returning until (1) a verifier process
 * following Redis (this one: RevocationFollower + RedisRevocationStream + Denylist) holds it,
 * and (2) B's SSE feed (`/revocations/stream`, fed from Redis) delivers it.
 */
export async function run(): Promise<void> {
  console.log(`# Revocation propagation${benchSettings.quick ? ' (BENCH_QUICK=1)' : ''}`);
  await onFreshCluster(measure);
}

async function measure(cluster: Cluster): Promise<void> {
  await cluster.addUser('bench');
  const [a, b] = await Promise.all([cluster.start(), cluster.start()]);

  // Access tokens to revoke: one login, then a chain of refreshes (each a new jti).
  const tokens: string[] = [];
  let current = (await login(a.url, 'bench')).refreshToken;
  for (let i = 0; i < REVOCATIONS; i++) {
    const answer = await refresh(a.url, current);
    if (answer.status !== 200) throw new Error(`refresh failed: ${answer.text}`);
    tokens.push(stringField(answer.body, 'access_token'));
    current = stringField(answer.body, 'refresh_token');
  }

  const viaRedis = new Arrivals();
  const viaSse = new Arrivals();
  const store = await openStore(cluster.databaseUrl);
  const denylist = new Denylist();
  const follower = new RevocationFollower({
    log: store,
    apply: (event: LoggedRevocationEvent) => {
      denylist.add(event);
      if (event.kind === 'jti') viaRedis.note(event.value);
    },
  });
  const redis = await connectRedis(REDIS_URL, { commandTimeoutMs: 3000 });
  const stream = new RedisRevocationStream({
    redis,
    key: revocationStreamKey(cluster.env['TESSERA_REDIS_PREFIX'] ?? ''),
    follower,
  });
  await stream.start();
  const feed = await SseStream.open(`${b.url}/revocations/stream`);
  const reading = readFeed(feed, viaSse);

  const times: Times = {
    call: [],
    redis: [],
    sse: [],
    redisFromSent: [],
    sseFromSent: [],
    redisBeforeReturn: 0,
  };
  try {
    for (const token of tokens) {
      const jti = jtiOf(token);
      const sent = performance.now();
      const answer = await postForm(`${a.url}/oauth/revoke`, { token, client_id: 'tessera' });
      const returned = performance.now();
      if (answer.status !== 200) throw new Error(`revoke failed: ${answer.text}`);
      const [redisAt, sseAt] = await Promise.all([viaRedis.when(jti), viaSse.when(jti)]);
      times.call.push(returned - sent);
      // An arrival before the call's answer was read counts as zero: it was there already.
      times.redis.push(Math.max(0, redisAt - returned));
      times.sse.push(Math.max(0, sseAt - returned));
      times.redisFromSent.push(redisAt - sent);
      times.sseFromSent.push(sseAt - sent);
      if (redisAt <= returned) times.redisBeforeReturn++;
    }
    const claims = { iss: '', aud: '', exp: 0, jti: jtiOf(tokens[0] ?? '') };
    if (!denylist.isRevoked(claims, { alg: 'EdDSA' })) {
      throw new Error('the follower denylist does not hold the revoked tokens');
    }
  } finally {
    feed.close();
    await reading.catch(() => undefined);
    const stopped = stream.stop();
    redis.disconnect();
    await stopped;
    follower.stop();
    await store.close();
  }
  report(times);
}

/** Note every revocation B's feed delivers until the feed closes. */
async function readFeed(feed: SseStream, arrivals: Arrivals): Promise<void> {
  for (;;) {
    const event = await feed.next(60_000);
    if (event.event !== 'revocation') continue;
    const data = JSON.parse(event.data) as { kind?: string; value?: string };
    if (data.kind === 'jti' && typeof data.value === 'string') arrivals.note(data.value);
  }
}

function jtiOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    jti?: string;
  };
  if (typeof payload.jti !== 'string') throw new Error('token without jti');
  return payload.jti;
}

/** Milliseconds per revocation, from the revoke call returning unless named otherwise. */
interface Times {
  readonly call: number[];
  readonly redis: number[];
  readonly sse: number[];
  readonly redisFromSent: number[];
  readonly sseFromSent: number[];
  /** Revocations the other process held before the revoke call's answer was read. */
  redisBeforeReturn: number;
}

function report(times: Times): void {
  const { call, redis, sse } = times;
  const row = (label: string, values: number[]): string[] => [
    label,
    quantile(values, 0.5).toFixed(2),
    quantile(values, 0.9).toFixed(2),
    quantile(values, 0.99).toFixed(2),
    Math.max(...values).toFixed(2),
  ];
  console.log(
    `\n${call.length} access tokens revoked one at a time on process A ` +
      '(POST /oauth/revoke: PostgreSQL commit, then XADD, then the answer). Times in ms from ' +
      'the call returning (an arrival before it counts as 0), and from the call being sent.\n',
  );
  console.log(
    formatTable(
      [
        { header: 'path', align: 'left' },
        { header: 'p50', align: 'right' },
        { header: 'p90', align: 'right' },
        { header: 'p99', align: 'right' },
        { header: 'max', align: 'right' },
      ],
      [
        row('the revoke call itself (for scale)', call),
        row('Redis stream → denylist of another process', redis),
        row("Redis stream → process B → B's SSE feed", sse),
        row('  the same, from the call being sent: Redis', times.redisFromSent),
        row('  the same, from the call being sent: SSE', times.sseFromSent),
      ],
    ),
  );
  console.log(
    `${times.redisBeforeReturn} of ${call.length} revocations were in the other process's ` +
      'denylist before the revoke call had returned: A publishes before it answers.',
  );
  const check = (subject: string, values: number[], target: number): TargetCheck => {
    const p99 = quantile(values, 0.99);
    // Expressed as target ÷ measured, so "at least 1×" reads as "p99 within the target".
    const ratio = target / Math.max(p99, 0.001);
    return {
      subject: `${subject}: p99 ${p99.toFixed(2)} ms vs target ${target} ms (target ÷ p99)`,
      ratio: { median: ratio, p25: ratio, p75: ratio, low95: Number.NaN, high95: Number.NaN },
      atLeast: 1,
    };
  };
  console.log('');
  console.log(
    formatTargetSummary('PROPAGATION BENCHMARK', [
      check('over Redis', redis, TARGET_MS.redis),
      check('over the SSE feed', sse, TARGET_MS.sse),
    ]),
  );
  if (benchSettings.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

// Run when started directly (`npx tsx bench/propagation.ts`), not when imported by bench/run.ts.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
