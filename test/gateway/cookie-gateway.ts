import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { resolveGatewayConfig } from '../../src/gateway/gateway-config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/start-gateway.js';
import { setCookies } from '../support/browser.js';
import {
  CSRF,
  gatewaySettingsFor,
  startCookieUpstream,
  startFakeAuthServer,
  type FakeAuthServer,
} from './fake-auth-server.js';

// A cookie-mode gateway in front of the fake auth server and an upstream that echoes what it
// got, for the gateway's cookie session tests, with the requests those tests make of it.

export const SHOP = 'https://shop.example.test';
export const FINGERPRINT = 'fingerprint-of-this-browser';
export let auth: FakeAuthServer;
export let upstream: { url: string; close(): Promise<void> };
export let gateway: RunningGateway;
export const errors: unknown[] = [];

/** A gateway in front of the fake auth server and the upstream, DPoP and revocations off. */
export const baseSettings = () => gatewaySettingsFor(auth, upstream.url);

/** {@link baseSettings} with cookie sessions for the shop's pages. */
export const cookieSettings = () => ({
  ...baseSettings(),
  cookieSession: true,
  browserOrigins: SHOP,
});

/**
 * Start the fake auth server, the upstream and a cookie-mode gateway before the file's tests,
 * reset the fake auth server before each, and stop everything after. Call once per test file,
 * at the top level; the `let` exports above are set by then.
 */
export function useCookieGateway(): void {
  beforeAll(async () => {
    auth = await startFakeAuthServer();
    upstream = await startCookieUpstream();
    const config = resolveGatewayConfig({ ...cookieSettings(), refreshTimeoutMs: '500' }, {});
    gateway = await startGateway(config, {
      readyTimeoutMs: 10_000,
      onWarning: () => undefined,
      onError: (error) => errors.push(error),
    });
    expect(gateway.ready).toBe(true);
  }, 30_000);

  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await auth.close();
  });

  beforeEach(() => {
    auth.mode = 'rotate';
    auth.delayMs = 0;
    auth.refreshExpiresIn = null;
    auth.tokenCalls.length = 0;
    errors.length = 0;
  });
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

export async function call(
  headers: Record<string, string>,
  method = 'GET',
  path = '/orders',
): Promise<Answer> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export const jar = (pairs: Record<string, string | undefined>): Record<string, string> => ({
  cookie: Object.entries(pairs)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value ?? ''}`)
    .join('; '),
});
export const session = (access: string | undefined, refresh = `spent-${'x'.repeat(40)}`) =>
  jar({
    theme: 'dark',
    '__Host-tessera-access': access,
    '__Host-tessera-refresh': refresh,
    '__Host-tessera-csrf': CSRF,
  });
export const fromShop = { 'sec-fetch-site': 'same-origin', origin: SHOP, 'x-csrf-token': CSRF };
export const upstreamHeaders = (answer: Answer): Record<string, string> =>
  answer.body['headers'] as Record<string, string>;
export const cookieNamed = (answer: Answer, name: string) =>
  setCookies(answer.headers).find((cookie) => cookie.name === name);
