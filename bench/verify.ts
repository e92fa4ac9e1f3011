import { availableParallelism, cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { compareMeasurements, measureSideBySide, type Measurement } from './internal/measure.js';
import { benchSettings } from './internal/settings.js';
import { formatOps, formatRatio, formatSpread, formatTable } from './internal/table.js';
import { formatTargetSummary, type TargetCheck } from './internal/targets.js';
import { createVerifyContenders, type VerifyContenderId } from './internal/verify-contenders.js';
import {
  BENCH_ALGORITHMS,
  createVerifyFixture,
  type BenchAlgorithm,
} from './internal/verify-fixtures.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'verify';

/** Tessera sync must keep this share of the floor's speed: its checks must cost almost nothing. */
const SYNC_TARGETS: Readonly<Record<BenchAlgorithm, number>> = {
  EdDSA: 0.97,
  ES256: 0.97,
  RS256: 0.97,
  // HMAC is so cheap that parsing and checking claims are a larger share of the work.
  HS256: 0.9,
};
/** verifyAsync must put the thread pool to work: this many times the single-thread floor. */
const ASYNC_TARGET = 1.6;
const ASYNC_TARGET_ALGORITHMS: readonly BenchAlgorithm[] = ['EdDSA', 'ES256'];

type Measured = ReadonlyMap<VerifyContenderId, Measurement>;

/**
 * Verification speed of Tessera beside bare `node:crypto`, jose, fast-jwt and jsonwebtoken,
 * for EdDSA, ES256, RS256 and HS256, with one RFC 9068 access token and one imported key each.
 */
export async function run(): Promise<void> {
  printPreamble();
  const checks: TargetCheck[] = [];
  for (const alg of BENCH_ALGORITHMS) {
    const fixture = await createVerifyFixture(alg);
    const entries = await createVerifyContenders(fixture);
    const measurements = await measureSideBySide(entries.map((entry) => entry.contender));
    const measured = new Map<VerifyContenderId, Measurement>();
    entries.forEach((entry, i) => {
      const measurement = measurements[i];
      if (measurement !== undefined) measured.set(entry.id, measurement);
    });
    printAlgorithmTable(alg, fixture.token.length, measurements, measured);
    checks.push(...targetChecks(alg, measured));
  }
  console.log('');
  console.log(formatTargetSummary('VERIFY BENCHMARK', checks));
  if (benchSettings.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

function printPreamble(): void {
  const { rounds, sliceMs, warmupMs, quick } = benchSettings;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(`# Verify benchmark${quick ? ' (BENCH_QUICK=1)' : ''}`);
  console.log(
    `node ${process.version}, ${availableParallelism()} × ${cpu}, load ${load}, ` +
      `UV_THREADPOOL_SIZE=${process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)'}`,
  );
  console.log(
    `${rounds} rounds × ${sliceMs} ms per contender after ${warmupMs} ms warm-up; the order ` +
      'rotates and reverses every round.',
  );
  console.log(
    [
      'ops/s: median over rounds, wall clock. ops/CPU-s: median over rounds, per second of the',
      "process's CPU time (user + system, all threads). × floor: median over rounds of",
      "(contender rate ÷ floor rate in the same round), on the row's basis: cpu for sync",
      'contenders (immune to the scheduler lending the core to other processes), wall for',
      'contenders that await or run in parallel. middle half: 25th–75th percentile of that ratio.',
      'cores: CPU time ÷ wall time (below 1 for a sync row = other processes took the core).',
    ].join('\n'),
  );
}

function printAlgorithmTable(
  alg: BenchAlgorithm,
  tokenLength: number,
  measurements: readonly Measurement[],
  measured: Measured,
): void {
  const floor = measured.get('floor');
  const rows = measurements.map((measurement) => {
    const ratio = floor === undefined ? undefined : compareMeasurements(measurement, floor);
    return [
      measurement.name,
      formatOps(measurement.opsPerSecond),
      formatOps(measurement.opsPerCpuSecond),
      measurement.coresUsed.toFixed(2),
      formatRatio(ratio?.median ?? Number.NaN),
      formatSpread(ratio?.p25 ?? Number.NaN, ratio?.p75 ?? Number.NaN),
      ratio?.basis ?? '',
    ];
  });
  console.log('');
  console.log(`## ${alg} (access token of ${tokenLength} characters)`);
  console.log(
    formatTable(
      [
        { header: 'contender', align: 'left' },
        { header: 'ops/s', align: 'right' },
        { header: 'ops/CPU-s', align: 'right' },
        { header: 'cores', align: 'right' },
        { header: '× floor', align: 'right' },
        { header: 'middle half', align: 'right' },
        { header: 'basis', align: 'left' },
      ],
      rows,
    ),
  );
}

function targetChecks(alg: BenchAlgorithm, measured: Measured): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const compare = (
    subject: VerifyContenderId,
    base: VerifyContenderId,
    atLeast: number,
    note?: (top: Measurement) => string,
  ): void => {
    const top = measured.get(subject);
    const bottom = measured.get(base);
    if (top === undefined || bottom === undefined) return;
    const ratio = compareMeasurements(top, bottom);
    checks.push({
      subject: `${alg.padEnd(5)}  ${top.name} vs ${bottom.name} [${ratio.basis}]`,
      ratio,
      atLeast,
      ...(note === undefined ? {} : { note: note(top) }),
    });
  };
  compare('tessera', 'floor', SYNC_TARGETS[alg]);
  if (ASYNC_TARGET_ALGORITHMS.includes(alg)) {
    compare('tesseraAsync', 'floor', ASYNC_TARGET, (top) => {
      const ceiling = measured.get('floorAsync');
      const versusCeiling =
        ceiling === undefined
          ? ''
          : `, ${formatRatio(compareMeasurements(top, ceiling).median)} of ${ceiling.name}`;
      return `used ${top.coresUsed.toFixed(2)} of ${availableParallelism()} cores${versusCeiling}`;
    });
  }
  compare('tesseraCacheHit', 'fastJwtCacheHit', 1);
  return checks;
}

// Run when started directly (`npm run bench:verify`), not when imported by bench/run.ts.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
