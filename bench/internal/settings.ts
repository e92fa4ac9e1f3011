/**
 * How long each benchmark runs. `BENCH_QUICK=1` shrinks everything to a smoke test that only
 * shows the benchmarks still run; its numbers mean nothing.
 */
export interface BenchSettings {
  /** True under `BENCH_QUICK=1`. */
  readonly quick: boolean;
  /** Measured rounds; every contender runs once per round, in an order that changes each round. */
  readonly rounds: number;
  /** Length of one contender's turn in one round. */
  readonly sliceMs: number;
  /** Unmeasured run of each contender before the first round (JIT, caches, thread pool). */
  readonly warmupMs: number;
}

function readSettings(): BenchSettings {
  const quick = process.env['BENCH_QUICK'] === '1';
  return Object.freeze(
    quick
      ? { quick, rounds: 3, sliceMs: 25, warmupMs: 25 }
      : { quick, rounds: 25, sliceMs: 120, warmupMs: 300 },
  );
}

/** Settings for this process, read once from the environment. */
export const benchSettings: BenchSettings = readSettings();
