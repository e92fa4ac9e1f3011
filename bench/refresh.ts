import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { startBenchServer, type BenchServer } from './internal/http-bench-server.js';
import { logIn, mapConcurrently, refreshOnce } from './internal/http-client.js';
import { runLoad, type LoadResult } from './internal/http-load.js';
import { runRefreshLoad, type ChainStats } from './internal/http-refresh-chain.js';
import { benchSettings } from './internal/settings.js';
import { formatOps, formatTable } from './internal/table.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'refresh';

interface RefreshSettings {
  /** Sessions whose refresh tokens the rotation run chains. */
  readonly sessions: number;
  /** autocannon connections of the floor, read and refresh runs. */
  readonly connections: number;
  /** Unmeasured run before each of the floor, read and refresh runs (JIT, SQLite cache). */
  readonly warmupSeconds: number;
  readonly floorSeconds: number;
  readonly readSeconds: number;
  readonly refreshSeconds: number;
  readonly loginSeconds: number;
}

const SETTINGS: RefreshSettings = benchSettings.quick
  ? {
      sessions: 10,
      connections: 5,
      warmupSeconds: 0,
      floorSeconds: 1,
      readSeconds: 1,
      refreshSeconds: 1,
      loginSeconds: 1,
    }
  : {
      sessions: 200,
      connections: 10,
      warmupSeconds: 1,
      floorSeconds: 5,
      readSeconds: 5,
      refreshSeconds: 10,
      loginSeconds: 5,
    };

/** Logins in flight while sessions are made, and during the login run: libuv's pool size. */
const LOGINS_IN_FLIGHT = 4;
const PASSWORD = 'correct horse battery staple';
/** Owns the sessions whose refresh tokens are rotated; the login run logs in as them too. */
const ROTATING_USER = { username: 'bench-rotating', password: PASSWORD };
/** Has one session, so listing sessions reads one row, as for a typical user. */
const READING_USER = { username: 'bench-reading', password: PASSWORD };

/** One table row: what was measured and what it gave. */
interface Row {
  readonly subject: string;
  readonly result: LoadResult;
  /** Failures the status alone does not show (a 200 with a broken chain). */
  readonly extraErrors?: number;
}

/**
 * The auth server over HTTP on loopback, started as `tessera serve` starts it (SQLite in a
 * temporary directory, default argon2id): refresh-token rotation with every request chained
 * to its session's live token, beside the JWKS (the HTTP stack's floor), an authenticated
 * session list, and login.
 *
 * @example
 * // npm run bench runs it with the others; alone: npx tsx bench/refresh.ts
 * await run();
 */
export async function run(): Promise<void> {
  const server = await startBenchServer([ROTATING_USER, READING_USER]);
  try {
    printPreamble(server);
    await measure(server);
  } finally {
    await server.close();
  }
}

async function measure(server: BenchServer): Promise<void> {
  const { url } = server;
  const started = performance.now();
  const pairs = await mapConcurrently(
    Array.from({ length: SETTINGS.sessions }, (_, i) => i),
    LOGINS_IN_FLIGHT,
    () => logIn(url, ROTATING_USER.username, ROTATING_USER.password),
  );
  const reader = await logIn(url, READING_USER.username, READING_USER.password);
  console.log(
    `\n${pairs.length} sessions made by POST /auth/login, ${LOGINS_IN_FLIGHT} at a time, in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s.`,
  );

  const floor = { url: `${url}/.well-known/jwks.json`, connections: SETTINGS.connections };
  const read = {
    url: `${url}/auth/sessions`,
    connections: SETTINGS.connections,
    headers: { authorization: `Bearer ${reader.accessToken}` },
  };
  if (SETTINGS.warmupSeconds > 0) {
    await runLoad({ ...floor, seconds: SETTINGS.warmupSeconds });
    await runLoad({ ...read, seconds: SETTINGS.warmupSeconds });
  }
  const rows: Row[] = [
    {
      subject: 'GET /.well-known/jwks.json (HTTP floor)',
      result: await runLoad({ ...floor, seconds: SETTINGS.floorSeconds }),
    },
    {
      subject: 'GET /auth/sessions (bearer verify + denylist + 1 SQLite read)',
      result: await runLoad({ ...read, seconds: SETTINGS.readSeconds }),
    },
  ];

  let tokens = pairs.map((pair) => pair.refreshToken);
  if (SETTINGS.warmupSeconds > 0) {
    tokens = (await runRefreshLoad(url, tokens, SETTINGS.warmupSeconds, SETTINGS.connections))
      .liveTokens;
  }
  const refresh = await runRefreshLoad(url, tokens, SETTINGS.refreshSeconds, SETTINGS.connections);
  const { stats } = refresh;
  rows.push({
    subject: 'POST /oauth/token refresh rotation (chained)',
    result: refresh.result,
    extraErrors: stats.reissued + stats.malformed,
  });
  // Independent of autocannon's counts: every session not lost must still rotate.
  const after = await mapConcurrently(refresh.liveTokens, LOGINS_IN_FLIGHT, (token) =>
    refreshOnce(url, token),
  );
  const stillLive = after.filter((answer) => answer.status === 200).length;

  const { memoryKiB, passes, parallelism } = server.argon2;
  rows.push({
    subject: `POST /auth/login (argon2id m=${memoryKiB} t=${passes} p=${parallelism})`,
    result: await runLoad({
      url: `${url}/auth/login`,
      connections: LOGINS_IN_FLIGHT,
      seconds: SETTINGS.loginSeconds,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ROTATING_USER),
    }),
  });

  printTable(rows);
  printVerdict(refresh.result, stats, stillLive, refresh.liveTokens.length);
}

