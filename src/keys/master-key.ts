import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { generateMasterKey } from './sealer.js';

/** Environment variable that holds the master key (base64url of 32 bytes) instead of a file. */
export const MASTER_KEY_ENV = 'TESSERA_MASTER_KEY';

/** File name of the master key inside the data directory. */
export const MASTER_KEY_FILE = 'master.key';

/** Where the master key came from, for the start-up message. */
export interface LoadedMasterKey {
  readonly key: Buffer;
  readonly source: 'env' | 'file' | 'created';
  readonly path: string | null;
}

/**
 * The master key that seals private keys at rest: from `TESSERA_MASTER_KEY` when set, else
 * from `<dataDir>/master.key`, created with mode 0600 on first start. A key file readable by
 * group or others is refused, like ssh refuses a private key file.
 *
 * @throws Error with a message saying what to fix.
 */
export async function loadMasterKey(
  dataDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadedMasterKey> {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const key = Buffer.from(fromEnv, 'base64url');
    if (key.length !== 32 || key.toString('base64url') !== fromEnv) {
      throw new Error(`${MASTER_KEY_ENV} must be 32 bytes in base64url (43 characters)`);
    }
    return { key, source: 'env', path: null };
  }
  const path = join(dataDir, MASTER_KEY_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw new Error(
        `${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
      );
    }
    const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte master key`);
    return { key, source: 'file', path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = generateMasterKey();
  // O_EXCL: two processes starting at once cannot both create (and disagree on) the key.
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(`${key.toString('base64url')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { key, source: 'created', path };
}
