import { describe, expect, it } from 'vitest';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { gatewayVerifierOptions } from '../../src/gateway/internal/gateway-verifier-options.js';

// What the gateway asks of its verifier, from its own settings.

const base = {
  upstream: 'http://127.0.0.1:3000',
  issuer: 'http://127.0.0.1:4000',
  audience: 'orders-api',
};

describe('gatewayVerifierOptions', () => {
  it('passes --redis-prefix on to Redis revocations', () => {
    const config = resolveGatewayConfig(
      { ...base, revocations: 'redis://127.0.0.1:6379', redisPrefix: 'shop:' },
      {},
    );
    expect(gatewayVerifierOptions(config, {}).revocations).toEqual({
      redis: 'redis://127.0.0.1:6379',
      prefix: 'shop:',
    });
  });

  it('keeps the default prefix, and a feed as it is', () => {
    const redis = resolveGatewayConfig({ ...base, revocations: 'redis://127.0.0.1:6379' }, {});
    expect(gatewayVerifierOptions(redis, {}).revocations).toEqual({
      redis: 'redis://127.0.0.1:6379',
      prefix: 'tessera:',
    });
    const feed = resolveGatewayConfig({ ...base, redisPrefix: 'shop:' }, {});
    expect(gatewayVerifierOptions(feed, {}).revocations).toEqual({
      feed: 'http://127.0.0.1:4000/revocations/stream',
    });
  });
});
