import type { Command } from 'commander';
import { resolveDataLocation } from '../../server/server-config.js';
import { openState, type OpenedState } from '../../server/start-server.js';

/** The options every admin command shares: where the data lives. */
export interface DataOptions {
  readonly dataDir?: string;
  readonly db?: string;
}

/** Add `--data-dir` and `--db` to an admin command. */
export function withDataOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'data directory (env TESSERA_DATA_DIR, default ./.tessera)')
    .option('--db <path-or-url>', 'database (env TESSERA_DB_URL, default <data-dir>/tessera.db)');
}

/** Open the store and master key that the options name, run `work`, and close the store. */
export async function withState<T>(
  options: DataOptions,
  work: (state: OpenedState) => Promise<T>,
): Promise<T> {
  const state = await openState(resolveDataLocation(options, process.env));
  try {
    return await work(state);
  } finally {
    await state.store.close();
  }
}

/** Revocations made from the command line are kept for the longest lifetime a server may use. */
export const CLI_REVOCATION_HORIZON_MS = (86_400 + 300) * 1000;

/** An audit line for an admin command. */
export function cliAudit(
  type: string,
  detail: Record<string, string> = {},
  userId: string | null = null,
) {
  return {
    at: Date.now(),
    type,
    userId,
    sessionId: null,
    clientId: null,
    ip: null,
    detail: { ...detail, via: 'cli' },
  };
}
