import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Once per `vitest run`: a folder where the first test file that needs the built CLI builds it
 * and the others wait (see `buildCli` in test/support/serve-process.ts). Builds from several
 * files at once would rewrite `dist/` under each other's running processes.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-build-'));
  process.env['TESSERA_TEST_BUILD_DIR'] = dir;
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
