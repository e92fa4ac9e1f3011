import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayConfigError } from '../../src/gateway/gateway-config-error.js';
import { GATEWAY_SETTINGS, resolveGatewayConfig } from '../../src/gateway/gateway-config.js';

// Browser-mode settings of the gateway: flags, variables and the config file.

const base = {
  upstream: 'http://127.0.0.1:3000',
  issuer: 'http://127.0.0.1:4000',
  audience: 'orders-api',
};
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-gateway-cookie-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(content: unknown): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(content));
  return path;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayConfigError);
    return (error as Error).message;
  }
  throw new Error('the settings were accepted');
}

describe('gateway browser-mode settings', () => {
  it('are off by default', () => {
    expect(resolveGatewayConfig(base, {}).cookieSession).toBeNull();
  });

  it('take defaults from the issuer', () => {
    const config = resolveGatewayConfig(
      {
        ...base,
        cookieSession: true,
        browserOrigins: 'https://shop.example, https://admin.example:8443',
      },
      {},
    );
    expect(config.cookieSession).toEqual({
      browserOrigins: ['https://shop.example', 'https://admin.example:8443'],
      tokenEndpoint: 'http://127.0.0.1:4000/oauth/token',
      refreshClientId: 'tessera',
      refreshTimeoutMs: 5000,
      refreshReuseMs: 10_000,
      accessSameSite: 'Lax',
    });
  });

  it('take the refresh reuse window from a flag, the environment or the file, 0 to 60000', async () => {
    const on = { ...base, cookieSession: true, browserOrigins: 'https://shop.example' };
    expect(resolveGatewayConfig({ ...on, refreshReuseMs: '0' }, {}).cookieSession).toMatchObject({
      refreshReuseMs: 0,
    });
    expect(
      resolveGatewayConfig(on, { TESSERA_GATEWAY_REFRESH_REUSE: '2500' }).cookieSession
        ?.refreshReuseMs,
    ).toBe(2500);
    for (const value of ['60001', '-1', 'ten', '1.5']) {
      expect(refusal(() => resolveGatewayConfig({ ...on, refreshReuseMs: value }, {}))).toMatch(
        /^--refresh-reuse \(TESSERA_GATEWAY_REFRESH_REUSE\) must be a whole number from 0 to 60000/,
      );
    }
    const path = await configFile({
      cookieSession: { browserOrigins: ['https://shop.example'], refreshReuseMs: 0 },
    });
    expect(resolveGatewayConfig({ ...base, config: path }, {}).cookieSession?.refreshReuseMs).toBe(
      0,
    );
    expect(
      resolveGatewayConfig({ ...base, config: path, refreshReuseMs: '3000' }, {}).cookieSession
        ?.refreshReuseMs,
    ).toBe(3000);
    for (const bad of [-1, 60_001, '5000', 1.5]) {
      const badPath = await configFile({
        cookieSession: { browserOrigins: ['https://shop.example'], refreshReuseMs: bad },
      });
      expect(refusal(() => resolveGatewayConfig({ ...base, config: badPath }, {}))).toMatch(
        /cookieSession\.refreshReuseMs must be a whole number from 0 to 60000/,
      );
    }
  });

  it('refuse every browser-mode setting without --cookie-session, naming it', () => {
    for (const [key, value, flag] of [
      ['cookieSameSite', 'strict', '--cookie-samesite'],
      ['refreshTimeoutMs', '1000', '--refresh-timeout'],
      ['refreshReuseMs', '0', '--refresh-reuse'],
      ['authServer', 'https://auth.example', '--auth-server'],
      ['refreshClientId', 'shop-web', '--refresh-client-id'],
    ] as const) {
      const message = refusal(() => resolveGatewayConfig({ ...base, [key]: value }, {}));
      expect(message.startsWith(flag), message).toBe(true);
      expect(message).toMatch(/only used with --cookie-session/);
    }
  });

  it('read the environment as well', () => {
    const config = resolveGatewayConfig(base, {
      TESSERA_GATEWAY_COOKIE_SESSION: 'true',
      TESSERA_GATEWAY_BROWSER_ORIGINS: 'https://shop.example',
      TESSERA_GATEWAY_AUTH_SERVER: 'https://auth.example/base/',
      TESSERA_GATEWAY_REFRESH_CLIENT_ID: 'shop-web',
      TESSERA_GATEWAY_COOKIE_SAMESITE: 'strict',
    });
    expect(config.cookieSession).toMatchObject({
      tokenEndpoint: 'https://auth.example/base/oauth/token',
      refreshClientId: 'shop-web',
      accessSameSite: 'Strict',
    });
  });

  it('need --browser-origin, with real origins, and only with --cookie-session', () => {
    expect(refusal(() => resolveGatewayConfig({ ...base, cookieSession: true }, {}))).toMatch(
      /^--browser-origin \(TESSERA_GATEWAY_BROWSER_ORIGINS\) is required with --cookie-session/,
    );
    for (const origin of ['shop.example', 'https://shop.example/app', 'null']) {
      expect(
        refusal(() =>
          resolveGatewayConfig({ ...base, cookieSession: true, browserOrigins: origin }, {}),
        ),
      ).toMatch(/^--browser-origin/);
    }
    expect(
      refusal(() => resolveGatewayConfig({ ...base, browserOrigins: 'https://shop.example' }, {})),
    ).toMatch(/only used with --cookie-session/);
  });

  it('refuse an auth server reached over plain http off loopback', () => {
    const settings = {
      ...base,
      cookieSession: true,
      browserOrigins: 'https://shop.example',
      authServer: 'http://auth.example',
    };
    expect(refusal(() => resolveGatewayConfig(settings, {}))).toMatch(/^--auth-server/);
    expect(
      resolveGatewayConfig({ ...settings, allowInsecureHttp: true }, {}).cookieSession
        ?.tokenEndpoint,
    ).toBe('http://auth.example/oauth/token');
  });

  it('come from the config file too, flags winning', async () => {
    const path = await configFile({
      routes: [{ prefix: '/orders', scopes: ['orders:read'] }],
      cookieSession: { browserOrigins: ['https://shop.example'], refreshClientId: 'shop-web' },
    });
    const fromFile = resolveGatewayConfig({ ...base, config: path }, {});
    expect(fromFile.cookieSession).toMatchObject({
      browserOrigins: ['https://shop.example'],
      refreshClientId: 'shop-web',
    });
    expect(fromFile.routes.rules).toHaveLength(1);
    const overridden = resolveGatewayConfig(
      { ...base, config: path, browserOrigins: 'https://other.example' },
      {},
    );
    expect(overridden.cookieSession?.browserOrigins).toEqual(['https://other.example']);
    const misspelt = await configFile({
      cookieSession: { browserOrigin: ['https://shop.example'] },
    });
    expect(refusal(() => resolveGatewayConfig({ ...base, config: misspelt }, {}))).toMatch(
      /unknown key "browserOrigin"/,
    );
  });

  it('are listed for --help', () => {
    const flags = GATEWAY_SETTINGS.map((setting) => setting.flag.split(' ')[0]);
    for (const flag of [
      '--cookie-session',
      '--browser-origin',
      '--auth-server',
      '--refresh-client-id',
      '--refresh-timeout',
      '--refresh-reuse',
      '--cookie-samesite',
    ]) {
      expect(flags).toContain(flag);
    }
  });
});
