import { expect } from 'vitest';
import { TestClock } from './forge.js';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyResult } from 'jose';
import {
  MIN_ARGON2_MEMORY_KIB,
  MIN_ARGON2_MEMORY_PASSES,
  PasswordHasher,
} from '../../src/sessions/password-hasher.js';
import { normalizeUsername } from '../../src/sessions/username.js';
import { resolveServerConfig, type ServerConfig } from '../../src/server/server-config.js';
import {
  startServer,
  type RunningServer,
  type StartServerOptions,
} from '../../src/server/start-server.js';
import type { Clock } from '../../src/token/clock.js';
import { generateOpaqueToken, hashOpaqueToken } from '../../src/token/opaque-token.js';

// Shared helpers of the HTTP tests in test/server: real servers on 127.0.0.1 port 0, each on
// its own temporary data directory, driven with fetch.

/** The issuer every test server is configured with; tokens carry it as `iss` and `aud`. */
export const ISSUER = 'http://127.0.0.1';

/** A password the policy would accept, used for most test users. */
export const PASSWORD = 'correct horse battery staple';

/**
 * The cheapest argon2id the hasher accepts (its floor: m=7168 KiB, t=5), so that logins cost
 * milliseconds. One instance per process: it caches its dummy hash for unknown users.
 */
export const FAST_PASSWORDS = new PasswordHasher({
  memoryKiB: MIN_ARGON2_MEMORY_KIB,
  passes: Math.ceil(MIN_ARGON2_MEMORY_PASSES / MIN_ARGON2_MEMORY_KIB),
  parallelism: 1,
});

/** A clock that moves only when told (starts at the real time). */
export class ManualClock extends TestClock {
  constructor(start: number = Date.now()) {
    super(start);
  }
}

/** Settings of a test server, as the CLI would pass them (strings). */
export type ConfigFlags = Partial<Record<keyof ServerConfig, string>>;

/** What {@link ServerHarness.start} accepts. */
export interface StartOptions {
  readonly flags?: ConfigFlags;
  readonly clock?: Clock;
  /**
   * Test hooks of startServer: revocation polling, a log that can be made to fail, and a
   * password hasher in place of {@link FAST_PASSWORDS}.
   */
  readonly hooks?: Pick<
    StartServerOptions,
    'revocationPolling' | 'wrapRevocationLog' | 'passwords'
  >;
  /** Reuse a data directory (a restart); default a new temporary one. */
  readonly dataDir?: string;
}

/** A started test server and where its data lives. */
export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly dataDir: string;
}

/**
 * Starts servers and temporary directories and closes and removes all of them in `cleanup`
 * (call it from afterEach or afterAll), so a failing test leaks nothing.
 */
export class ServerHarness {
  readonly #servers = new Set<RunningServer>();
  readonly #dirs: string[] = [];

  /** A new empty temporary directory, removed by {@link cleanup}. */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-server-test-'));
    this.#dirs.push(dir);
    return dir;
  }

  async start(options: StartOptions = {}): Promise<TestServer> {
    const dataDir = options.dataDir ?? (await this.tempDir());
    const config = resolveServerConfig(
      { port: '0', issuer: ISSUER, dataDir, ...options.flags },
      {},
    );
    const server = await startServer(config, {
      passwords: FAST_PASSWORDS,
      // An empty environment: no TESSERA_MASTER_KEY from the shell running the tests.
      env: {},
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...options.hooks,
    });
    this.#servers.add(server);
    return { server, url: server.url, dataDir };
  }

  /** Close one server now (for a restart); {@link cleanup} skips it afterwards. */
  async stop(server: RunningServer): Promise<void> {
    this.#servers.delete(server);
    await server.close();
  }

  /** Close every server started so far, keeping the directories (a later start may reuse one). */
  async stopServers(): Promise<void> {
    const servers = [...this.#servers];
    this.#servers.clear();
    await Promise.all(servers.map((server) => server.close()));
  }

  async cleanup(): Promise<void> {
    const servers = [...this.#servers];
    this.#servers.clear();
    const results = await Promise.allSettled(servers.map((server) => server.close()));
    const dirs = this.#dirs.splice(0);
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }
}

/** Add a user the way `tessera users add` does; returns its id. */
export async function addUser(
  server: RunningServer,
  name: string,
  password: string = PASSWORD,
): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await server.context.store.createUser(
    {
      id,
      username: normalizeUsername(name),
      passwordHash: await FAST_PASSWORDS.hash(password),
      disabled: false,
      createdAt: now,
      passwordChangedAt: now,
    },
    audit('user.created', id),
  );
  return id;
}

/**
 * Add an OAuth client the way `tessera clients add` does: confidential (returns its secret)
 * unless `isPublic`, in which case it returns null.
 */
export async function addClient(
  server: RunningServer,
  clientId: string,
  options: { readonly scopes?: readonly string[]; readonly isPublic?: boolean } = {},
): Promise<string | null> {
  const secret = options.isPublic === true ? null : generateOpaqueToken();
  await server.context.store.createClient(
    {
      clientId,
      secretHash: secret === null ? null : hashOpaqueToken(secret),
      scopes: options.scopes ?? [],
      createdAt: Date.now(),
    },
    audit('client.created', null),
  );
  return secret;
}

