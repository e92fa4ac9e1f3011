import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, resolveServerConfig } from '../../src/server/server-config.js';
import {
  addUser,
  ISSUER,
  PASSWORD,
  postJson,
  ServerHarness,
  stringField,
  withBearer,
  type ConfigFlags,
} from '../support/server-fixture.js';

// Behind a load balancer every request comes from the balancer's address. The client's own
// address (for per-IP login throttling, sessions and the audit log) is taken from
// X-Forwarded-For only when the request comes from a proxy the operator named.

const harness = new ServerHarness();
afterEach(() => harness.cleanup());

const CLIENT = '203.0.113.7';

/** The IP the server records for a login that claims to be forwarded for {@link CLIENT}. */
async function recordedIp(flags: ConfigFlags): Promise<string> {
  const { server, url } = await harness.start({ flags });
  await addUser(server, 'alice');
  const answer = await postJson(
    `${url}/auth/login`,
    { username: 'alice', password: PASSWORD },
    { 'x-forwarded-for': CLIENT },
  );
  expect(answer.status).toBe(200);
  const listed = await withBearer(`${url}/auth/sessions`, stringField(answer.body, 'access_token'));
  const sessions = listed.body['sessions'] as { ip: string }[];
  expect(sessions).toHaveLength(1);
  return sessions[0]?.ip ?? '';
}

describe('--trust-proxy', () => {
  it('ignores X-Forwarded-For by default: any client could claim any address', async () => {
    expect(await recordedIp({})).toBe('127.0.0.1');
  });

  it('takes the client address from X-Forwarded-For when the peer is a named proxy', async () => {
    expect(await recordedIp({ trustProxy: '127.0.0.1' })).toBe(CLIENT);
    expect(await recordedIp({ trustProxy: '10.0.0.0/8, 127.0.0.0/8' })).toBe(CLIENT);
    expect(await recordedIp({ trustProxy: 'loopback' })).toBe(CLIENT);
  });

  it('ignores X-Forwarded-For from a peer that is not a named proxy', async () => {
    expect(await recordedIp({ trustProxy: '10.0.0.1' })).toBe('127.0.0.1');
  });

  it.each(['yes', '*', '10.0.0.0/33', '300.1.1.1', '127.0.0.1,', 'true'])(
    'refuses %j with a message naming the setting',
    (value) => {
      const resolve = (): unknown =>
        resolveServerConfig({ port: '0', issuer: ISSUER, trustProxy: value }, {});
      expect(resolve).toThrow(ConfigError);
      expect(resolve).toThrow(/--trust-proxy \(TESSERA_TRUST_PROXY\)/);
    },
  );

  it('reads TESSERA_TRUST_PROXY', () => {
    const config = resolveServerConfig(
      { port: '0', issuer: ISSUER },
      { TESSERA_TRUST_PROXY: '192.168.0.0/16,::1' },
    );
    expect(config.trustProxy).toEqual(['192.168.0.0/16', '::1']);
  });
});
