import { benchSettings, type BenchSettings } from './settings.js';
import { median, summarisePairedRatio, type RatioSummary } from './stats.js';

/** One thing being timed. `run` does one operation (one verification, say). */
export type Contender =
  /** Called back to back on the main thread. */
  | { readonly name: string; readonly kind: 'sync'; readonly run: () => unknown }
  /** Awaited one at a time: the cost of the promise machinery is part of what is measured. */
  | { readonly name: string; readonly kind: 'async'; readonly run: () => Promise<unknown> }
  /**
   * Kept `inFlight` calls outstanding (a new call starts as soon as one finishes), as a server
   * under load would; throughput is completions per second.
   */
  | {
      readonly name: string;
      readonly kind: 'concurrent';
      readonly inFlight: number;
      readonly run: () => Promise<unknown>;
    };

/**
 * Which clock a comparison uses. A sync contender keeps the main thread busy for its whole
 * slice, so its rate per CPU second is what it would do on an idle core: time the scheduler
 * gives to other processes on a shared machine does not count against it. Contenders that wait
 * (on a promise, on the thread pool) are measured by the wall clock, since waiting and using
 * several cores are part of what they are measured for.
 */
export type Basis = 'cpu' | 'wall';

/** What was measured for one contender. */
export interface Measurement {
  readonly name: string;
  readonly basis: Basis;
  /** Operations per wall-clock second in each round, in round order (same index, same round). */
  readonly wallPerRound: readonly number[];
  /** Operations per CPU second of the whole process in each round. */
  readonly cpuPerRound: readonly number[];
  /** Median over rounds of operations per wall-clock second. */
  readonly opsPerSecond: number;
  /** Median over rounds of operations per CPU second. */
  readonly opsPerCpuSecond: number;
  /**
   * Median over rounds of CPU time per wall-clock time: about 1 for a sync contender on a free
   * core, less when other processes take the core, up to the core count for parallel work.
   */
  readonly coresUsed: number;
}

/** One slice's rates. */
interface Rates {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * How `a` compares with `b`, round by round, on the clock both can be judged by: CPU time when
 * both are sync, the wall clock otherwise.
 */
export function compareMeasurements(
  a: Measurement,
  b: Measurement,
): RatioSummary & { basis: Basis } {
  const basis: Basis = a.basis === 'cpu' && b.basis === 'cpu' ? 'cpu' : 'wall';
  const ratio =
    basis === 'cpu'
      ? summarisePairedRatio(a.cpuPerRound, b.cpuPerRound)
      : summarisePairedRatio(a.wallPerRound, b.wallPerRound);
  return { ...ratio, basis };
}

/** Target length of one uninterrupted batch of sync or sequential calls. */
const BATCH_MS = 1;
const MAX_BATCH = 100_000;

/** Results go here so the engine cannot drop calls whose result is unused. */
let sink: unknown;

/** The last value a contender returned; read it so the sink counts as used. */
export function lastResult(): unknown {
  return sink;
}

interface Prepared {
  readonly contender: Contender;
  /** Calls per batch, sized from the warm-up so a batch lasts about {@link BATCH_MS}. */
  readonly batch: number;
}

/**
 * Time `contenders` side by side: after a warm-up, every round gives each contender one slice
 * of time, in an order that rotates and reverses from round to round, so slow periods of a
 * shared machine fall on all contenders alike. Compare contenders by their per-round ratios.
 */
export async function measureSideBySide(
  contenders: readonly Contender[],
  settings: BenchSettings = benchSettings,
): Promise<Measurement[]> {
  const prepared: Prepared[] = [];
  for (const contender of contenders) {
    const { wall } = await runSlice(contender, 1, settings.warmupMs);
    const batch = Math.min(MAX_BATCH, Math.max(1, Math.round((wall * BATCH_MS) / 1000)));
    prepared.push({ contender, batch });
  }
  const perRound = contenders.map((): Rates[] => []);
  for (let round = 0; round < settings.rounds; round++) {
    for (const index of roundOrder(contenders.length, round)) {
      const entry = prepared[index];
      const results = perRound[index];
      if (entry === undefined || results === undefined) continue;
      results[round] = await runSlice(entry.contender, entry.batch, settings.sliceMs);
    }
  }
  return contenders.map((contender, index) => {
    const rates = perRound[index] ?? [];
    const wallPerRound = rates.map((rate) => rate.wall);
    const cpuPerRound = rates.map((rate) => rate.cpu);
    return {
      name: contender.name,
      basis: contender.kind === 'sync' ? 'cpu' : 'wall',
      wallPerRound,
      cpuPerRound,
      opsPerSecond: median(wallPerRound),
      opsPerCpuSecond: median(cpuPerRound),
      coresUsed: median(rates.map((rate) => rate.wall / rate.cpu)),
    };
  });
}

/** Indices of `count` contenders for `round`: rotated by the round, reversed on odd rounds. */
export function roundOrder(count: number, round: number): number[] {
  const order = Array.from({ length: count }, (_, i) => (i + round) % count);
  return round % 2 === 1 ? order.reverse() : order;
}

/** Run `contender` for about `sliceMs` and return its operations per second on each clock. */
async function runSlice(contender: Contender, batch: number, sliceMs: number): Promise<Rates> {
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let ops: number;
  switch (contender.kind) {
    case 'sync':
      ops = runSyncSlice(contender.run, batch, start + sliceMs);
      break;
    case 'async':
      ops = await runSequentialSlice(contender.run, batch, start + sliceMs);
      break;
    case 'concurrent':
      ops = await runConcurrentSlice(contender.run, contender.inFlight, start + sliceMs);
      break;
  }
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { wall: (ops * 1000) / wallMs, cpu: cpuMs > 0 ? (ops * 1000) / cpuMs : Number.NaN };
}

/** Call `run` in batches until `end`; returns the number of calls. */
function runSyncSlice(run: () => unknown, batch: number, end: number): number {
  let ops = 0;
  do {
    for (let i = 0; i < batch; i++) sink = run();
    ops += batch;
  } while (performance.now() < end);
  return ops;
}

async function runSequentialSlice(
  run: () => Promise<unknown>,
  batch: number,
  end: number,
): Promise<number> {
  let ops = 0;
  do {
    for (let i = 0; i < batch; i++) sink = await run();
    ops += batch;
  } while (performance.now() < end);
  return ops;
}

async function runConcurrentSlice(
  run: () => Promise<unknown>,
  inFlight: number,
  end: number,
): Promise<number> {
  let ops = 0;
  // Each lane starts its next call as soon as its last one settles: `inFlight` stay outstanding.
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      sink = await run();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return ops;
}
