import { availableParallelism, cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { PasswordHasher } from '../src/sessions/password-hasher.js';
import { measureSideBySide, type Contender } from './internal/measure.js';
import { benchSettings, type BenchSettings } from './internal/settings.js';
import { formatOps, formatTable } from './internal/table.js';

/** Name of this benchmark in `npm run bench`. */
export const name = 'argon2';

// One argon2id call takes tens of milliseconds, so the verify benchmark's 120 ms slices would
// hold only a few calls each; fewer, longer slices keep the count honest and the run near 13 s.
const SETTINGS: BenchSettings = benchSettings.quick
  ? { quick: true, rounds: 1, sliceMs: 60, warmupMs: 20 }
  : { quick: false, rounds: 5, sliceMs: 600, warmupMs: 300 };

const PASSWORD = 'correct horse battery staple';

/**
 * Password hashes and verifications per second with Tessera's default argon2id parameters, one
 * at a time and four at a time. Four is libuv's default thread-pool size, and @node-rs/argon2
 * runs on that pool, so four in flight show what a server gets from its cores (at most
 * min(4, cores) × the single rate) and what each login waits while others are hashed.
 *
 * @example
 * // npm run bench runs it with the others; alone: npx tsx bench/argon2.ts
 * await run();
 */
export async function run(): Promise<void> {
  const hasher = new PasswordHasher();
  const stored = await hasher.hash(PASSWORD);
  const contenders: Contender[] = [];
  for (const inFlight of [1, 4]) {
    contenders.push(
      { name: 'hash', kind: 'concurrent', inFlight, run: () => hasher.hash(PASSWORD) },
      { name: 'verify', kind: 'concurrent', inFlight, run: () => hasher.verify(stored, PASSWORD) },
    );
  }
  printPreamble(hasher);
  const measurements = await measureSideBySide(contenders, SETTINGS);
  const rows = measurements.map((measurement, i) => {
    const contender = contenders[i];
    const inFlight = contender?.kind === 'concurrent' ? contender.inFlight : 1;
    const perOpMs = (1000 * inFlight) / measurement.opsPerSecond;
    return [
      measurement.name,
      String(inFlight),
      formatOps(measurement.opsPerSecond),
      Number.isFinite(perOpMs) ? perOpMs.toFixed(1) : 'n/a',
      measurement.coresUsed.toFixed(2),
    ];
  });
  console.log('');
  console.log(
    formatTable(
      [
        { header: 'operation', align: 'left' },
        { header: 'in flight', align: 'right' },
        { header: 'ops/s', align: 'right' },
        { header: 'ms each', align: 'right' },
        { header: 'cores', align: 'right' },
      ],
      rows,
    ),
  );
  if (SETTINGS.quick) console.log('BENCH_QUICK=1: smoke test only, the numbers mean nothing.');
}

function printPreamble(hasher: PasswordHasher): void {
  const { memoryKiB, passes, parallelism } = hasher.parameters;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  console.log(`# argon2id benchmark${SETTINGS.quick ? ' (BENCH_QUICK=1)' : ''}`);
  console.log(
    `argon2id m=${memoryKiB} KiB (${(memoryKiB / 1024).toFixed(0)} MiB), t=${passes}, ` +
      `p=${parallelism}; @node-rs/argon2 on the libuv thread pool`,
  );
  console.log(
    `node ${process.version}, ${availableParallelism()} × ${cpu}, load ${load}, ` +
      `UV_THREADPOOL_SIZE=${process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)'}`,
  );
  console.log(
    `${SETTINGS.rounds} rounds × ${SETTINGS.sliceMs} ms per row after ${SETTINGS.warmupMs} ms ` +
      'warm-up. ops/s: median over rounds, wall clock. ms each: wall time one call waits ' +
      '(in flight ÷ ops/s). cores: CPU time ÷ wall time.',
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
