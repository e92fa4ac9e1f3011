import { Cluster } from '../../test/support/cluster.js';
import { buildCli } from '../../test/support/serve-process.js';
import { POSTGRES_URL, REDIS_URL, serviceProblem } from '../../test/support/services.js';

/**
 * Why a benchmark that needs PostgreSQL and Redis cannot run here (a line to print before
 * skipping), or null when both answer. The URLs are the tests' (TESSERA_TEST_*_URL).
 */
export async function missingServices(): Promise<string | null> {
  for (const service of ['postgres', 'redis'] as const) {
    const problem = await serviceProblem(service);
    if (problem !== null) {
      const url = service === 'redis' ? REDIS_URL : POSTGRES_URL;
      return `SKIPPED: ${service} at ${url} is unreachable (${problem})`;
    }
  }
  return null;
}

/**
 * Run `body` on a fresh cluster (a PostgreSQL database and a Redis prefix of its own, the CLI
 * built), removed afterwards; without the services, print why and skip.
 */
export async function onFreshCluster(body: (cluster: Cluster) => Promise<void>): Promise<void> {
  const missing = await missingServices();
  if (missing !== null) {
    console.log(missing);
    return;
  }
  await buildCli();
  const cluster = await Cluster.create();
  try {
    await body(cluster);
  } finally {
    await cluster.close();
  }
}
