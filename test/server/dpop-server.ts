import { expect } from 'vitest';
import {
  addClient,
  addUser,
  type JsonResponse,
  type ServerHarness,
} from '../support/server-fixture.js';
import { findFreePort } from './dpop-client.js';

// The server the DPoP tests run against, and how they check its errors.

/**
 * Start a server of `harness` on a port of its own (its issuer and audience name the port, as
 * DPoP proofs name the URL), with user alice, the confidential client reporting (its secret
 * returned) and the public client spa.
 */
export async function startDpopServer(harness: ServerHarness, flags: Record<string, string> = {}) {
  const port = await findFreePort();
  const issuer = `http://127.0.0.1:${port}`;
  const started = await harness.start({
    flags: { port: String(port), issuer, audience: issuer, ...flags },
  });
  await addUser(started.server, 'alice');
  const secret = (await addClient(started.server, 'reporting', { scopes: ['read'] })) ?? '';
  await addClient(started.server, 'spa', { isPublic: true, scopes: ['read'] });
  return { url: started.url, secret, server: started.server };
}

/** An OAuth error answer: `status`, and `error` in the body. */
export function expectError(response: JsonResponse, status: number, error: string): void {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ error });
}