function printPreamble(server: BenchServer): void {
  const { memoryKiB, passes, parallelism } = server.argon2;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(`# refresh benchmark${benchSettings.quick ? ' (BENCH_QUICK=1)' : ''}`);
  console.log(
    `Auth server started in this process (startServer, SQLite in a temporary directory under ` +
      `${tmpdir()}) at ${server.url}. autocannon shares its event loop, so every rate below ` +
      "includes the load generator's own cost.",
  );
  console.log(
    `argon2id m=${memoryKiB} KiB (${(memoryKiB / 1024).toFixed(0)} MiB), t=${passes}, ` +
      `p=${parallelism} (the default PasswordHasher).`,
  );
  console.log(
    `node ${process.version}, ${availableParallelism()} × ${cpu}, load ${load}, ` +
      `UV_THREADPOOL_SIZE=${process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)'}`,
  );
  console.log(
    `${SETTINGS.connections} connections (login: ${LOGINS_IN_FLIGHT}), no pipelining; refresh ` +
      `chains ${SETTINGS.sessions} sessions, ${SETTINGS.sessions / SETTINGS.connections} per ` +
      'connection, used in turn. req/s: 200 answers per second. p50/p99: latency of 2xx ' +
      'answers in whole ms (autocannon). errors: non-200 answers, requests without an answer, ' +
      'and 200 refreshes that did not hand out a new token.',
  );
}

function printTable(rows: readonly Row[]): void {
  console.log('');
  console.log(
    formatTable(
      [
        { header: 'measured', align: 'left' },
        { header: 'conns', align: 'right' },
        { header: 's', align: 'right' },
        { header: 'req/s', align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'errors', align: 'right' },
      ],
      rows.map(({ subject, result, extraErrors = 0 }) => [
        subject,
        String(result.connections),
        result.seconds.toFixed(1),
        formatOps(result.okPerSecond),
        String(result.p50Ms),
        String(result.p99Ms),
        formatOps(result.notOk + result.requestErrors + extraErrors) +
          (result.otherStatuses === '' ? '' : ` (${result.otherStatuses})`),
      ]),
    ),
  );
  if (benchSettings.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

function printVerdict(
  result: LoadResult,
  stats: ChainStats,
  stillLive: number,
  checked: number,
): void {
  const pass =
    result.notOk === 0 &&
    result.requestErrors === 0 &&
    stats.reissued === 0 &&
    stats.malformed === 0 &&
    stats.rotated > 0 &&
    stillLive === checked;
  const heavy = '='.repeat(100);
  console.log(
    [
      '',
      heavy,
      'refresh: CHECK',
      heavy,
      'No target is set by the issue for these rates and latencies: they are informational. ' +
        'The one check: refresh rotation must get no non-200 answer.',
      `${pass ? 'PASS' : 'FAIL'}  refresh rotation: ${formatOps(result.notOk)} non-200 of ` +
        `${formatOps(result.responses)} answers${result.otherStatuses === '' ? '' : ` (${result.otherStatuses})`}, ` +
        `${result.requestErrors} unanswered, ${stats.rotated} rotations, ${stats.reissued} ` +
        `reissued tokens, ${stats.malformed} malformed; afterwards ${stillLive} of ${checked} ` +
        `sessions still refresh (${SETTINGS.sessions - checked} others were mid-request when a ` +
        'run stopped, so their state is unknown)',
      heavy,
    ].join('\n'),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
