import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationsConfig } from '../../src/server/operations/operations-config.js';
import { resolveServerConfig, type ServerConfig } from '../../src/server/server-config.js';
import {
  startServer,
  type RunningServer,
  type StartServerOptions,
} from '../../src/server/start-server.js';
import { FAST_PASSWORDS, ISSUER, type ConfigFlags } from '../support/server-fixture.js';

/** A metrics token long enough for the server to accept. */
export const METRICS_TOKEN = 'metrics-token-for-tests-0123456789abcdef';

/** Parse Prometheus text into `name{labels}` → value (labels as printed, sorted by prom-client). */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

/** Servers with the operations settings `tessera serve` adds, all closed by {@link cleanup}. */
export class OperationsHarness {
  readonly #servers: RunningServer[] = [];
  readonly #dirs: string[] = [];

  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-ops-test-'));
    this.#dirs.push(dir);
    return dir;
  }

  async start(
    options: {
      readonly metricsToken?: string;
      readonly flags?: ConfigFlags;
      readonly logger?: StartServerOptions['logger'];
    } = {},
  ): Promise<RunningServer> {
    const dataDir = await this.tempDir();
    const config = resolveServerConfig(
      { port: '0', issuer: ISSUER, dataDir, ...options.flags },
      {},
    );
    const full: ServerConfig & OperationsConfig =
      options.metricsToken === undefined
        ? config
        : { ...config, metricsToken: options.metricsToken };
    const server = await startServer(full, {
      passwords: FAST_PASSWORDS,
      env: {},
      logger: options.logger ?? false,
    });
    this.#servers.push(server);
    return server;
  }

  async cleanup(): Promise<void> {
    const servers = this.#servers.splice(0);
    await Promise.allSettled(servers.map((server) => server.close()));
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
