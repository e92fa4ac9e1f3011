import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, cleanEnv, CLI, ROOT, tessera } from '../support/serve-process.js';
import {
  basic,
  PASSWORD,
  postForm,
  postJson,
  readResponse,
  stringField,
  waitFor,
  withBearer,
} from '../support/server-fixture.js';

// A full flow against `tessera serve --log-level trace` whose log goes to a file, then the
// file is searched for every credential the flow used. None may appear, in whole or in part.

const METRICS_TOKEN = 'metrics-token-never-logged-0123456789abcdefgh';
const COOKIE_SECRET = 'cookie-value-never-logged-0123456789';
const WRONG_PASSWORD = 'a wrong password never logged';

let dir = '';
let logFile = '';
let child: ChildProcess | null = null;
let url = '';
const secrets = new Set<string>([PASSWORD, WRONG_PASSWORD, METRICS_TOKEN, COOKIE_SECRET]);

function remember(...values: string[]): void {
  for (const value of values) {
    secrets.add(value);
    // A JWT's signature and payload are each enough to matter; its header is shared by all.
    const parts = value.split('.');
    if (parts.length === 3) for (const part of parts.slice(1)) secrets.add(part);
  }
}

/** Every `size`-character substring of `value` (the value itself when it is shorter). */
function windowsOf(value: string, size: number): string[] {
  if (value.length <= size) return [value];
  return Array.from({ length: value.length - size + 1 }, (_, at) => value.slice(at, at + size));
}

beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(join(tmpdir(), 'tessera-logs-test-'));
  logFile = join(dir, 'server.log');
  const data = ['--data-dir', join(dir, 'data')];
  const added = await tessera(
    ['users', 'add', 'alice', '--password-stdin', ...data],
    `${PASSWORD}\n`,
  );
  expect(added.code).toBe(0);
  const client = await tessera(['clients', 'add', 'svc', '--scope', 'read', ...data]);
  const secret = /client secret[^:]*: (\S+)/.exec(client.stdout)?.[1] ?? '';
  expect(secret.length).toBeGreaterThan(20);
  remember(secret);
  await writeFile(join(dir, 'metrics.token'), `${METRICS_TOKEN}\n`, { mode: 0o600 });
  const fd = openSync(logFile, 'w');
  child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--issuer',
      'http://127.0.0.1',
      '--log-level',
      'trace',
      // The test is the proxy: its X-Request-Id is kept, and so must be found in the log.
      '--trust-proxy',
      '127.0.0.1',
      '--metrics-token-file',
      join(dir, 'metrics.token'),
      ...data,
    ],
    { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  await waitFor(
    'the server to listen',
    async () => /listening on http/.test(await readFile(logFile, 'utf8')),
    30_000,
    50,
  );
  url = /listening on (http:\/\/\S+)/.exec(await readFile(logFile, 'utf8'))?.[1] ?? '';
}, 240_000);

