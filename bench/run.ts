import * as argon2 from './argon2.js';
import * as denylist from './denylist.js';
import * as refresh from './refresh.js';
import * as verify from './verify.js';

/** A benchmark: a module with a name and a `run` that prints its own tables and targets. */
interface BenchModule {
  readonly name: string;
  run(): Promise<void>;
}

/** Every benchmark `npm run bench` runs, in order. Add new ones here. */
const BENCHMARKS: readonly BenchModule[] = [verify, denylist, argon2, refresh];

for (const bench of BENCHMARKS) {
  const started = performance.now();
  await bench.run();
  console.log(
    `\n(${bench.name} benchmark took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}
