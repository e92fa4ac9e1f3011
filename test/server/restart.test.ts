import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RevocationFollower } from '../../src/revocation/revocation-follower.js';
import { resolveServerConfig } from '../../src/server/server-config.js';
import { startServer } from '../../src/server/start-server.js';
import {
  addUser,
  FAST_PASSWORDS,
  ISSUER,
  login,
  postForm,
  readResponse,
  refresh,
  ServerHarness,
  stringField,
  withBearer,
  type Json,
} from '../support/server-fixture.js';

// What survives a restart on the same data directory (all of it: users, sessions, refresh
// tokens, signing keys, revocations), and what a failed start leaves behind (nothing).

const harness = new ServerHarness();
const blockers: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(
    blockers.splice(0).map(
      (blocker) =>
        new Promise((resolve) => {
          blocker.close(resolve);
        }),
    ),
  );
  await harness.cleanup();
});

async function kids(url: string): Promise<unknown[]> {
  const jwks = await readResponse(await fetch(`${url}/.well-known/jwks.json`));
  return (jwks.body['keys'] as Json[]).map((key) => key['kid']);
}

/** A port something else already listens on. */
async function takenPort(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('restart on the same data directory', () => {
  it('keeps users, sessions, refresh tokens, the signing key and revocations', async () => {
    const dataDir = await harness.tempDir();
    const first = await harness.start({ dataDir });
    expect(first.server.masterKey.source).toBe('created');
    const userId = await addUser(first.server, 'alice');
    const kept = await login(first.url, 'alice');
    const loggedOut = await login(first.url, 'alice');
    const tokenRevoked = await login(first.url, 'alice');
    expect(
      (await withBearer(`${first.url}/auth/logout`, loggedOut.accessToken, 'POST')).status,
    ).toBe(204);
    await postForm(`${first.url}/oauth/revoke`, {
      token: tokenRevoked.accessToken,
      client_id: 'tessera',
    });
    const kidBefore = await kids(first.url);
    await harness.stop(first.server);

    const second = await harness.start({ dataDir });
    const { url } = second;

    expect(second.server.masterKey.source).toBe('file');
    const keyFile = await stat(join(dataDir, 'master.key'));
    expect(keyFile.mode & 0o777).toBe(0o600);
    expect(await kids(url)).toEqual(kidBefore);
    // Tokens signed before the restart verify with the same key...
    expect((await withBearer(`${url}/auth/sessions`, kept.accessToken)).status).toBe(200);
    // ...and revocations made before it still hold, from the first request on.
    const afterLogout = await withBearer(`${url}/auth/sessions`, loggedOut.accessToken);
    expect(afterLogout.status).toBe(401);
    expect(afterLogout.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await withBearer(`${url}/auth/sessions`, tokenRevoked.accessToken)).status).toBe(401);
    expect((await refresh(url, loggedOut.refreshToken)).body['error']).toBe('invalid_grant');

    const rotated = await refresh(url, kept.refreshToken);
    expect(rotated.status).toBe(200);
    expect(
      (await withBearer(`${url}/auth/sessions`, stringField(rotated.body, 'access_token'))).status,
    ).toBe(200);
    expect((await refresh(url, tokenRevoked.refreshToken)).status).toBe(200);

    const again = await login(url, 'alice');
    const sessions = await withBearer(`${url}/auth/sessions`, again.accessToken);
    expect((sessions.body['sessions'] as Json[]).map((s) => s['id']).sort()).toEqual(
      [kept.sessionId, tokenRevoked.sessionId, again.sessionId].sort(),
    );
    expect(userId).not.toBe('');
  });
});

describe('a start that fails', () => {
  it('says the port is taken in one line, and leaves nothing running', async () => {
    const port = await takenPort();
    const dataDir = await harness.tempDir();
    const catchUp = vi.spyOn(RevocationFollower.prototype, 'catchUp');
    const config = resolveServerConfig({ port: String(port), issuer: ISSUER, dataDir }, {});

    const failure = startServer(config, { passwords: FAST_PASSWORDS, env: {} });

    await expect(failure).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
    // The follower that read the log at start must not go on polling a closed store (it
    // polls every second; three seconds would show two polls).
    const callsAtFailure = catchUp.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(catchUp.mock.calls.length).toBe(callsAtFailure);
  });
});
