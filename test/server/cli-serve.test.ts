import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolvePostgresUrl } from '../../src/store/postgres/postgres-target.js';
import {
  basic,
  login,
  postForm,
  postJson,
  readResponse,
  refresh,
  ServerHarness,
  STACK_FRAME,
  stringField,
  waitFor,
  withBearer,
} from '../support/server-fixture.js';
import { createTestDatabase, describeWithService, type TestDatabase } from '../support/services.js';
import { SseStream } from './sse-stream.js';
import {
  buildCli,
  ProcessGroup,
  tessera,
  type Run,
  type ServeProcess,
} from '../support/serve-process.js';

// The built CLI as operators run it: `tessera serve` in a child process, and the admin
// commands writing to the data directory of a server that is running.

const harness = new ServerHarness();
const processes = new ProcessGroup();
const blockers: Server[] = [];

beforeAll(buildCli, 180_000);

afterEach(async () => {
  await processes.killAll();
  for (const blocker of blockers.splice(0)) blocker.close();
  await harness.cleanup();
});

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const address = probe.address();
  await new Promise((done) => probe.close(done));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Start `tessera serve` and wait until it prints `until` (or exits, or times out). */
function serve(args: readonly string[], until: RegExp): Promise<ServeProcess> {
  return processes.serve(args, {}, until);
}

// Child processes start slowly on a busy machine.
const SLOW = { timeout: 60_000 };

const PASSPHRASE = 'a long passphrase of yours';

/** `tessera users add <name> --password-stdin` with {@link PASSPHRASE}; it must exit 0. */
async function addUserByCli(name: string, dataArgs: readonly string[]): Promise<Run> {
  const added = await tessera(
    ['users', 'add', name, '--password-stdin', ...dataArgs],
    `${PASSPHRASE}\n`,
  );
  expect(added.code, added.stderr).toBe(0);
  return added;
}

/** `tessera clients add <args>`, which must exit 0; the secret it showed, if any. */
async function addClientByCli(
  args: readonly string[],
  dataArgs: readonly string[],
): Promise<string | undefined> {
  const added = await tessera(['clients', 'add', ...args, ...dataArgs]);
  expect(added.code, added.stderr).toBe(0);
  return /client secret \(shown once, store it now\): (\S+)/.exec(added.stdout)?.[1];
}

