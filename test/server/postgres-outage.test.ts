import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addUser,
  login,
  PASSWORD,
  postJson,
  readResponse,
  refresh,
  ServerHarness,
  stringField,
  withBearer,
  type JsonResponse,
  type LoginTokens,
} from '../support/server-fixture.js';
import { createTestDatabase, describeWithService, type TestDatabase } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// The auth server on PostgreSQL through a proxy that plays an outage: while the database is
// gone, requests that need it get 503 with Retry-After and the process stays up; once it is
// back, the same requests succeed without a restart.

const harness = new ServerHarness();
let database: TestDatabase;
let proxy: TcpProxy;
let url: string;
let tokens: LoginTokens;

function expectUnavailable(response: JsonResponse): void {
  expect(response.status, response.text).toBe(503);
  expect(response.headers.get('retry-after')).toBe('1');
  expect(response.body['error']).toBe('temporarily_unavailable');
}

await describeWithService('postgres', 'auth server losing PostgreSQL', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    const proxied = await TcpProxy.forDatabase(database.url);
    proxy = proxied.proxy;
    const started = await harness.start({ flags: { db: proxied.url } });
    url = started.url;
    await addUser(started.server, 'alice');
    tokens = await login(url, 'alice');
  });
  afterAll(async () => {
    await harness.cleanup();
    await proxy.close();
    await database.drop();
  });

  it('answers 503 with Retry-After while the database is gone, and recovers without a restart', async () => {
    expect((await withBearer(`${url}/auth/sessions`, tokens.accessToken)).status).toBe(200);

    await proxy.cut();
    expectUnavailable(await withBearer(`${url}/auth/sessions`, tokens.accessToken));
    expectUnavailable(await refresh(url, tokens.refreshToken));
    expectUnavailable(
      await postJson(`${url}/auth/login`, { username: 'alice', password: PASSWORD }),
    );
    // What needs no database still works: the process is up and serving.
    const jwks = await readResponse(await fetch(`${url}/.well-known/jwks.json`));
    expect(jwks.status).toBe(200);

    await proxy.restore();
    expect((await withBearer(`${url}/auth/sessions`, tokens.accessToken)).status).toBe(200);
    // The refresh that failed spent nothing: the same token rotates now.
    const rotated = await refresh(url, tokens.refreshToken);
    expect(rotated.status, rotated.text).toBe(200);
    expect(stringField(rotated.body, 'refresh_token')).not.toBe(tokens.refreshToken);
    await login(url, 'alice');
  });
});
