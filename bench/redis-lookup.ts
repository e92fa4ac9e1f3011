import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { generateSigningKey, JwtVerifier, KeySet, signAccessToken } from '../src/index.js';
import { Denylist, revocationExpiry } from '../src/revocation/index.js';
import { deleteRedisKeys } from '../test/support/cluster.js';
import { REDIS_URL } from '../test/support/services.js';
import { measureSideBySide, compareMeasurements } from './internal/measure.js';
import { benchSettings } from './internal/settings.js';
import { formatOps, formatRatio, formatSpread, formatTable } from './internal/table.js';
import { AUDIENCE, ISSUER } from './internal/verify-fixtures.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'redis-lookup';

/** Revoked jtis in Redis and in the denylist, so neither answers from an empty structure. */
const REVOKED = benchSettings.quick ? 1000 : 100_000;
const IN_FLIGHT = 64;
const POLICY = { maxTokenLifetimeSeconds: 900, clockToleranceSeconds: 30 };

/**
 * The design most deployments reach for first, "keep revoked JWTs in Redis and look each
 * token up", beside Tessera's pushed in-memory denylist: the same EdDSA token verified
 * locally, then checked either with one Redis `GET` per request or in the denylist, one at a
 * time and with 64 requests in flight, side by side in one run.
 *
 * @example
 * // npm run bench runs it with the others; alone: npx tsx bench/redis-lookup.ts
 * await run();
 */
export async function run(): Promise<void> {
  console.log('# Revocation check: Redis GET per request vs pushed denylist');
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    console.log(
      `SKIPPED: Redis at ${REDIS_URL} is unreachable (${(error as Error).message}); set TESSERA_TEST_REDIS_URL`,
    );
    redis.disconnect();
    return;
  }
  const prefix = `tessera-bench:${randomBytes(6).toString('hex')}:revoked:`;
  try {
    await compare(redis, prefix);
  } finally {
    await deleteRedisKeys(prefix);
    redis.disconnect();
  }
}

async function compare(redis: Redis, prefix: string): Promise<void> {
  const key = await generateSigningKey('EdDSA');
  const token = signAccessToken(
    {
      issuer: ISSUER,
      subject: randomUUID(),
      audience: AUDIENCE,
      clientId: 'orders-web',
      scope: 'orders:read',
      sessionId: randomBytes(16).toString('base64url'),
      ttlSeconds: 900,
    },
    key,
  );
  const now = Date.now();
  const denylist = new Denylist();
  for (let start = 0; start < REVOKED; start += 1000) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(REVOKED, start + 1000); i++) {
      const jti = randomBytes(16).toString('base64url');
      pipeline.set(`${prefix}${jti}`, '1', 'EX', 960);
      denylist.add({
        kind: 'jti',
        value: jti,
        at: now,
        expiresAt: revocationExpiry('jti', now, POLICY),
      });
    }
    await pipeline.exec();
  }
  const verifier = new JwtVerifier({
    keys: new KeySet([key.verificationKey]),
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA'],
  });
  const withDenylist = (): boolean => {
    const { claims, header } = verifier.verify(token);
    return denylist.isRevoked(claims, header);
  };
  const withRedis = async (): Promise<boolean> => {
    const { claims } = verifier.verify(token);
    return (await redis.get(`${prefix}${claims.jti ?? ''}`)) !== null;
  };
  if (withDenylist() || (await withRedis())) throw new Error('the bench token must not be revoked');

  const measured = await measureSideBySide([
    {
      name: 'verify + denylist, one at a time',
      kind: 'async',
      run: () => Promise.resolve(withDenylist()),
    },
    { name: 'verify + Redis GET, one at a time', kind: 'async', run: withRedis },
    {
      name: `verify + denylist, ${IN_FLIGHT} in flight`,
      kind: 'concurrent',
      inFlight: IN_FLIGHT,
      run: () => Promise.resolve(withDenylist()),
    },
    {
      name: `verify + Redis GET, ${IN_FLIGHT} in flight`,
      kind: 'concurrent',
      inFlight: IN_FLIGHT,
      run: withRedis,
    },
  ]);
  const rows: string[][] = [];
  for (const [local, remote] of [
    [measured[0], measured[1]],
    [measured[2], measured[3]],
  ] as const) {
    if (local === undefined || remote === undefined) throw new Error('measurement missing');
    const ratio = compareMeasurements(local, remote);
    rows.push(
      [remote.name, formatOps(remote.opsPerSecond), '', ''],
      [
        local.name,
        formatOps(local.opsPerSecond),
        formatRatio(ratio.median),
        formatSpread(ratio.p25, ratio.p75),
      ],
    );
  }
  console.log(
    `EdDSA token of ${token.length} characters; ${formatOps(REVOKED)} revoked jtis in each. ` +
      'ops/s: wall clock, median over rounds; × Redis: denylist ÷ Redis GET in the same round.\n',
  );
  console.log(
    formatTable(
      [
        { header: 'contender', align: 'left' },
        { header: 'ops/s', align: 'right' },
        { header: '× Redis', align: 'right' },
        { header: 'middle half', align: 'right' },
      ],
      rows,
    ),
  );
  console.log(
    '\nNo target: this shows what a network round trip per request costs next to a lookup in ' +
      'memory, on loopback (a real network adds its latency on top).',
  );
  if (benchSettings.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

// Run when started directly (`npx tsx bench/redis-lookup.ts`), not when imported by bench/run.ts.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
