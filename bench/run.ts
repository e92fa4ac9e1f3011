import * as argon2 from './argon2.js';
import * as denylist from './denylist.js';
import * as gateway from './gateway.js';
import * as introspection from './introspection.js';
import * as propagation from './propagation.js';
import * as redisLookup from './redis-lookup.js';
import * as refreshPostgres from './refresh-postgres.js';
import * as refresh from './refresh.js';
import * as verify from './verify.js';

/** A benchmark: a module with a name and a `run` that prints its own tables and targets. */
interface BenchModule {
  readonly name: string;
  run(): Promise<void>;
}

/** Every benchmark `npm run bench` runs, in order. Add new ones here. */
const BENCHMARKS: readonly BenchModule[] = [
  verify,
  denylist,
  redisLookup,
  introspection,
  argon2,
  refresh,
  refreshPostgres,
  propagation,
  gateway,
];

for (const bench of BENCHMARKS) {
  const started = performance.now();
  await bench.run();
  console.log(
    `\n(${bench.name} benchmark took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}
