import { hash as argon2Hash } from '@node-rs/argon2';
import { afterEach, describe, expect, it } from 'vitest';
import { PasswordHasher } from '../../src/sessions/password-hasher.js';
import {
  addClient,
  addUser,
  expectJsonError,
  FAST_PASSWORDS,
  login,
  PASSWORD,
  postJson,
  ServerHarness,
  withBearer,
  type TestServer,
} from '../support/server-fixture.js';

// POST /auth/login while the account changes under it: a password changed, a user disabled or
// a client removed during the password check leaves no session; a weak password hash is
// upgraded, and two logins at once both get in.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

/** A password hasher whose next `hash` or `verify` first runs a step: a concurrent change, a fault. */
class InterruptedHasher extends PasswordHasher {
  beforeHash: (() => Promise<void>) | undefined;
  beforeVerify: (() => Promise<void>) | undefined;

  override async hash(password: string): Promise<string> {
    const step = this.beforeHash;
    this.beforeHash = undefined;
    await step?.();
    return super.hash(password);
  }

  override async verify(storedHash: string, password: string): Promise<boolean> {
    const step = this.beforeVerify;
    this.beforeVerify = undefined;
    await step?.();
    return super.verify(storedHash, password);
  }
}

describe('POST /auth/login while the account changes', () => {
  async function serverWithInterruptedChecks() {
    const passwords = new InterruptedHasher(FAST_PASSWORDS.parameters);
    const started = await harness.start({ hooks: { passwords } });
    const userId = await addUser(started.server, 'alice');
    const audit = { at: Date.now(), type: 'test', userId, sessionId: null, clientId: null };
    return {
      ...started,
      passwords,
      userId,
      store: started.server.context.store,
      audit: { ...audit, ip: null, detail: {} },
    };
  }

  const loginAlice = (url: string) =>
    postJson(`${url}/auth/login`, { username: 'alice', password: PASSWORD });

  it('gives no session on a password changed while it was checked', async () => {
    const { url, passwords, userId, store, audit } = await serverWithInterruptedChecks();
    const changed = await FAST_PASSWORDS.hash('the new passphrase of alice');
    passwords.beforeVerify = async () => {
      await store.setUserPassword(
        userId,
        changed,
        Date.now(),
        null,
        () => {
          throw new Error('alice has no session yet');
        },
        audit,
      );
    };
    expectJsonError(await loginAlice(url), 401, 'invalid_credentials');
    expect(await store.listLiveSessions(userId, Date.now())).toEqual([]);
  });

  it('gives no session to a user disabled while the password was checked', async () => {
    const { url, passwords, userId, store, audit } = await serverWithInterruptedChecks();
    passwords.beforeVerify = async () => {
      expect(await store.setUserDisabled(userId, true, audit)).toBe(true);
    };
    expectJsonError(await loginAlice(url), 401, 'invalid_credentials');
    expect(await store.listLiveSessions(userId, Date.now())).toEqual([]);
  });

  it('gives no session to a client removed while the password was checked', async () => {
    const passwords = new InterruptedHasher(FAST_PASSWORDS.parameters);
    const started = await harness.start({ hooks: { passwords } });
    const userId = await addUser(started.server, 'alice');
    await addClient(started.server, 'mobile', { isPublic: true, scopes: ['read'] });
    const { store } = started.server.context;
    const audit = { at: Date.now(), type: 'test', userId: null, sessionId: null, clientId: null };
    const removal = {
      kind: 'sub' as const,
      value: 'mobile',
      at: Date.now(),
      expiresAt: Date.now() + 60_000,
    };
    passwords.beforeVerify = async () => {
      expect(
        await store.deleteClient('mobile', Date.now(), removal, { ...audit, ip: null, detail: {} }),
      ).toBe(true);
    };
    const response = await postJson(`${started.url}/auth/login`, {
      username: 'alice',
      password: PASSWORD,
      client_id: 'mobile',
    });
    expectJsonError(response, 401, 'invalid_credentials');
    expect(await store.listLiveSessions(userId, Date.now())).toEqual([]);
  });
});

