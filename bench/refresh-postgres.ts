import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Cluster } from '../test/support/cluster.js';
import { PASSWORD } from '../test/support/server-fixture.js';
import type { ServeProcess } from '../test/support/serve-process.js';
import { POSTGRES_URL, REDIS_URL } from '../test/support/services.js';
import { logIn, mapConcurrently, refreshOnce } from './internal/http-client.js';
import { runRefreshLoad, type RefreshLoad } from './internal/http-refresh-chain.js';
import { onFreshCluster } from './internal/services.js';
import { benchSettings } from './internal/settings.js';
import { formatOps, formatRatio, formatTable } from './internal/table.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'refresh-postgres';

const SETTINGS = benchSettings.quick
  ? { sessions: 20, connections: 4, warmupSeconds: 0, seconds: 1 }
  : { sessions: 200, connections: 10, warmupSeconds: 2, seconds: 10 };
const LOGINS_IN_FLIGHT = 4;
const USER = 'bench-rotating';

/** A row: the processes measured together and their combined result. */
interface Row {
  readonly subject: string;
  readonly loads: readonly RefreshLoad[];
}

/**
 * Refresh-token rotation on PostgreSQL: `tessera serve` processes on one database (and one
 * Redis, as deployed), driven by autocannon from this process with every request chained to
 * its session's live token. First one process with all connections, then two processes with
 * half the connections each (the same total offered load), their rates added.
 *
 * @example
 * // npm run bench runs it with the others; alone: npx tsx bench/refresh-postgres.ts
 * await run();
 */
export async function run(): Promise<void> {
  console.log(`# Refresh rotation on PostgreSQL${benchSettings.quick ? ' (BENCH_QUICK=1)' : ''}`);
  await onFreshCluster(async (cluster) => {
    await cluster.addUser(USER);
    await measure(cluster);
  });
}

async function measure(cluster: Cluster): Promise<void> {
  const a = await cluster.start();
  const pairs = await mapConcurrently(
    Array.from({ length: SETTINGS.sessions }, (_, i) => i),
    LOGINS_IN_FLIGHT,
    () => logIn(a.url, USER, PASSWORD),
  );
  let tokens = pairs.map((pair) => pair.refreshToken);
  printPreamble();

  if (SETTINGS.warmupSeconds > 0) {
    tokens = (await runRefreshLoad(a.url, tokens, SETTINGS.warmupSeconds, SETTINGS.connections))
      .liveTokens;
  }
  const one = await runRefreshLoad(a.url, tokens, SETTINGS.seconds, SETTINGS.connections);
  tokens = one.liveTokens;

  const b = await cluster.start();
  if (SETTINGS.warmupSeconds > 0) tokens = await onBoth([a, b], tokens, SETTINGS.warmupSeconds);
  const half = Math.max(1, Math.floor(SETTINGS.connections / 2));
  const [left, right] = split(tokens);
  const two = await Promise.all([
    runRefreshLoad(a.url, left, SETTINGS.seconds, half),
    runRefreshLoad(b.url, right, SETTINGS.seconds, half),
  ]);
  const live = two.flatMap((load) => load.liveTokens);
  // Independent of autocannon's counts: every chain not lost mid-request still rotates.
  const after = await mapConcurrently(live, LOGINS_IN_FLIGHT, (token) => refreshOnce(b.url, token));
  const stillLive = after.filter((answer) => answer.status === 200).length;
  const forks = await cluster.maxSuccessorsPerParent();

  const rows: Row[] = [
    { subject: '1 process', loads: [one] },
    { subject: '2 processes', loads: two },
  ];
  printTable(rows);
  const rate = (row: Row): number => row.loads.reduce((sum, l) => sum + l.result.okPerSecond, 0);
  const [first, second] = rows.map(rate);
  console.log(
    `\n2 processes ÷ 1 process: ${formatRatio((second ?? 0) / Math.max(first ?? 0, 1))}. ` +
      'No target: informational. On this 2-core machine the two server processes, PostgreSQL ' +
      'and the load generator share the same cores, so the figure shows that adding a process ' +
      'costs nothing in correctness, not how far it scales on separate machines.',
  );
  const failures = [one, ...two].reduce(
    (sum, load) =>
      sum +
      load.result.notOk +
      load.result.requestErrors +
      load.stats.reissued +
      load.stats.malformed,
    0,
  );
  const pass = failures === 0 && forks <= 1 && stillLive === live.length;
  console.log(
    `\n${pass ? 'PASS' : 'FAIL'}  refresh rotation on PostgreSQL: ${failures} failed or reissued ` +
      `answers, at most ${forks} successor per refresh token, ${stillLive} of ${live.length} ` +
      'chains still rotate afterwards.',
  );
  if (benchSettings.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

/** Warm both processes with half the tokens each; returns every token still live. */
async function onBoth(
  processes: readonly ServeProcess[],
  tokens: readonly string[],
  seconds: number,
): Promise<string[]> {
  const halves = split(tokens);
  const half = Math.max(1, Math.floor(SETTINGS.connections / 2));
  const loads = await Promise.all(
    processes.map((process, i) => runRefreshLoad(process.url, halves[i] ?? [], seconds, half)),
  );
  return loads.flatMap((load) => load.liveTokens);
}

function split(tokens: readonly string[]): [string[], string[]] {
  const middle = Math.ceil(tokens.length / 2);
  return [tokens.slice(0, middle), tokens.slice(middle)];
}

function printPreamble(): void {
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(
    `tessera serve processes on one fresh PostgreSQL database (${POSTGRES_URL}) and Redis ` +
      `(${REDIS_URL}); ${SETTINGS.sessions} sessions, ${SETTINGS.connections} connections in ` +
      `all, no pipelining, ${SETTINGS.seconds} s per run after ${SETTINGS.warmupSeconds} s of ` +
      `warm-up. ${availableParallelism()} cores, load ${load}. req/s: 200 answers per second, ` +
      'added over the processes. p50/p99: whole ms, the worse process.',
  );
}

function printTable(rows: readonly Row[]): void {
  console.log('');
  console.log(
    formatTable(
      [
        { header: 'processes', align: 'left' },
        { header: 'conns', align: 'right' },
        { header: 'req/s', align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'errors', align: 'right' },
      ],
      rows.map(({ subject, loads }) => [
        subject,
        String(loads.reduce((sum, l) => sum + l.result.connections, 0)),
        formatOps(loads.reduce((sum, l) => sum + l.result.okPerSecond, 0)),
        String(Math.max(...loads.map((l) => l.result.p50Ms))),
        String(Math.max(...loads.map((l) => l.result.p99Ms))),
        formatOps(
          loads.reduce(
            (sum, l) =>
              sum + l.result.notOk + l.result.requestErrors + l.stats.reissued + l.stats.malformed,
            0,
          ),
        ),
      ]),
    ),
  );
}

// Run when started directly (`npx tsx bench/refresh-postgres.ts`), not when imported by bench/run.ts.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