describe('tessera serve', SLOW, () => {
  it('prints where it listens and the first-run hint, serves, and stops on SIGTERM', async () => {
    const dataDir = await harness.tempDir();
    const { output, stop } = await serve(
      ['--port', '0', '--issuer', 'http://127.0.0.1', '--data-dir', dataDir],
      /auth\/sessions -H/,
    );
    const { stdout } = output();
    const url = /listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(stdout)?.[1];
    expect(url, stdout).toBeDefined();
    expect(stdout).toContain(`data in ${dataDir}`);
    expect(stdout).toContain('created master key');
    expect(stdout).toContain('No users yet.');
    expect(stdout).toContain(`users add alice --password-stdin --data-dir ${dataDir}`);
    expect(stdout).toContain(`curl -s ${url ?? ''}/auth/login`);

    const health = await readResponse(await fetch(`${url ?? ''}/healthz`));
    expect(health.body['status']).toBe('ok');

    // A verifier following the revocation feed must not keep the server from stopping.
    const feed = await SseStream.open(`${url ?? ''}/revocations/stream`);
    expect((await feed.next()).event).toBe('ready');

    const outcome = await Promise.race([
      stop(),
      new Promise((done) => setTimeout(done, 15_000, 'still running')),
    ]);
    expect(outcome).toBe(0);
    expect(await feed.ended()).toBe(true);
    expect(output().stdout).toContain('stopping');
    expect(output().stderr).toBe('');
  });

  it('exits 1 with one clear line when the port is taken', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const dataDir = await harness.tempDir();

    const result = await tessera([
      'serve',
      '--port',
      String(port),
      '--issuer',
      'http://127.0.0.1',
      '--data-dir',
      dataDir,
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`tessera: port ${port} on 127.0.0.1 is already in use\n`);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('exits 1 with one clear line when PostgreSQL is unreachable, never showing the password', async () => {
    const port = await closedPort();
    const dataDir = await harness.tempDir();
    const db = `postgres://tessera:hunter2-secret@127.0.0.1:${port}/tessera`;
    const expected =
      `tessera: cannot connect to PostgreSQL at 127.0.0.1:${port}, database "tessera", ` +
      'user "tessera": connection refused (is PostgreSQL running and listening there?) ' +
      '(ERR_STORE_UNAVAILABLE)\n';
    const served = await tessera([
      'serve',
      '--port',
      '0',
      '--issuer',
      'http://127.0.0.1',
      '--data-dir',
      dataDir,
      '--db',
      db,
    ]);
    const listed = await tessera(['users', 'list', '--data-dir', dataDir, '--db', db]);
    for (const result of [served, listed]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(expected);
      expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2');
    }
  });

  it.each([
    [['--access-token-ttl', '5'], '--access-token-ttl'],
    [['--refresh-grace', '61'], '--refresh-grace'],
    [['--key-prepublish', '60', '--jwks-max-age', '300'], '--key-prepublish'],
  ])('exits 64 naming the flag for a bad setting (%j)', async (flags, named) => {
    const dataDir = await harness.tempDir();
    const result = await tessera([
      'serve',
      '--port',
      '0',
      '--issuer',
      'http://127.0.0.1',
      '--data-dir',
      dataDir,
      ...flags,
    ]);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(named);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('admin commands against the data directory of a running server', SLOW, () => {
  it('users add, clients add and revoke --user reach the server', async () => {
    const { url, dataDir } = await harness.start();
    const data = ['--data-dir', dataDir];

    const added = await addUserByCli('Alice', data);
    expect(added.stdout).toMatch(/^added user alice \(id [0-9a-f-]{36}\)\n$/);

    const secret = await addClientByCli(['reporting', '--scope', 'read write'], data);
    expect(secret).toBeDefined();
    const granted = await postForm(
      `${url}/oauth/token`,
      { grant_type: 'client_credentials' },
      basic('reporting', secret ?? ''),
    );
    expect(granted.status).toBe(200);
    expect(granted.body['scope']).toBe('read write');

    const tokens = await login(url, 'alice', PASSPHRASE);
    expect((await withBearer(`${url}/auth/sessions`, tokens.accessToken)).status).toBe(200);

    const revoked = await tessera(['revoke', '--user', 'alice', '--data-dir', dataDir]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe('revoked every token of alice (1 sessions ended)\n');

    // The CLI wrote to the log from another process; the server's follower reads it every
    // second. Allow for a slow machine, but it should take about a second.
    const started = Date.now();
    await waitFor(
      'the server to reject the revoked token',
      async () => (await withBearer(`${url}/auth/sessions`, tokens.accessToken)).status === 401,
      5_000,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await refresh(url, tokens.refreshToken)).body['error']).toBe('invalid_grant');
  });

  it("clients remove revokes the client's tokens and ends its sessions on the running server", async () => {
    const { server, url, dataDir } = await harness.start();
    const data = ['--data-dir', dataDir];
    const secret = (await addClientByCli(['reporting', '--scope', 'read'], data)) ?? '';
    const auditorSecret = (await addClientByCli(['auditor'], data)) ?? '';
    await addClientByCli(['mobile', '--public', '--scope', 'read'], data);
    await addUserByCli('alice', data);

    const granted = await postForm(
      `${url}/oauth/token`,
      { grant_type: 'client_credentials' },
      basic('reporting', secret),
    );
    const serviceToken = stringField(granted.body, 'access_token');
    const active = async (token: string): Promise<unknown> =>
      (await postForm(`${url}/oauth/introspect`, { token }, basic('auditor', auditorSecret))).body[
        'active'
      ];
    expect(await active(serviceToken)).toBe(true);
    const app = await postJson(`${url}/auth/login`, {
      username: 'alice',
      password: PASSPHRASE,
      client_id: 'mobile',
    });
    const appToken = stringField(app.body, 'access_token');
    const web = await login(url, 'alice', PASSPHRASE);

    for (const clientId of ['reporting', 'mobile']) {
      const removed = await tessera(['clients', 'remove', clientId, '--data-dir', dataDir]);
      expect(removed.code, removed.stderr).toBe(0);
      expect(removed.stdout).toBe(
        `removed client ${clientId} and revoked its tokens and sessions\n`,
      );
    }
    // The server reads the log every second.
    await waitFor(
      'the service token to be revoked',
      async () => (await active(serviceToken)) === false,
      5_000,
    );
    await waitFor(
      "the removed app's session to end",
      async () => (await withBearer(`${url}/auth/sessions`, appToken)).status === 401,
      5_000,
    );
    const { store } = server.context;
    const appSession = await store.findSession(stringField(app.body, 'session_id'));
    expect(appSession?.endReason).toBe('client_removed');
    // Reaching past the removal: servers with clocks ahead still have their tokens caught.
    const events = await store.revocationsAfter(0, 100, Date.now());
    const removal = events.find((event) => event.kind === 'sub' && event.value === 'reporting');
    expect(removal?.at).toBeGreaterThan(Date.now() + 20_000);
    // Other clients' tokens and sessions are untouched.
    expect((await withBearer(`${url}/auth/sessions`, web.accessToken)).status).toBe(200);
    const again = await tessera(['clients', 'remove', 'reporting', '--data-dir', dataDir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('no client "reporting"');
    // The built-in first-party client is neither removed nor replaced.
    for (const command of ['remove', 'add']) {
      const builtIn = await tessera(['clients', command, 'tessera', '--data-dir', dataDir]);
      expect(builtIn.code).not.toBe(0);
      expect(builtIn.stderr).toContain("the server's own first-party client");
    }
    expect((await withBearer(`${url}/auth/sessions`, web.accessToken)).status).toBe(200);
  });
});

/** The `kid` in the protected header of a compact JWS. */
function kidOf(token: string): unknown {
  const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as {
    kid?: unknown;
  };
  return header.kid;
}

describe('emergency revocation of the signing key', SLOW, () => {
  it('keys revoke --rotate replaces the active key of a running server in one command', async () => {
    const { url, dataDir } = await harness.start();
    await addUserByCli('alice', ['--data-dir', dataDir]);
    const before = await login(url, 'alice', PASSPHRASE);
    const leaked = kidOf(before.accessToken);
    expect(typeof leaked).toBe('string');

    // Without --rotate the active key is refused: the server would have nothing to sign with.
    const refused = await tessera(['keys', 'revoke', String(leaked), '--data-dir', dataDir]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--rotate');
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    expect((await withBearer(`${url}/auth/sessions`, before.accessToken)).status).toBe(200);

    const revoked = await tessera([
      'keys',
      'revoke',
      String(leaked),
      '--rotate',
      '--data-dir',
      dataDir,
    ]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const successor = /^key (\S+) \(EdDSA\) signs from now on/m.exec(revoked.stdout)?.[1];
    expect(successor).toBeDefined();
    expect(successor).not.toBe(leaked);

    // The server follows the log about once a second: within a few seconds every token of the
    // old key is refused, and the server signs with the new one, well before its 30 s
    // maintenance would have read the keys again.
    const started = Date.now();
    await waitFor(
      'the server to refuse the old key and sign with the new one',
      async () =>
        (await withBearer(`${url}/auth/sessions`, before.accessToken)).status === 401 &&
        kidOf((await login(url, 'alice', PASSPHRASE)).accessToken) === successor,
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    const after = await login(url, 'alice', PASSPHRASE);
    expect((await withBearer(`${url}/auth/sessions`, after.accessToken)).status).toBe(200);
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((key) => key.kid)).toEqual([successor]);
  });
});

await describeWithService('postgres', 'tessera serve and the admin commands on PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it(
    'shows the database without its password, and the admin CLI reaches the same database',
    SLOW,
    async () => {
      const dataDir = await harness.tempDir();
      // The test server trusts local connections, so any password is accepted (and must not show).
      const db = new URL(resolvePostgresUrl(database.url).connectionString);
      db.password = 'hunter2-secret';
      const { output } = await serve(
        [
          '--port',
          '0',
          '--issuer',
          'http://127.0.0.1',
          '--data-dir',
          dataDir,
          '--db',
          db.toString(),
        ],
        /auth\/sessions -H/,
      );
      const { stdout, stderr } = output();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout)?.[1] ?? '';
      expect(stdout, stderr).toContain(
        `database ${db.toString().replace('hunter2-secret', '***')}\n`,
      );
      // The first-run hint points the admin command at the same database.
      expect(stdout).toContain(
        `--data-dir ${dataDir} --db '${db.toString().replace('hunter2-secret', '***')}'`,
      );
      expect(`${stdout}${stderr}`).not.toContain('hunter2');

      await addUserByCli('alice', ['--data-dir', dataDir, '--db', db.toString()]);
      const tokens = await login(url, 'alice', PASSPHRASE);
      expect((await withBearer(`${url}/auth/sessions`, tokens.accessToken)).status).toBe(200);
    },
  );
});
