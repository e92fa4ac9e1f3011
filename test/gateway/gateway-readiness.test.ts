import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/start-gateway.js';
import { findFreePort } from '../server/dpop-client.js';
import {
  AUDIENCE,
  clientToken,
  GatewayHarness,
  getJson,
  type GatewayStack,
} from './gateway-fixture.js';

// docs/gateway.md: until keys and revocations are loaded, the gateway answers 503, not 401 —
// a token it cannot check yet is not a bad token.

const harness = new GatewayHarness();
let stack: GatewayStack;
let unready: RunningGateway;

beforeAll(async () => {
  stack = await harness.start();
  const dir = await harness.servers.tempDir();
  const config = join(dir, 'gateway.json');
  await writeFile(config, JSON.stringify({ publicPaths: ['/health'] }));
  const [gatewayPort, deadPort] = [await findFreePort(), await findFreePort()];
  unready = await startGateway(
    resolveGatewayConfig(
      {
        listen: `127.0.0.1:${gatewayPort}`,
        upstream: stack.upstream.url,
        issuer: stack.issuer,
        audience: AUDIENCE,
        config,
        // Nothing listens here: the keys never load.
        jwksUri: `http://127.0.0.1:${deadPort}/.well-known/jwks.json`,
      },
      {},
    ),
    { readyTimeoutMs: 200 },
  );
}, 60_000);
afterAll(async () => {
  await unready.close();
  await harness.cleanup();
});

describe('a gateway whose keys have not loaded', () => {
  it('answers a request with a token 503 with Retry-After and no challenge', async () => {
    expect(unready.ready).toBe(false);
    const token = await clientToken(stack, 'orders:read');
    const { status, headers, body } = await getJson(`${unready.url}/orders`, {
      authorization: `Bearer ${token}`,
    });
    expect(status).toBe(503);
    expect(Number(headers.get('retry-after'))).toBeGreaterThan(0);
    expect(headers.get('www-authenticate')).toBeNull();
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toMatchObject({ error: 'temporarily_unavailable' });
    expect(String(body['error_description'])).toMatch(/not ready/);
  });

  it('still forwards public paths', async () => {
    const { status } = await getJson(`${unready.url}/health`);
    expect(status).toBe(200);
  });
});
