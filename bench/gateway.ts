import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type autocannon from 'autocannon';
import { createDpopKey, createProof, type DpopKey } from '../test/server/dpop-client.js';
import { DpopProofVerifier } from '../src/token/dpop-proof.js';
import { BENCH_USER, type GatewayBenchUrls } from './internal/gateway-bench-servers.js';
import { logIn } from './internal/http-client.js';
import { runLoad, type LoadResult } from './internal/http-load.js';
import { measureSideBySide, roundOrder } from './internal/measure.js';
import { benchSettings } from './internal/settings.js';
import { median, summarisePairedRatio } from './internal/stats.js';
import { formatOps, formatRatio, formatTable } from './internal/table.js';
import { formatTargetSummary, type TargetCheck } from './internal/targets.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'gateway';

/** The gateway with bearer tokens must keep this share of a plain proxy's throughput. */
const BEARER_TARGET = 0.8;

const SETTINGS = benchSettings.quick
  ? { rounds: 2, seconds: 1, warmupSeconds: 1, connections: 10 }
  : { rounds: 6, seconds: 4, warmupSeconds: 2, connections: 20 };

type ContenderId = 'direct' | 'proxy' | 'bearer' | 'dpop';
const CONTENDERS: readonly { id: ContenderId; label: string }[] = [
  { id: 'direct', label: '(a) upstream directly' },
  { id: 'proxy', label: '(b) plain proxy, same HTTP stack, no auth' },
  { id: 'bearer', label: '(c) gateway, bearer token' },
  { id: 'dpop', label: '(d) gateway, DPoP token + fresh proof each request' },
];

/**
 * `tessera gateway` under load beside the same upstream reached directly and through a plain
 * proxy on the same HTTP stack: req/s and p99 of each, in interleaved rounds, with autocannon
 * in this process and the servers in a child process. Then DPoP proof verification alone.
 */
export async function run(): Promise<void> {
  printPreamble();
  const child = fork(
    fileURLToPath(new URL('./internal/gateway-bench-servers.ts', import.meta.url)),
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  try {
    const urls = await waitForUrls(child);
    await measureHttp(urls);
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await measureProofVerification();
}

function printPreamble(): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\n# Gateway benchmark (${cpu}, ${availableParallelism()} cores, load ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')})`,
  );
  console.log(
    `${SETTINGS.rounds} rounds of ${SETTINGS.seconds} s per contender, order rotating each round; ` +
      `${SETTINGS.connections} connections; GET of a 30-byte JSON body.`,
  );
}

function waitForUrls(child: ChildProcess): Promise<GatewayBenchUrls> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => {
      resolve(message as GatewayBenchUrls);
    });
    child.once('exit', (code) => {
      reject(new Error(`the benchmark servers exited (${String(code)}) before listening`));
    });
  });
}

/** A pool of DPoP proofs signed ahead of time, handed out one per request. */
class ProofPool {
  #proofs: string[] = [];
  #next = 0;
  constructor(
    readonly key: DpopKey,
    readonly url: string,
    readonly token: string,
  ) {}
  /** Sign `count` fresh proofs (outside any measured time). */
  refill(count: number): void {
    this.#proofs = Array.from({ length: count }, () =>
      createProof(this.key, { method: 'GET', url: this.url, accessToken: this.token }),
    );
    this.#next = 0;
  }
  /** The next unused proof; when the pool runs dry (it is sized not to) a replay, which fails. */
  take(): string {
    const proof = this.#proofs[this.#next] ?? this.#proofs[0] ?? '';
    this.#next++;
    return proof;
  }
  get used(): number {
    return this.#next;
  }
}