function audit(type: string, userId: string | null) {
  return { at: Date.now(), type, userId, sessionId: null, clientId: null, ip: null, detail: {} };
}

/** A JSON body as a plain record, so tests read fields without casts at every use. */
export type Json = Record<string, unknown>;

/** The response and its parsed JSON body (an empty body reads as `{}`). */
export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Json;
  readonly text: string;
}

export async function readResponse(response: Response): Promise<JsonResponse> {
  const text = await response.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`expected a JSON object, got ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body: parsed as Json, text };
}

/** POST a JSON body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  return readResponse(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** POST an `application/x-www-form-urlencoded` body; pairs allow a repeated parameter. */
export async function postForm(
  url: string,
  params: Record<string, string> | readonly (readonly [string, string])[],
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const form = new URLSearchParams();
  const entries: readonly (readonly [string, string])[] = isPairs(params)
    ? params
    : Object.entries(params);
  for (const [key, value] of entries) form.append(key, value);
  return readResponse(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: form.toString(),
    }),
  );
}

function isPairs(
  params: Record<string, string> | readonly (readonly [string, string])[],
): params is readonly (readonly [string, string])[] {
  return Array.isArray(params);
}

/** A request with a bearer token. */
export async function withBearer(
  url: string,
  token: string,
  method: 'GET' | 'POST' | 'DELETE' = 'GET',
): Promise<JsonResponse> {
  return readResponse(await fetch(url, { method, headers: { authorization: `Bearer ${token}` } }));
}

/** RFC 6749 §2.3.1 Basic credentials: each part form-urlencoded, then base64. */
export function basic(clientId: string, secret: string): Record<string, string> {
  const encode = (part: string): string => encodeURIComponent(part).replace(/%20/g, '+');
  const credentials = Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64');
  return { authorization: `Basic ${credentials}` };
}

/** Tokens of a successful login. */
export interface LoginTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly sessionId: string;
}

/** A string field of a JSON body. @throws when it is missing or not a string. */
export function stringField(body: Json, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') {
    throw new TypeError(`expected a string ${name} in ${JSON.stringify(body)}`);
  }
  return value;
}

/** Log in through `/auth/login`. @throws when the login does not succeed. */
export async function login(
  url: string,
  username: string,
  password: string = PASSWORD,
): Promise<LoginTokens> {
  const response = await postJson(`${url}/auth/login`, { username, password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return {
    accessToken: stringField(response.body, 'access_token'),
    refreshToken: stringField(response.body, 'refresh_token'),
    sessionId: stringField(response.body, 'session_id'),
  };
}

/** Exchange a refresh token of the first-party client at `/oauth/token`. */
export function refresh(url: string, refreshToken: string): Promise<JsonResponse> {
  return postForm(`${url}/oauth/token`, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: 'tessera',
  });
}

/**
 * Verify an access token with jose against the server's published JWKS (fetched afresh), as
 * an API in another process would: RFC 9068 `typ`, issuer, audience and EdDSA only.
 */
export function verifyWithJose(
  url: string,
  token: string,
  options: { readonly currentDate?: Date; readonly clockToleranceSeconds?: number } = {},
): Promise<JWTVerifyResult> {
  const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`), { cacheMaxAge: 0 });
  return jwtVerify(token, jwks, {
    issuer: ISSUER,
    audience: ISSUER,
    typ: 'at+jwt',
    algorithms: ['EdDSA'],
    clockTolerance: options.clockToleranceSeconds ?? 0,
    ...(options.currentDate === undefined ? {} : { currentDate: options.currentDate }),
  });
}

/** Counts of one session's refresh tokens, read from the SQLite file itself. */
export interface RefreshTokenCounts {
  /** Unspent tokens. */
  readonly unspent: number;
  /** Unspent tokens of a session that has not ended: ones a client could still use. */
  readonly live: number;
  readonly sessionEnded: boolean;
}

/** Read the refresh tokens of a session straight from the database (a second, read-only connection). */
export function countRefreshTokens(server: RunningServer, sessionId: string): RefreshTokenCounts {
  const database = new BetterSqlite3(server.context.config.db, {
    readonly: true,
    fileMustExist: true,
  });
  try {
    const unspent = database
      .prepare<[string], { n: number }>(
        'select count(*) as n from refresh_tokens where session_id = ? and spent_at is null',
      )
      .get(sessionId);
    const session = database
      .prepare<[string], { ended_at: number | null }>('select ended_at from sessions where id = ?')
      .get(sessionId);
    if (session === undefined) throw new Error(`no session ${sessionId}`);
    const sessionEnded = session.ended_at !== null;
    const count = unspent?.n ?? 0;
    return { unspent: count, live: sessionEnded ? 0 : count, sessionEnded };
  } finally {
    database.close();
  }
}

/** Poll `check` until it returns true, or fail after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Lines that look like a JavaScript stack frame. */
export const STACK_FRAME = /^\s+at\s|\bat [\w.<>]+ \(.*:\d+:\d+\)/m;

/** A JSON error answer of the auth routes: `status`, `error` and a description, no-store, no stack. */
export function expectJsonError(response: JsonResponse, status: number, error: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.body['error']).toBe(error);
  expect(typeof response.body['error_description']).toBe('string');
  expect(Object.keys(response.body).sort()).toEqual(['error', 'error_description']);
  expect(response.text).not.toMatch(STACK_FRAME);
}
