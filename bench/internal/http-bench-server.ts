import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveServerConfig } from '../../src/server/server-config.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { PasswordHasher, type Argon2Parameters } from '../../src/sessions/password-hasher.js';
import { normalizeUsername } from '../../src/sessions/username.js';
import type { Store } from '../../src/store/store.js';

/** A user the server is started with: username and password as a client logs in with them. */
export interface BenchUser {
  readonly username: string;
  readonly password: string;
}

/** The real auth server, listening on 127.0.0.1 with SQLite in a temporary directory. */
export interface BenchServer {
  /** Where it listens, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The argon2id parameters of its password hasher (the default one). */
  readonly argon2: Argon2Parameters;
  /** Close the server and remove the temporary directory. */
  close(): Promise<void>;
}

/**
 * Start the auth server in this process as `tessera serve` starts it, on port 0 of 127.0.0.1
 * with its data in a new temporary directory, and create `users` with the default hasher.
 *
 * @throws Error when the server cannot start; the temporary directory is removed first.
 */
export async function startBenchServer(users: readonly BenchUser[]): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-bench-'));
  let server: RunningServer;
  try {
    server = await startServer(
      resolveServerConfig({ port: '0', issuer: 'http://127.0.0.1', dataDir }, {}),
    );
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const close = async (): Promise<void> => {
    try {
      await server.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  // startServer made its own hasher with the same (default) parameters.
  const hasher = new PasswordHasher();
  try {
    for (const user of users) await createUser(server.context.store, hasher, user);
  } catch (error) {
    await close();
    throw error;
  }
  return { url: server.url, argon2: hasher.parameters, close };
}

async function createUser(store: Store, hasher: PasswordHasher, user: BenchUser): Promise<void> {
  const now = Date.now();
  const id = randomUUID();
  const username = normalizeUsername(user.username);
  await store.createUser(
    {
      id,
      username,
      passwordHash: await hasher.hash(user.password),
      disabled: false,
      createdAt: now,
      passwordChangedAt: now,
    },
    {
      at: now,
      type: 'user.created',
      userId: id,
      sessionId: null,
      clientId: null,
      ip: null,
      detail: { username },
    },
  );
}
