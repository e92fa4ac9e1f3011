import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createVerifier, type Verifier } from '../src/verifier/index.js';
import {
  buildCli,
  ProcessGroup,
  tessera,
  type ServeProcess,
} from '../test/support/serve-process.js';
import { basic, login, postForm, PASSWORD } from '../test/support/server-fixture.js';
import { benchSettings } from './internal/settings.js';
import { quantile } from './internal/stats.js';
import { formatTable } from './internal/table.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'introspection';

const REQUESTS = benchSettings.quick ? 200 : 5000;
const WARMUP = benchSettings.quick ? 20 : 500;
const ISSUER = 'http://127.0.0.1';
const CLIENT_ID = 'orders-api';

/**
 * The latency budget of checking a token: a local verify with the revocation check (what
 * Tessera's verifier does on every request, in memory) next to one RFC 7662 introspection
 * call per request (what an API does when it asks the auth server instead). The auth server
 * is a `tessera serve` process of its own on SQLite; both paths check the same token, one
 * request at a time, and every answer is checked (valid, active).
 *
 * @example
 * // npm run bench runs it with the others; alone: npx tsx bench/introspection.ts
 * await run();
 */
export async function run(): Promise<void> {
  console.log(`# Local verify vs introspection${benchSettings.quick ? ' (BENCH_QUICK=1)' : ''}`);
  await buildCli();
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-bench-introspect-'));
  const processes = new ProcessGroup();
  try {
    const env = { TESSERA_DATA_DIR: dataDir, TESSERA_PORT: '0', TESSERA_ISSUER: ISSUER };
    const server = await processes.serve([], env);
    if (server.url === '')
      throw new Error(`tessera serve did not start:\n${server.output().stderr}`);
    const added = await tessera(
      ['users', 'add', 'alice', '--password-stdin'],
      `${PASSWORD}\n`,
      env,
    );
    if (added.code !== 0) throw new Error(`users add failed: ${added.stderr}`);
    const client = await tessera(['clients', 'add', CLIENT_ID], '', env);
    const secret = /client secret[^:]*: (\S+)/.exec(client.stdout)?.[1];
    if (secret === undefined) throw new Error(`clients add printed no secret: ${client.stdout}`);
    await measure(server, secret);
  } finally {
    await processes.killAll();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function measure(server: ServeProcess, secret: string): Promise<void> {
  const { accessToken } = await login(server.url, 'alice');
  const options = {
    issuer: ISSUER,
    audience: ISSUER,
    algorithms: ['EdDSA'],
    jwksUri: `${server.url}/.well-known/jwks.json`,
    revocations: { feed: `${server.url}/revocations/stream` },
  } as const;
  const verifier = createVerifier(options);
  const uncached = createVerifier({ ...options, cache: false });
  try {
    await Promise.all([verifier.ready(), uncached.ready()]);
    const check = (which: Verifier): void => {
      const result = which.verify(accessToken);
      if (!result.ok) throw new Error(`local verify failed: ${result.code}`);
    };
    const local = (): void => {
      check(verifier);
    };
    const remote = async (): Promise<void> => {
      const answer = await postForm(
        `${server.url}/oauth/introspect`,
        { token: accessToken },
        basic(CLIENT_ID, secret),
      );
      if (answer.body['active'] !== true) throw new Error(`introspection said ${answer.text}`);
    };
    for (let i = 0; i < WARMUP; i++) {
      local();
      await remote();
    }
    // Interleaved, so load changes on the machine fall on both alike.
    const localMs: number[] = [];
    const coldMs: number[] = [];
    const remoteMs: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now();
      local();
      const t1 = performance.now();
      check(uncached);
      const t2 = performance.now();
      await remote();
      const t3 = performance.now();
      localMs.push(t1 - t0);
      coldMs.push(t2 - t1);
      remoteMs.push(t3 - t2);
    }
    report(localMs, coldMs, remoteMs, verifier);
  } finally {
    await Promise.all([verifier.close(), uncached.close()]);
  }
}

function report(localMs: number[], coldMs: number[], remoteMs: number[], verifier: Verifier): void {
  const us = (ms: number): string => (ms * 1000).toFixed(1);
  const row = (label: string, values: number[]): string[] => [
    label,
    us(quantile(values, 0.5)),
    us(quantile(values, 0.99)),
    us(Math.max(...values)),
  ];
  console.log(
    `\n${localMs.length} checks of one EdDSA access token, one at a time, interleaved, after ` +
      `${WARMUP} of each to warm up. Times in µs per check, measured around the call. The ` +
      "verifier follows the server's revocation feed (status: " +
      `${verifier.status().revocations?.summary ?? 'n/a'}); introspection is POST /oauth/introspect ` +
      'with HTTP Basic client authentication, keep-alive, over loopback to a tessera serve process.\n',
  );
  console.log(
    formatTable(
      [
        { header: 'check', align: 'left' },
        { header: 'p50 µs', align: 'right' },
        { header: 'p99 µs', align: 'right' },
        { header: 'max µs', align: 'right' },
      ],
      [
        row('local verify + revocation check (createVerifier)', localMs),
        row('  the same, signature checked every time (cache: false)', coldMs),
        row('one RFC 7662 introspection call', remoteMs),
      ],
    ),
  );
  const ratio = (q: number): string =>
    (quantile(remoteMs, q) / Math.max(quantile(localMs, q), 1e-6)).toFixed(0);
  const coldRatio = (q: number): string =>
    (quantile(remoteMs, q) / Math.max(quantile(coldMs, q), 1e-6)).toFixed(0);
  console.log(
    `\nIntrospection costs ${ratio(0.5)}× the local check at p50 and ${ratio(0.99)}× at p99 ` +
      `(${coldRatio(0.5)}× and ${coldRatio(0.99)}× a check that verifies the signature each ` +
      'time, as for a token the API has not seen yet), ' +
      'on loopback with an idle server; a real network and a loaded server add to it. No ' +
      'target: this is the budget to know.',
  );
  if (benchSettings.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

// Run when started directly (`npx tsx bench/introspection.ts`), not when imported by bench/run.ts.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