describe('POST /auth/login with a password hash weaker than the server makes', () => {
  /** A server whose alice has a hash as an older release would have stored: 1 MiB, one pass. */
  async function serverWithWeakHash(passwords?: PasswordHasher) {
    const started = await harness.start(passwords === undefined ? {} : { hooks: { passwords } });
    const userId = await addUser(started.server, 'alice');
    const weak = await argon2Hash(PASSWORD, { memoryCost: 1024, timeCost: 1, parallelism: 1 });
    await setHash(started.server, userId, weak);
    return { ...started, userId, weak, store: started.server.context.store };
  }

  async function setHash(server: TestServer['server'], userId: string, hash: string) {
    const audit = { at: Date.now(), type: 'test', userId, sessionId: null, clientId: null };
    await server.context.store.setUserPassword(
      userId,
      hash,
      Date.now(),
      null,
      () => {
        throw new Error('alice has no session to end');
      },
      { ...audit, ip: null, detail: {} },
    );
  }

  it('stores a hash with the current parameters, keeping the password, sessions and audit', async () => {
    const { url, userId, store } = await serverWithWeakHash();
    const first = await login(url, 'alice');
    const upgraded = (await store.findUserById(userId))?.passwordHash ?? '';
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$/);
    expect((await store.listAudit(5)).map((line) => line.type)).toContain('user.password_rehashed');
    // The same password still logs in, and the earlier session lives on.
    await login(url, 'alice');
    expect((await withBearer(`${url}/auth/sessions`, first.accessToken)).status).toBe(200);
    // A hash as strong as the server's is left alone.
    await login(url, 'alice');
    expect((await store.findUserById(userId))?.passwordHash).toBe(upgraded);
  });

  it('refuses the login when the password changed while it was checked, keeping the new one', async () => {
    const passwords = new InterruptedHasher(FAST_PASSWORDS.parameters);
    const { server, url, userId, store } = await serverWithWeakHash(passwords);
    const changed = await FAST_PASSWORDS.hash('the new passphrase of alice');
    passwords.beforeHash = () => setHash(server, userId, changed);
    expectJsonError(
      await postJson(`${url}/auth/login`, { username: 'alice', password: PASSWORD }),
      401,
      'invalid_credentials',
    );
    expect((await store.findUserById(userId))?.passwordHash).toBe(changed);
    expect(await store.listLiveSessions(userId, Date.now())).toEqual([]);
  });

  it('lets two logins at once both in, the later one checking the hash the first stored', async () => {
    const passwords = new InterruptedHasher(FAST_PASSWORDS.parameters);
    const { url, userId, weak, store } = await serverWithWeakHash(passwords);
    let second: Awaited<ReturnType<typeof login>> | undefined;
    passwords.beforeHash = async () => {
      second = await login(url, 'alice');
    };
    const first = await login(url, 'alice');
    expect(second).toBeDefined();
    expect((await store.findUserById(userId))?.passwordHash).not.toBe(weak);
    for (const tokens of [first, second]) {
      expect((await withBearer(`${url}/auth/sessions`, tokens?.accessToken ?? '')).status).toBe(
        200,
      );
    }
  });

  it('still logs in when the new hash cannot be made, and tries again next time', async () => {
    const passwords = new InterruptedHasher(FAST_PASSWORDS.parameters);
    const { url, userId, weak, store } = await serverWithWeakHash(passwords);
    passwords.beforeHash = () => Promise.reject(new Error('out of memory (test)'));
    await login(url, 'alice');
    expect((await store.findUserById(userId))?.passwordHash).toBe(weak);
    await login(url, 'alice');
    expect((await store.findUserById(userId))?.passwordHash).not.toBe(weak);
  });
});