async function measureHttp(urls: GatewayBenchUrls): Promise<void> {
  const path = '/api/items';
  const bearer = await logIn(urls.auth, BENCH_USER.username, BENCH_USER.password);
  const key = createDpopKey('EdDSA');
  const bound = await loginWithDpop(urls.auth, key);
  const pool = new ProofPool(key, `${urls.gatewayPublicUrl}${path}`, bound);
  const dpopHeaders = (): Record<string, string> => ({
    authorization: `DPoP ${bound}`,
    dpop: pool.take(),
  });
  const setupDpopClient = (client: autocannon.Client): void => {
    client.setHeaders(dpopHeaders());
    // The next request goes out right after this handler: each one gets a fresh proof.
    client.on('response', () => {
      client.setHeaders(dpopHeaders());
    });
  };
  let expectedRate = 20_000;
  const load = (id: ContenderId, seconds: number): Promise<LoadResult> => {
    const common = { connections: SETTINGS.connections, seconds };
    switch (id) {
      case 'direct':
        return runLoad({ ...common, url: `${urls.upstream}${path}` });
      case 'proxy':
        return runLoad({ ...common, url: `${urls.proxy}${path}` });
      case 'bearer':
        return runLoad({
          ...common,
          url: `${urls.gateway}${path}`,
          headers: { authorization: `Bearer ${bearer.accessToken}` },
        });
      case 'dpop':
        // Enough proofs for the fastest rate seen so far, with room to spare.
        pool.refill(Math.ceil(expectedRate * seconds * 1.5) + 1000);
        return runLoad({ ...common, url: `${urls.gateway}${path}`, setupClient: setupDpopClient });
    }
  };
  for (const { id } of CONTENDERS) {
    const warm = await load(id, SETTINGS.warmupSeconds);
    if (id === 'bearer') expectedRate = Math.max(1000, warm.okPerSecond * 1.5);
  }
  const results = new Map<ContenderId, LoadResult[]>(CONTENDERS.map(({ id }) => [id, []]));
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (const index of roundOrder(CONTENDERS.length, round)) {
      const contender = CONTENDERS[index];
      if (contender === undefined) continue;
      const result = await load(contender.id, SETTINGS.seconds);
      results.get(contender.id)?.push(result);
      if (contender.id === 'dpop' && pool.used > 0) {
        expectedRate = Math.max(expectedRate, pool.used / SETTINGS.seconds);
      }
    }
  }
  printHttpTable(results);
  console.log(
    "\n(c) sends one token on every connection, as a client does for its token's life: after " +
      'the first request the verifier answers from its verified-token cache (expiry, key set ' +
      'and revocations still checked each time). A token the gateway has not seen costs one ' +
      'signature check more (EdDSA, about 120 µs here); (d) shows a fresh proof on every request.',
  );
  const rates = (id: ContenderId): number[] => (results.get(id) ?? []).map((r) => r.okPerSecond);
  const checks: TargetCheck[] = [
    {
      subject: '(c) gateway with bearer tokens vs (b) plain proxy, req/s',
      ratio: summarisePairedRatio(rates('bearer'), rates('proxy')),
      atLeast: BEARER_TARGET,
      note: `servers and load generator share ${availableParallelism()} cores`,
    },
  ];
  console.log('');
  console.log(formatTargetSummary('GATEWAY BENCHMARK', checks));
  if (benchSettings.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

function printHttpTable(results: ReadonlyMap<ContenderId, LoadResult[]>): void {
  const proxyRates = (results.get('proxy') ?? []).map((r) => r.okPerSecond);
  const rows = CONTENDERS.map(({ id, label }) => {
    const runs = results.get(id) ?? [];
    const rates = runs.map((r) => r.okPerSecond);
    const failures = runs.reduce((sum, r) => sum + r.notOk + r.requestErrors, 0);
    const others = [...new Set(runs.map((r) => r.otherStatuses).filter((s) => s !== ''))].join(' ');
    return [
      label,
      formatOps(median(rates)),
      `${median(runs.map((r) => r.p50Ms)).toFixed(0)} ms`,
      `${median(runs.map((r) => r.p99Ms)).toFixed(0)} ms`,
      formatRatio(summarisePairedRatio(rates, proxyRates).median),
      failures === 0 ? '0' : `${failures} ${others}`,
    ];
  });
  console.log('');
  console.log(
    formatTable(
      [
        { header: 'contender', align: 'left' },
        { header: 'req/s (median)', align: 'right' },
        { header: 'p50', align: 'right' },
        { header: 'p99', align: 'right' },
        { header: 'vs (b)', align: 'right' },
        { header: 'non-200', align: 'right' },
      ],
      rows,
    ),
  );
}

/** Log in with a DPoP proof, so the access token is bound to `key`. */
async function loginWithDpop(authUrl: string, key: DpopKey): Promise<string> {
  // The bench server's issuer is http://127.0.0.1 (no port): proofs name that URL.
  const response = await fetch(`${authUrl}/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      dpop: createProof(key, { method: 'POST', url: 'http://127.0.0.1/auth/login' }),
    },
    body: JSON.stringify({ ...BENCH_USER, client_id: 'tessera' }),
  });
  const body = (await response.json()) as { access_token?: unknown; token_type?: unknown };
  if (
    response.status !== 200 ||
    typeof body.access_token !== 'string' ||
    body.token_type !== 'DPoP'
  ) {
    throw new Error(`DPoP login answered ${response.status}`);
  }
  return body.access_token;
}

/** DpopProofVerifier.verify alone: the CPU cost of a proof, without the replay cache. */
async function measureProofVerification(): Promise<void> {
  const verifier = new DpopProofVerifier();
  const token = 'header.payload.signature-of-an-access-token';
  const contenders = (['EdDSA', 'ES256'] as const).map((alg) => {
    const key = createDpopKey(alg);
    const url = 'https://api.example.com/orders';
    const proof = createProof(key, { method: 'GET', url, accessToken: token });
    const request = { proof, method: 'GET', url, accessToken: token, expectedJkt: key.jkt };
    return {
      name: `DpopProofVerifier.verify ${alg}`,
      kind: 'sync' as const,
      run: () => verifier.verify(request),
    };
  });
  const measurements = await measureSideBySide(contenders);
  {
    console.log('');
    console.log(
      formatTable(
        [
          { header: 'DPoP proof verification', align: 'left' },
          { header: 'ops/s (CPU)', align: 'right' },
          { header: 'µs each', align: 'right' },
        ],
        measurements.map((m) => [
          m.name,
          formatOps(m.opsPerCpuSecond),
          (1e6 / m.opsPerCpuSecond).toFixed(1),
        ]),
      ),
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
