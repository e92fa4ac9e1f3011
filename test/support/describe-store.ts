import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_END_REASONS } from '../../src/store/session-end-reasons.js';
import { StoreError } from '../../src/store/store-error.js';
import type { SessionConditions, Store } from '../../src/store/store.js';
import {
  audit,
  auditTypes,
  conflict,
  DAY,
  key,
  NOW,
  revocation,
  revocationLog,
  rotation,
  seedSession,
  session,
  token,
  user,
} from './describe-store-fixtures.js';
import { describeKeysAndRevocations } from './describe-store-keys.js';
import { describeRotation } from './describe-store-rotation.js';

// One suite for every Store backend (kysely's test/node/src/test-setup.ts style): a backend
// passes when `describeStore('its name', makeStore)` passes, unchanged. Rotation and its
// concurrency tests live in describe-store-rotation.ts, records in describe-store-fixtures.ts.

/** Backend hooks beyond making a fresh, empty store. */
export interface DescribeStoreOptions {
  /** Open the storage behind `closed` again; enables the persistence test. */
  readonly reopen?: (closed: Store) => Promise<Store>;
}

/** Run the Store contract against the backend `makeStore` opens (a fresh, empty store per test). */
export function describeStore(
  name: string,
  makeStore: () => Promise<Store>,
  options: DescribeStoreOptions = {},
): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('users', () => {
      it('creates, finds and lists users', async () => {
        await store.createUser(user('u2', { disabled: true }), audit('user.created'));
        await store.createUser(user('u1'), audit('user.created'));
        expect(await store.findUserByUsername('u1-name')).toEqual(user('u1'));
        expect(await store.findUserById('u2')).toEqual(user('u2', { disabled: true }));
        expect(await store.findUserById('nobody')).toBeNull();
        expect(await store.findUserByUsername('nobody')).toBeNull();
        expect((await store.listUsers()).map((found) => found.id)).toEqual(['u1', 'u2']);
        expect(await auditTypes(store)).toEqual(['user.created', 'user.created']);
      });

      it('refuses a taken username or id with ERR_STORE_CONFLICT, writing nothing', async () => {
        await store.createUser(user('u1'), audit('user.created'));
        const sameName = store.createUser(user('u2', { username: 'u1-name' }), audit('x'));
        await expect(sameName).rejects.toBeInstanceOf(StoreError);
        await expect(sameName).rejects.toMatchObject(conflict);
        await expect(store.createUser(user('u1'), audit('x'))).rejects.toMatchObject(conflict);
        expect(await store.listUsers()).toHaveLength(1);
        expect(await auditTypes(store)).toEqual(['user.created']);
      });

      it('disables and enables a user', async () => {
        await store.createUser(user('u1'), audit('user.created'));
        expect(await store.setUserDisabled('u1', true, audit('user.disabled'))).toBe(true);
        expect((await store.findUserById('u1'))?.disabled).toBe(true);
        expect(await store.setUserDisabled('u1', false, audit('user.enabled'))).toBe(true);
        expect((await store.findUserById('u1'))?.disabled).toBe(false);
        expect(await store.setUserDisabled('nobody', true, audit('x'))).toBe(false);
        expect(await auditTypes(store)).toEqual(['user.enabled', 'user.disabled', 'user.created']);
      });

      it('sets a password, ending every other live session and logging each', async () => {
        await seedSession(store, 'keep');
        await seedSession(store, 'other-1', 'h1');
        await seedSession(store, 'other-2', 'h2');
        await seedSession(store, 'gone', 'h3', 'u1', { endedAt: NOW - 1, endReason: 'logout' });
        await seedSession(store, 'elsewhere', 'h4', 'u2');
        const changed = await store.setUserPassword(
          'u1',
          '$argon2id$new',
          NOW + 5,
          'keep',
          (ended) => revocation('sid', ended.id),
          audit('password.changed'),
        );
        expect(changed).toBe(true);
        expect(await store.findUserById('u1')).toMatchObject({
          passwordHash: '$argon2id$new',
          passwordChangedAt: NOW + 5,
        });
        for (const id of ['other-1', 'other-2']) {
          expect(await store.findSession(id)).toMatchObject({
            endedAt: NOW + 5,
            endReason: SESSION_END_REASONS.passwordChanged,
          });
        }
        expect(await store.findSession('gone')).toMatchObject({ endedAt: NOW - 1 });
        expect((await store.listLiveSessions('u1', NOW + 5)).map((s) => s.id)).toEqual(['keep']);
        expect((await store.listLiveSessions('u2', NOW + 5)).map((s) => s.id)).toEqual([
          'elsewhere',
        ]);
        expect(
          (await revocationLog(store)).map((event) => `${event.kind}:${event.value}`).sort(),
        ).toEqual(['sid:other-1', 'sid:other-2']);
        expect((await auditTypes(store))[0]).toBe('password.changed');
        const unknown = store.setUserPassword(
          'nobody',
          'x',
          NOW,
          null,
          () => {
            throw new Error('no session to revoke');
          },
          audit('x'),
        );
        expect(await unknown).toBe(false);
      });

      it('upgrades a password hash only while it is the one expected, touching nothing else', async () => {
        await seedSession(store, 'live');
        const before = await store.findUserById('u1');
        const old = before?.passwordHash ?? '';
        expect(
          await store.upgradePasswordHash('u1', '$argon2id$other', '$argon2id$up', audit('x')),
        ).toBe(false);
        expect(
          await store.upgradePasswordHash('u1', old, '$argon2id$up', audit('password.rehashed')),
        ).toBe(true);
        // The password did not change: its change time, the sessions and the log stay.
        expect(await store.findUserById('u1')).toEqual({ ...before, passwordHash: '$argon2id$up' });
        expect(await store.findSession('live')).toMatchObject({ endedAt: null });
        expect(await revocationLog(store)).toEqual([]);
        expect((await auditTypes(store))[0]).toBe('password.rehashed');
        // A second upgrade from the old hash (a concurrent login) changes nothing.
        expect(await store.upgradePasswordHash('u1', old, '$argon2id$late', audit('x'))).toBe(
          false,
        );
        expect((await store.findUserById('u1'))?.passwordHash).toBe('$argon2id$up');
        expect(await store.upgradePasswordHash('nobody', old, 'x', audit('x'))).toBe(false);
      });
    });

    describe('clients', () => {
      const client = { clientId: 'web', secretHash: null, scopes: ['openid', 'orders:read'] };

      it('creates, finds, lists and deletes clients', async () => {
        await store.createClient({ ...client, createdAt: NOW }, audit('client.created'));
        const api = { clientId: 'api', secretHash: 'c2VjcmV0', scopes: [], createdAt: NOW };
        await store.createClient(api, audit('client.created'));
        expect(await store.findClient('web')).toEqual({ ...client, createdAt: NOW });
        expect(await store.findClient('api')).toEqual(api);
        expect((await store.listClients()).map((found) => found.clientId)).toEqual(['api', 'web']);
        const removal = revocation('sub', 'web');
        expect(await store.deleteClient('web', NOW, removal, audit('client.deleted'))).toBe(true);
        expect(await store.deleteClient('web', NOW, removal, audit('client.deleted'))).toBe(false);
        expect(await store.findClient('web')).toBeNull();
        expect(await auditTypes(store)).toEqual([
          'client.deleted',
          'client.created',
          'client.created',
        ]);
      });

      it('ends the live sessions of a removed client and revokes its tokens, in one go', async () => {
        await store.createClient({ ...client, createdAt: NOW }, audit('client.created'));
        await seedSession(store, 'web-1', 'h1');
        await seedSession(store, 'web-2', 'h2', 'u2');
        await seedSession(store, 'web-gone', 'h3', 'u1', { endedAt: NOW - 1, endReason: 'logout' });
        await seedSession(store, 'mobile-1', 'h4', 'u1', { clientId: 'mobile' });
        const removal = revocation('sub', 'web');
        expect(await store.deleteClient('web', NOW + 5, removal, audit('client.removed'))).toBe(
          true,
        );
        for (const id of ['web-1', 'web-2']) {
          expect(await store.findSession(id)).toMatchObject({
            endedAt: NOW + 5,
            endReason: SESSION_END_REASONS.clientRemoved,
          });
        }
        expect(await store.findSession('web-gone')).toMatchObject({ endedAt: NOW - 1 });
        expect(await store.findSession('mobile-1')).toMatchObject({ endedAt: null });
        const log = await revocationLog(store);
        expect(log.map((event) => `${event.kind}:${event.value}`)).toEqual([
          'sid:web-1',
          'sid:web-2',
          'sub:web',
        ]);
        expect(new Set(log.map((event) => event.expiresAt))).toEqual(new Set([removal.expiresAt]));
        expect((await auditTypes(store))[0]).toBe('client.removed');
        // An unknown client: nothing written.
        expect(await store.deleteClient('web', NOW + 6, removal, audit('x'))).toBe(false);
        expect(await revocationLog(store)).toHaveLength(3);
        expect((await auditTypes(store))[0]).toBe('client.removed');
      });

      it('creates a session only while the conditions asked for hold', async () => {
        await store.createUser(user('u1'), audit('user.created'));
        await store.createClient({ ...client, createdAt: NOW }, audit('client.created'));
        const hash = user('u1').passwordHash;
        const start = (id: string, clientId: string, conditions: SessionConditions) =>
          store.createSession(
            session(id, 'u1', { clientId }),
            token(`h-${id}`, id),
            audit('login'),
            conditions,
          );
        expect(await start('s-web', 'web', { clientMustExist: true, userPasswordHash: hash })).toBe(
          true,
        );
        expect(await start('s-gone', 'gone', { clientMustExist: true })).toBe(false);
        expect(await start('s-changed', 'web', { userPasswordHash: '$argon2id$older' })).toBe(
          false,
        );
        // The server's built-in first-party client has no row: not asked to check.
        expect(await start('s-built-in', 'tessera', { userPasswordHash: hash })).toBe(true);
        await store.setUserDisabled('u1', true, audit('user.disabled'));
        expect(await start('s-disabled', 'web', { userPasswordHash: hash })).toBe(false);
        for (const id of ['s-web', 's-built-in']) {
          expect(await store.findSession(id)).not.toBeNull();
        }
        for (const id of ['s-gone', 's-changed', 's-disabled']) {
          expect(await store.findSession(id)).toBeNull();
          expect(await store.findRefreshToken(`h-${id}`)).toBeNull();
        }
      });

      it('refuses a taken client id, and a scope that is not a scope token', async () => {
        await store.createClient({ ...client, createdAt: NOW }, audit('client.created'));
        const again = store.createClient({ ...client, createdAt: NOW }, audit('x'));
        await expect(again).rejects.toMatchObject(conflict);
        const spaced = { ...client, clientId: 'x', scopes: ['a b'], createdAt: NOW };
        await expect(store.createClient(spaced, audit('x'))).rejects.toBeInstanceOf(TypeError);
      });
    });

    describe('sessions', () => {
      it('creates a session with its first refresh token', async () => {
        await seedSession(store, 's1', 'h0');
        expect(await store.findSession('s1')).toEqual(session('s1'));
        expect(await store.findRefreshToken('h0')).toEqual(token('h0', 's1'));
        expect(await store.findSession('nope')).toBeNull();
        expect(await store.findRefreshToken('nope')).toBeNull();
      });

      it('creates all of a session or none of it', async () => {
        await seedSession(store, 's1', 'h0');
        // Same token hash, new session id: the token insert fails after the session insert.
        const clash = store.createSession(session('s2'), token('h0', 's2'), audit('login'));
        await expect(clash).rejects.toMatchObject(conflict);
        expect(await store.findSession('s2')).toBeNull();
        await expect(
          store.createSession(session('s3'), token('h9', 's1'), audit('login')),
        ).rejects.toBeInstanceOf(TypeError);
        // Every session belongs to a user that exists.
        const orphan = store.createSession(session('s4', 'nobody'), token('h4', 's4'), audit('x'));
        await expect(orphan).rejects.toThrow();
        expect(await store.findSession('s4')).toBeNull();
        expect(await auditTypes(store)).toEqual(['login', 'user.created']);
      });

      it('lists live sessions newest first, skipping ended, idle and expired ones', async () => {
        await seedSession(store, 'old', 'h1', 'u1', { createdAt: NOW - 2 * DAY });
        await seedSession(store, 'new', 'h2', 'u1', { createdAt: NOW - DAY });
        await seedSession(store, 'ended', 'h3', 'u1', { endedAt: NOW - 1, endReason: 'logout' });
        await seedSession(store, 'idle', 'h4', 'u1', { idleExpiresAt: NOW });
        await seedSession(store, 'over', 'h5', 'u1', { absoluteExpiresAt: NOW });
        await seedSession(store, 'theirs', 'h6', 'u2');
        const live = await store.listLiveSessions('u1', NOW);
        expect(live.map((found) => found.id)).toEqual(['new', 'old']);
      });

      it('ends one live session, logging its revocation once', async () => {
        await seedSession(store, 's1');
        const end = () =>
          store.endSession('s1', NOW + 1, 'logout', revocation('sid', 's1'), audit('logout'));
        expect(await end()).toBe(true);
        expect(await store.findSession('s1')).toMatchObject({
          endedAt: NOW + 1,
          endReason: 'logout',
        });
        expect(await end()).toBe(false);
        // A session past its idle expiry is over already: nothing to end, nothing to log.
        await seedSession(store, 'idle', 'h1', 'u1', { idleExpiresAt: NOW });
        const idle = store.endSession('idle', NOW, 'logout', revocation('sid', 'idle'), audit('x'));
        expect(await idle).toBe(false);
        expect(await revocationLog(store)).toMatchObject([{ kind: 'sid', value: 's1' }]);
        expect(await auditTypes(store)).toEqual(['login', 'logout', 'login', 'user.created']);
      });

      it('ends all live sessions of a user with a sid revocation each and one sub revocation', async () => {
        await seedSession(store, 'a', 'h1');
        await seedSession(store, 'b', 'h2');
        await seedSession(store, 'theirs', 'h3', 'u2');
        const ended = await store.endAllSessions(
          'u1',
          NOW + 1,
          revocation('sub', 'u1'),
          audit('logout.everywhere'),
        );
        expect(ended).toBe(2);
        expect(await store.listLiveSessions('u1', NOW + 1)).toEqual([]);
        expect(await store.findSession('a')).toMatchObject({
          endReason: SESSION_END_REASONS.loggedOutEverywhere,
        });
        expect(await store.listLiveSessions('u2', NOW + 1)).toHaveLength(1);
        const again = await store.endAllSessions(
          'u1',
          NOW + 2,
          revocation('sub', 'u1'),
          audit('x'),
        );
        expect(again).toBe(0);
        expect((await revocationLog(store)).map((event) => event.kind)).toEqual([
          'sid',
          'sid',
          'sub',
          'sub',
        ]);
      });
    });

    describe('DPoP binding', () => {
      it('keeps the key a session was bound to at login, whatever a rotation asks', async () => {
        await seedSession(store, 's1', 'h0', 'u1', { dpopJkt: 'jkt-login' });
        expect(await store.findSession('s1')).toMatchObject({ dpopJkt: 'jkt-login' });
        const outcome = await store.rotateRefreshToken(
          rotation('h0', 'h1', 's1', { dpopJkt: 'jkt-other' }),
        );
        expect(outcome).toMatchObject({ kind: 'rotated', session: { dpopJkt: 'jkt-login' } });
        expect(await store.findSession('s1')).toMatchObject({ dpopJkt: 'jkt-login' });
      });

      it('binds an unbound session at its first rotation with a key, and only then', async () => {
        await seedSession(store, 's1');
        expect(await store.findSession('s1')).toMatchObject({ dpopJkt: null });
        await store.rotateRefreshToken(rotation('h0', 'h1', 's1'));
        expect(await store.findSession('s1')).toMatchObject({ dpopJkt: null });
        const bound = await store.rotateRefreshToken(
          rotation('h1', 'h2', 's1', { dpopJkt: 'jkt-1' }),
        );
        expect(bound).toMatchObject({ kind: 'rotated', session: { dpopJkt: 'jkt-1' } });
        await store.rotateRefreshToken(rotation('h2', 'h3', 's1', { dpopJkt: 'jkt-2' }));
        expect(await store.findSession('s1')).toMatchObject({ dpopJkt: 'jkt-1' });
        // A refused rotation (reuse) binds nothing.
        await seedSession(store, 's2', 'g0');
        await store.rotateRefreshToken(rotation('g0', 'g1', 's2', { now: NOW }));
        await store.rotateRefreshToken(
          rotation('g0', 'g2', 's2', { now: NOW + 10 * 60_000, dpopJkt: 'thief' }),
        );
        expect(await store.findSession('s2')).toMatchObject({ dpopJkt: null });
      });
    });

    describeRotation(() => store);

    describeKeysAndRevocations(() => store);

    describe('audit log', () => {
      it('appends lines and lists the newest first', async () => {
        const detail = { reason: 'bad password', attempts: 3, locked: false, note: null };
        await store.appendAudit(audit('login.failed', { ip: '192.0.2.9', detail }));
        await store.appendAudit(audit('login.succeeded', { userId: 'u1', at: NOW + 1 }));
        expect(await store.listAudit(1)).toEqual([
          audit('login.succeeded', { userId: 'u1', at: NOW + 1 }),
        ]);
        expect((await store.listAudit(10))[1]).toEqual(
          audit('login.failed', { ip: '192.0.2.9', detail }),
        );
      });
    });

    // Registered only for stores that outlive a close (not SQLite :memory:), so no test shows as skipped.
    const { reopen } = options;
    if (reopen !== undefined)
      it('keeps everything across close and reopen', async () => {
        await seedSession(store);
        await store.rotateRefreshToken(rotation('h0', 'h1', 's1'));
        await store.appendRevocation(revocation('jti', 'j1'), audit('revoke'));
        await store.saveSigningKey(key('k1'), audit('key.created'));
        await store.close();
        store = await reopen(store);
        expect(await store.findUserById('u1')).toEqual(user('u1'));
        expect(await store.findRefreshToken('h1')).toMatchObject({ spentAt: null });
        expect(await store.findRefreshToken('h0')).toMatchObject({ spentAt: NOW });
        expect(await revocationLog(store)).toMatchObject([{ value: 'j1' }]);
        expect(await store.listSigningKeys()).toEqual([key('k1')]);
      });
  });
}
