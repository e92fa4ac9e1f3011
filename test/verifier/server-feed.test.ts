import { afterEach, describe, expect, it } from 'vitest';
import { createVerifier, type Verifier } from '../../src/verifier/create-verifier.js';
import type { VerifierOptions } from '../../src/verifier/verifier-options.js';
import {
  addUser,
  ISSUER,
  login,
  postForm,
  ServerHarness,
  waitFor,
  withBearer,
  type TestServer,
} from '../support/server-fixture.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { JwksServer } from './jwks-server.js';

// A verifier in another process's shoes, against a real auth server started in-process: it
// accepts what the server issues, refuses what the server revokes within moments (pushed by
// the SSE feed), follows key rotation with one JWKS fetch, and fails closed while it cannot
// confirm its revocations are current, then recovers.

const harness = new ServerHarness();
const open: { verifiers: Verifier[]; closers: (() => Promise<void>)[] } = {
  verifiers: [],
  closers: [],
};
afterEach(async () => {
  await Promise.all(open.verifiers.splice(0).map((verifier) => verifier.close()));
  await Promise.all(open.closers.splice(0).map((close) => close()));
  await harness.cleanup();
});

async function startServer(flags: Record<string, string> = {}): Promise<TestServer> {
  const started = await harness.start({ flags });
  await addUser(started.server, 'alice');
  return started;
}

function verifierFor(base: string, options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: ISSUER,
    algorithms: ['EdDSA'],
    jwksUri: `${base}/.well-known/jwks.json`,
    revocations: { feed: `${base}/revocations/stream` },
    onWarning: () => undefined,
    ...options,
  });
  open.verifiers.push(verifier);
  return verifier;
}

/** Wait until `verifier` gives `token` the verdict `code` (null: accepted). */
async function waitForVerdict(
  verifier: Verifier,
  token: string,
  code: string | null,
  timeoutMs = 5_000,
): Promise<void> {
  await waitFor(
    `verdict ${code ?? 'ok'}`,
    () => {
      const result = verifier.verify(token);
      return Promise.resolve(code === null ? result.ok : !result.ok && result.code === code);
    },
    timeoutMs,
    20,
  );
}

describe('verifier following a real auth server over its SSE feed', () => {
  it('accepts what the server issues and refuses it soon after logout or /oauth/revoke', async () => {
    const { url } = await startServer();
    const first = await login(url, 'alice');
    const second = await login(url, 'alice');
    const verifier = verifierFor(url);
    await verifier.ready();
    expect(verifier.verify(first.accessToken)).toMatchObject({ ok: true, stale: false });
    expect(verifier.verify(second.accessToken).ok).toBe(true);

    expect((await withBearer(`${url}/auth/logout`, first.accessToken, 'POST')).status).toBe(204);
    // Heartbeats come every 15 s and log reads only after 20 s of quiet: within 2 s, the
    // revocation can only have been pushed by the feed.
    await waitForVerdict(verifier, first.accessToken, 'ERR_JWT_REVOKED', 2_000);
    expect(verifier.verify(second.accessToken).ok).toBe(true);

    await postForm(`${url}/oauth/revoke`, { token: second.accessToken, client_id: 'tessera' });
    await waitForVerdict(verifier, second.accessToken, 'ERR_JWT_REVOKED', 2_000);
  });

  it('knows revocations made before it started (the snapshot) once ready', async () => {
    const { url } = await startServer();
    const revoked = await login(url, 'alice');
    await withBearer(`${url}/auth/logout`, revoked.accessToken, 'POST');
    const live = await login(url, 'alice');
    const verifier = verifierFor(url);
    expect(verifier.verify(live.accessToken).ok).toBe(false); // not ready: fails closed
    await verifier.ready();
    expect(verifier.status().ready).toBe(true);
    expect(verifier.verify(revoked.accessToken)).toMatchObject({ code: 'ERR_JWT_REVOKED' });
    expect(verifier.verify(live.accessToken).ok).toBe(true);
  });

  it('follows a key rotation with one JWKS fetch for the unknown kid', async () => {
    const { server, url } = await startServer({ keyPrepublishSeconds: '0' });
    const jwks = await JwksServer.forward(url);
    open.closers.push(() => jwks.close());
    const verifier = verifierFor(url, { jwksUri: jwks.url, jwksCooldownMs: 100 });
    await verifier.ready();
    const before = await login(url, 'alice');
    expect(verifier.verify(before.accessToken).ok).toBe(true);
    expect(jwks.requests).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 150)); // past the cooldown of the load
    const next = await server.context.keys.rotate();
    const after = await login(url, 'alice');
    expect(verifier.verify(after.accessToken)).toMatchObject({ code: 'ERR_JWS_KEY_NOT_FOUND' });
    expect(await verifier.verifyAsync(after.accessToken)).toMatchObject({
      ok: true,
      kid: next.kid,
    });
    for (let i = 0; i < 20; i++)
      expect((await verifier.verifyAsync(after.accessToken)).ok).toBe(true);
    // The outgoing key still verifies during its overlap.
    expect(verifier.verify(before.accessToken).ok).toBe(true);
    expect(jwks.requests).toBe(2);
  });

  it('fails closed while it cannot confirm revocations, and recovers what it missed', async () => {
    const { url } = await startServer();
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(url).port) });
    open.closers.push(() => proxy.close());
    const through = `http://127.0.0.1:${proxy.port}`;
    const verifier = verifierFor(through, { maxStalenessSeconds: 1, timeoutMs: 500 });
    const failOpen = verifierFor(through, {
      maxStalenessSeconds: 1,
      timeoutMs: 500,
      failOpenWhenStale: true,
    });
    await Promise.all([verifier.ready(), failOpen.ready()]);
    const kept = await login(url, 'alice');
    const revoked = await login(url, 'alice');
    // Fresh for longer than maxStaleness while the feed is up (heartbeats alone would not do
    // at 1 s: the log is read to confirm a quiet feed).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(verifier.verify(kept.accessToken)).toMatchObject({ ok: true, stale: false });

    await proxy.cut();
    await waitForVerdict(verifier, kept.accessToken, 'ERR_REVOCATIONS_STALE', 5_000);
    const stale = verifier.verify(kept.accessToken);
    expect(stale.ok || stale.reason).toMatch(/revocations unconfirmed/);
    await waitFor(
      'the fail-open verifier to accept the token as stale',
      () => {
        const result = failOpen.verify(kept.accessToken);
        return Promise.resolve(result.ok && result.stale);
      },
      5_000,
      20,
    );
    // A bad token keeps its own code while stale.
    expect(verifier.verify(`${kept.accessToken}x`)).toMatchObject({ ok: false });
    expect(verifier.verify(`${kept.accessToken}x`)).not.toMatchObject({
      code: 'ERR_REVOCATIONS_STALE',
    });

    // Revoked while the verifier cannot hear: it must learn of it on reconnection.
    await withBearer(`${url}/auth/logout`, revoked.accessToken, 'POST');
    await proxy.restore();
    await waitForVerdict(verifier, kept.accessToken, null, 10_000);
    expect(verifier.verify(revoked.accessToken)).toMatchObject({ code: 'ERR_JWT_REVOKED' });
    await waitFor(
      'the fail-open verifier to be current again',
      () => {
        const result = failOpen.verify(kept.accessToken);
        return Promise.resolve(result.ok && !result.stale);
      },
      10_000,
      20,
    );
    expect(failOpen.verify(revoked.accessToken)).toMatchObject({ code: 'ERR_JWT_REVOKED' });
  });
});
