import { randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { generateSigningKey, JwtVerifier, KeySet, signAccessToken } from '../src/index.js';
import type { JwsHeader, JwtClaims } from '../src/index.js';
import { Denylist, revocationExpiry, type RevocationKind } from '../src/revocation/index.js';
import type { RevocationEvent } from '../src/revocation/index.js';
import { findGc } from './internal/find-gc.js';
import { compareMeasurements, measureSideBySide } from './internal/measure.js';
import { benchSettings, type BenchSettings } from './internal/settings.js';
import { median } from './internal/stats.js';
import {
  formatInterval,
  formatOps,
  formatRatio,
  formatSpread,
  formatTable,
} from './internal/table.js';
import { formatTargetSummary, type TargetCheck } from './internal/targets.js';
import { AUDIENCE, ISSUER } from './internal/verify-fixtures.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'denylist';

const ENTRIES = 1_000_000;
const MEMORY_ENTRIES = 100_000;
const KINDS: readonly RevocationKind[] = ['jti', 'sid', 'sub', 'kid'];
const POLICY = { maxTokenLifetimeSeconds: 900, clockToleranceSeconds: 30 };
/** A full denylist may cost at most this share of verify speed: ≤ 5% slower for HS256, ≤ 1% EdDSA. */
const TARGETS = { HS256: 0.95, EdDSA: 0.99 } as const;
type Alg = keyof typeof TARGETS;
/** Distinct probe tokens for the bare lookup, cycled so the big maps see scattered keys. */
const PROBES = 4096;
/**
 * Distinct tokens verified in turn. One token alone keeps every map bucket it touches in the
 * CPU cache; real traffic brings new jti, sid and sub values, whose lookups miss the cache.
 */
const TOKEN_POOL = 1024;
/**
 * The differences sought (1% of an EdDSA verify) are smaller than the spread of the rounds'
 * ratios on a shared machine (±4–10% with 100 ms slices), so the verify comparison takes many
 * short rounds instead: the machine changes less within a few milliseconds, and the median of
 * a thousand ratios is known to a few tenths of a percent (the summary prints its 95%
 * interval). A 4 ms slice is hundreds of HS256 verifications, dozens of EdDSA ones.
 */
const VERIFY_SETTINGS: BenchSettings = benchSettings.quick
  ? benchSettings
  : { ...benchSettings, rounds: 1000, sliceMs: 4 };

/**
 * What the denylist costs a verifier: `JwtVerifier.verify` with `isRevoked` backed by an empty
 * denylist beside one holding 1,000,000 entries, for HS256 and EdDSA, side by side; then the
 * bare `isRevoked` lookup and the memory the denylist takes per 100,000 entries.
 */
export async function run(): Promise<void> {
  printPreamble();
  const now = Date.now();
  const started = performance.now();
  const full = new Denylist();
  full.addAll(generateEvents(ENTRIES, now));
  const buildSeconds = (performance.now() - started) / 1000;
  const sizes = full.sizes();
  console.log(
    `\n1M denylist: ${formatOps(full.size)} entries (jti ${formatOps(sizes.jti)}, sid ` +
      `${formatOps(sizes.sid)}, sub ${formatOps(sizes.sub)}, kid ${formatOps(sizes.kid)}), ` +
      `built in ${buildSeconds.toFixed(2)} s. No token below is revoked, but each one's sub is ` +
      'listed with an older revoked-before time (its user logged out everywhere, then signed in ' +
      'again), so jti, sid, sub + iat and kid are all looked up.',
  );

  const checks: TargetCheck[] = [];
  for (const alg of ['HS256', 'EdDSA'] as const)
    checks.push(...(await measureVerify(alg, full, now)));
  await measureBareLookup(full, now);
  measureMemory(now);
  console.log('');
  console.log(formatTargetSummary('DENYLIST BENCHMARK', checks));
  if (benchSettings.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

async function measureVerify(alg: Alg, full: Denylist, now: number): Promise<TargetCheck[]> {
  const key = await generateSigningKey(alg);
  // The tokens' users logged out everywhere a minute before the tokens were issued.
  const at = now - 60_000;
  const tokens = Array.from({ length: TOKEN_POOL }, () => {
    const subject = randomUUID();
    full.add({ kind: 'sub', value: subject, at, expiresAt: revocationExpiry('sub', at, POLICY) });
    return signAccessToken(
      {
        issuer: ISSUER,
        subject,
        audience: AUDIENCE,
        clientId: 'orders-web',
        scope: 'openid profile orders:read orders:write',
        sessionId: randomBytes(16).toString('base64url'),
        ttlSeconds: 900,
      },
      key,
    );
  });
  const token = tokens[0] ?? '';
  const empty = new Denylist();
  const options = {
    keys: new KeySet([key.verificationKey]),
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: [alg],
  };
  const withEmpty = new JwtVerifier({ ...options, isRevoked: (c, h) => empty.isRevoked(c, h) });
  const withFull = new JwtVerifier({ ...options, isRevoked: (c, h) => full.isRevoked(c, h) });
  // The control: a second empty denylist, measured like the others. It should read 1.00×; how
  // far it strays is the harness's own error, to keep in mind when reading the 1M rows.
  const control = new Denylist();
  const withControl = new JwtVerifier({
    ...options,
    isRevoked: (c, h) => control.isRevoked(c, h),
  });

  // Each contender must really verify, and the full list must really hold every token's sub.
  for (const jwt of tokens) {
    const { claims, header } = withFull.verify(jwt);
    withEmpty.verify(jwt);
    if (!full.isRevoked({ ...claims, iat: at / 1000 - 1 }, header)) {
      throw new Error("the 1M denylist does not hold the token's sub");
    }
  }

  const cycle = (verifier: JwtVerifier): (() => unknown) => {
    let i = 0;
    return () => {
      i = (i + 1) & (TOKEN_POOL - 1);
      return verifier.verify(tokens[i] ?? token);
    };
  };
  const measured = await measureSideBySide(
    [
      { name: 'one token, empty denylist', kind: 'sync', run: () => withEmpty.verify(token) },
      { name: 'one token, 1M denylist', kind: 'sync', run: () => withFull.verify(token) },
      { name: `${TOKEN_POOL} tokens, empty denylist`, kind: 'sync', run: cycle(withEmpty) },
      { name: `${TOKEN_POOL} tokens, 1M denylist`, kind: 'sync', run: cycle(withFull) },
      {
        name: `${TOKEN_POOL} tokens, another empty one`,
        kind: 'sync',
        run: cycle(withControl),
      },
    ],
    VERIFY_SETTINGS,
  );
  const rows: string[][] = [];
  const checks: TargetCheck[] = [];
  // Each 1M row (and the control) against the empty row of the same scenario, round by round.
  for (const [what, base, top] of [
    ['one token', measured[0], measured[1]],
    [`${TOKEN_POOL} tokens`, measured[2], measured[3]],
    ['control', measured[2], measured[4]],
  ] as const) {
    if (base === undefined || top === undefined) throw new Error('measurement missing');
    const ratio = compareMeasurements(top, base);
    const slowdown = formatPercent(1 - ratio.median);
    if (what !== 'control') {
      rows.push([base.name, formatOps(base.opsPerSecond), formatOps(base.opsPerCpuSecond)]);
    }
    rows.push([
      top.name,
      formatOps(top.opsPerSecond),
      formatOps(top.opsPerCpuSecond),
      formatRatio(ratio.median),
      formatInterval(ratio.low95, ratio.high95),
      formatSpread(ratio.p25, ratio.p75),
      slowdown,
    ]);
    if (what === 'control') continue;
    checks.push({
      subject: `${alg.padEnd(5)}  ${what}: 1M denylist vs empty [${ratio.basis}]`,
      ratio,
      atLeast: TARGETS[alg],
      note: `slowdown ${slowdown} (target <= ${formatPercent(1 - TARGETS[alg])})`,
    });
  }
  printTable(`${alg} verify (tokens of ${token.length} characters)`, rows, [
    'ops/s',
    'ops/CPU-s',
    '× empty',
    'median (95%)',
    'middle half',
    'slowdown',
  ]);
  return checks;
}

/**
 * The lookup alone, over distinct tokens (so the big tables are read at scattered places) and
 * over one token (compute only, every line in the CPU caches): tokens whose sub is listed with
 * an older time, the common case, which the sub filter answers from its latest time; tokens
 * whose sub is listed with a later time, which are revoked and take the whole path
 * (fingerprint, record); and tokens whose sub is not listed.
 */
async function measureBareLookup(full: Denylist, now: number): Promise<void> {
  const header: JwsHeader = { alg: 'EdDSA', kid: randomBytes(32).toString('base64url') };
  const listed = generateEvents(PROBES * 4, now).filter((event) => event.kind === 'sub');
  full.addAll(listed);
  const iat = Math.floor(now / 1000);
  const probes = (subs: readonly string[], issuedAt = iat): JwtClaims[] =>
    subs.map((sub) => ({
      iss: ISSUER,
      aud: AUDIENCE,
      exp: issuedAt + 900,
      iat: issuedAt,
      sub,
      jti: randomBytes(16).toString('base64url'),
      sid: randomBytes(16).toString('base64url'),
    }));
  const lookup = (
    list: Denylist,
    claims: readonly JwtClaims[],
    revoked = false,
    mask = PROBES - 1,
  ): (() => boolean) => {
    if (claims.some((c) => list.isRevoked(c, header) !== revoked)) {
      throw new Error(`a probe is ${revoked ? 'not ' : ''}revoked`);
    }
    let i = 0;
    return () => {
      i = (i + 1) & mask;
      const c = claims[i];
      return c !== undefined && list.isRevoked(c, header);
    };
  };
  const withListedSub = probes(listed.map((event) => event.value));
  // Issued 11 minutes ago: before every listed sub's revoked-before time.
  const revokedBySub = probes(
    listed.map((event) => event.value),
    iat - 660,
  );
  const withOtherSub = probes(Array.from({ length: PROBES }, () => flatUuid()));
  const measured = await measureSideBySide([
    { name: 'empty denylist', kind: 'sync', run: lookup(new Denylist(), withListedSub) },
    { name: '1M denylist, sub listed', kind: 'sync', run: lookup(full, withListedSub) },
    {
      name: '1M denylist, sub listed, one token',
      kind: 'sync',
      run: lookup(full, withListedSub, false, 0),
    },
    { name: '1M denylist, revoked by sub', kind: 'sync', run: lookup(full, revokedBySub, true) },
    {
      name: '1M denylist, revoked by sub, one token',
      kind: 'sync',
      run: lookup(full, revokedBySub, true, 0),
    },
    { name: '1M denylist, sub not listed', kind: 'sync', run: lookup(full, withOtherSub) },
  ]);
  const rows = measured.map((m) => [
    m.name,
    formatOps(m.opsPerCpuSecond),
    (1e9 / m.opsPerCpuSecond).toFixed(1),
  ]);
  printTable(`Bare isRevoked (${formatOps(PROBES)} distinct tokens, cycled, or one)`, rows, [
    'ops/CPU-s',
    'ns/op',
  ]);
  console.log(
    'ns/op includes picking the next probe. Each lookup samples jti, sid and sub afresh and ' +
      'fingerprints those its filters do not clear (the kid of one key is remembered), as it ' +
      'does in verify. "Revoked by sub": the token predates its sub\'s revoked-before time, so ' +
      'the sub is fingerprinted and its record read.',
  );
}

/** Memory taken by a denylist of 100,000 entries (25,000 per kind), value strings included. */
function measureMemory(now: number): void {
  const found = findGc();
  console.log(`\n## Memory per ${formatOps(MEMORY_ENTRIES)} entries (25,000 per kind)`);
  if (found === undefined) {
    console.log('skipped: no way to force a GC here; run `npx tsx --expose-gc bench/denylist.ts`');
    return;
  }
  const { gc, method } = found;
  // heapUsed, plus arrayBuffers for the filters' Int32Array storage, which lives off the heap.
  const settle = (): number => {
    gc();
    gc();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const measure = (build: () => unknown): { bytes: number; kept: unknown } => {
    const before = settle();
    const kept = build();
    return { bytes: settle() - before, kept };
  };
  const kept: unknown[] = [];
  const totals: number[] = [];
  let tables = 0;
  for (let round = 0; round < 3; round++) {
    const events = generateEvents(MEMORY_ENTRIES, now);
    const list = measure(() => {
      const denylist = new Denylist();
      denylist.addAll(events);
      return denylist;
    });
    totals.push(list.bytes);
    tables = (list.kept as Denylist).byteLength;
    // Held until every round is measured, so no collection frees them mid-measure.
    kept.push(list.kept);
  }
  const total = median(totals);
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    `${mb(total)} (${(total / MEMORY_ENTRIES).toFixed(0)} B/entry), of which typed arrays ` +
      `${mb(tables)}, outside the collected heap; the value strings are not kept. Median of 3 ` +
      `(${kept.length} structures held). Method: ${method}.`,
  );
}

/**
 * `count` live revocations spread evenly over the kinds, with realistic values: 128-bit
 * base64url jti and sid, UUID subjects, RFC 7638 thumbprint-sized kids.
 */
function generateEvents(count: number, now: number): RevocationEvent[] {
  const random = randomBytes(count * 32);
  const events: RevocationEvent[] = [];
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length] ?? 'jti';
    const offset = i * 32;
    const value =
      kind === 'sub'
        ? flatUuid()
        : random.toString('base64url', offset, offset + (kind === 'kid' ? 32 : 16));
    // Revoked one to ten minutes ago: older than any probe token, live for the whole run.
    const at = now - 60_000 - (i % 540_000);
    events.push({ kind, value, at, expiresAt: revocationExpiry(kind, at, POLICY) });
  }
  return events;
}

/**
 * A UUID as one flat string, as JSON.parse makes them. `randomUUID()` concatenates its string
 * from pieces (a tree of cons strings, several times larger until something flattens it).
 */
function flatUuid(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}

/** A `##` title, then a table: contender names left, the `numeric` columns right. */
function printTable(title: string, rows: string[][], numeric: readonly string[]): void {
  const columns = numeric.map((header) => ({ header, align: 'right' as const }));
  console.log(`\n## ${title}`);
  console.log(formatTable([{ header: 'contender', align: 'left' }, ...columns], rows));
}

function formatPercent(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : 'n/a';
}

function printPreamble(): void {
  const { rounds, sliceMs, warmupMs, quick } = VERIFY_SETTINGS;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(`# Denylist benchmark${quick ? ' (BENCH_QUICK=1)' : ''}`);
  console.log(`node ${process.version}, ${availableParallelism()} × ${cpu}, load ${load}`);
  console.log(
    `verify: ${rounds} rounds × ${sliceMs} ms per contender after ${warmupMs} ms warm-up ` +
      `(bare isRevoked: ${benchSettings.rounds} × ${benchSettings.sliceMs} ms), order rotating ` +
      'every round. ops/s, ops/CPU-s: medians over rounds. × empty: median over rounds of (rate ÷ ' +
      'empty-denylist rate in the same round), on CPU time; median (95%): its confidence ' +
      'interval. slowdown: 1 − × empty. "Another empty one" is the control: a second empty ' +
      'denylist, which should read 1.00×.',
  );
}

// Run when started directly (`npx tsx bench/denylist.ts`), not when imported by bench/run.ts.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