afterAll(async () => {
  if (child !== null && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe('the server log of a full flow', () => {
  it('holds no token, password, client secret or cookie value', async () => {
    const clientSecret =
      [...secrets].find(
        (s) => s.length > 20 && !s.includes(' ') && s !== METRICS_TOKEN && s !== COOKIE_SECRET,
      ) ?? '';
    const cookie = { cookie: `__Host-tessera=${COOKIE_SECRET}`, 'x-request-id': 'flow-check-1' };
    const first = await postJson(
      `${url}/auth/login`,
      { username: 'alice', password: PASSWORD },
      cookie,
    );
    expect(first.status).toBe(200);
    const access = stringField(first.body, 'access_token');
    const refreshToken = stringField(first.body, 'refresh_token');
    remember(access, refreshToken);
    expect(
      (await postJson(`${url}/auth/login`, { username: 'alice', password: WRONG_PASSWORD })).status,
    ).toBe(401);
    expect(
      (await postJson(`${url}/auth/login`, { username: 'nobody', password: WRONG_PASSWORD }))
        .status,
    ).toBe(401);

    expect((await withBearer(`${url}/auth/sessions`, access)).status).toBe(200);
    expect((await withBearer(`${url}/auth/sessions`, `${access.slice(0, -6)}AAAAAA`)).status).toBe(
      401,
    );
    expect((await withBearer(`${url}/auth/sessions`, 'garbage.token.value')).status).toBe(401);
    // RFC 6750 §2.3: a token in the query string must not reach the log either.
    await fetch(`${url}/auth/sessions?access_token=${access}`);

    const refresh = (token: string) =>
      postForm(
        `${url}/oauth/token`,
        { grant_type: 'refresh_token', refresh_token: token, client_id: 'tessera' },
        cookie,
      );
    const second = await refresh(refreshToken);
    const secondRefresh = stringField(second.body, 'refresh_token');
    remember(stringField(second.body, 'access_token'), secondRefresh);
    const third = await refresh(secondRefresh);
    remember(stringField(third.body, 'access_token'), stringField(third.body, 'refresh_token'));
    expect((await refresh(refreshToken)).status).toBe(400); // reuse: the session ends

    const again = await postJson(`${url}/auth/login`, { username: 'alice', password: PASSWORD });
    const access2 = stringField(again.body, 'access_token');
    const refresh2 = stringField(again.body, 'refresh_token');
    remember(access2, refresh2);
    const introspected = await postForm(
      `${url}/oauth/introspect`,
      { token: refresh2 },
      basic('svc', clientSecret),
    );
    expect(introspected.body['active']).toBe(true);
    expect(
      (
        await postForm(`${url}/oauth/introspect`, {
          token: access2,
          client_id: 'svc',
          client_secret: clientSecret,
        })
      ).status,
    ).toBe(200);
    expect(
      (await postForm(`${url}/oauth/revoke`, { token: access2, client_id: 'tessera' })).status,
    ).toBe(200);
    expect(
      (await postForm(`${url}/oauth/revoke`, { token: refresh2, client_id: 'tessera' })).status,
    ).toBe(200);

    const granted = await postForm(
      `${url}/oauth/token`,
      { grant_type: 'client_credentials' },
      basic('svc', clientSecret),
    );
    remember(stringField(granted.body, 'access_token'));
    const inBody = await postForm(`${url}/oauth/token`, {
      grant_type: 'client_credentials',
      client_id: 'svc',
      client_secret: clientSecret,
    });
    remember(stringField(inBody.body, 'access_token'));
    expect(
      (
        await postForm(
          `${url}/oauth/token`,
          { grant_type: 'client_credentials' },
          basic('svc', `${clientSecret}x`),
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await postForm(`${url}/oauth/token`, {
          grant_type: 'client_credentials',
          client_id: 'svc',
          client_secret: WRONG_PASSWORD,
        })
      ).status,
    ).toBe(401);
    // A body the schema refuses, carrying a password: the validation error is logged.
    expect(
      (
        await postJson(`${url}/auth/login`, {
          username: 'alice',
          password: PASSWORD,
          extra: PASSWORD,
        })
      ).status,
    ).toBe(400);

    const metrics = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(metrics.status).toBe(200);
    expect(
      (
        await readResponse(
          await fetch(`${url}/metrics`, {
            headers: { authorization: `Bearer ${METRICS_TOKEN.slice(1)}` },
          }),
        )
      ).status,
    ).toBe(401);
    expect(
      (await withBearer(`${url}/auth/logout`, stringField(third.body, 'access_token'), 'POST'))
        .status,
    ).toBe(401);

    // Let the last lines reach the file, then read it.
    await new Promise((done) => setTimeout(done, 300));
    const log = await readFile(logFile, 'utf8');
    const lines = log.split('\n').filter((line) => line.startsWith('{'));
    // Not vacuous: the log holds every request of the flow, with the request id given.
    expect(lines.length).toBeGreaterThan(40);
    expect(log).toContain('"reqId":"flow-check-1"');
    expect(log).toContain('"url":"/oauth/token"');
    expect(secrets.size).toBeGreaterThan(25);
    const leaked = [...secrets].filter((secret) => log.includes(secret));
    expect(leaked.map((s) => `${s.slice(0, 6)}… (${s.length} chars)`)).toEqual([]);
    // Nor any part of one: every 16-character window of each payload, signature, refresh
    // token, password and secret (a log that cut or wrapped a value would still leak it).
    const parts = [...secrets].filter((secret) => secret.split('.').length !== 3);
    const windows = parts.flatMap((part) => windowsOf(part, 16));
    expect(windows.length).toBeGreaterThan(1000);
    const partial = windows.filter((window) => log.includes(window));
    expect(partial.map((w) => `${w.slice(0, 4)}… in a secret`)).toEqual([]);
    // Nothing that even looks like a credential header.
    expect(log).not.toMatch(/"(authorization|cookie|dpop)":"(?!\[redacted\])/i);
  }, 120_000);
});
