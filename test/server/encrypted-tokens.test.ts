import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveServerConfig } from '../../src/server/server-config.js';
import {
  createVerifier,
  type VerificationResult,
  type VerificationSuccess,
} from '../../src/verifier/create-verifier.js';
import {
  addClient,
  addUser,
  basic,
  ISSUER,
  login,
  postForm,
  ServerHarness,
  stringField,
  withBearer,
} from '../support/server-fixture.js';

// Access tokens encrypted per audience: a client_credentials token requested for a resource
// server (RFC 8707 `resource`) configured in --encrypted-audiences is a nested JWT
// (signed, then JWE) that only that API can read; the server's own tokens stay plain JWS.

const ORDERS = 'https://orders.example.com';
const BILLING = 'https://billing.example.com/api';
const jwk = (key: { export(options: { format: 'jwk' }): JsonWebKey }): JsonWebKey =>
  key.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecPublic = { ...jwk(ec.publicKey), kid: 'orders-1', use: 'enc' };
const rsaPublic = { ...jwk(rsa.publicKey), kid: 'billing-1' };
const ecPrivate = { ...jwk(ec.privateKey), kid: 'orders-1' };
const rsaPrivate = { ...jwk(rsa.privateKey), kid: 'billing-1' };

const harness = new ServerHarness();
let url = '';
let secret = '';
let dir = '';

beforeAll(async () => {
  dir = await harness.tempDir();
  const file = join(dir, 'encryption.json');
  await writeFile(file, JSON.stringify({ [ORDERS]: ecPublic, [BILLING]: rsaPublic }));
  const { server } = await harness.start({ flags: { encryptedAudiencesFile: file } });
  url = server.url;
  secret = (await addClient(server, 'reporting', { scopes: ['orders:read'] })) ?? '';
  await addUser(server, 'alice');
});
afterAll(() => harness.cleanup());

const clientCredentials = (params: Record<string, string> = {}) =>
  postForm(
    `${url}/oauth/token`,
    { grant_type: 'client_credentials', ...params },
    basic('reporting', secret),
  );

function header(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

function success(result: VerificationResult): VerificationSuccess {
  if (!result.ok) throw new Error(`refused: ${result.code}`);
  return result;
}

/** What the API for `audience` does: decrypt with its private key, then verify strictly. */
async function verifyAs(audience: string, privateJwk: JsonWebKey, token: string) {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience,
    algorithms: ['EdDSA'],
    jwksUri: `${url}/.well-known/jwks.json`,
    revocations: 'none',
    onWarning: () => undefined,
    decryption: { keys: [privateJwk] },
    requireEncryption: true,
  });
  try {
    await verifier.ready();
    return await verifier.verifyAsync(token);
  } finally {
    await verifier.close();
  }
}

describe('client_credentials with resource', () => {
  it('encrypts the token for a configured audience, which decrypts and verifies it', async () => {
    const response = await clientCredentials({ resource: ORDERS, scope: 'orders:read' });
    expect(response.status).toBe(200);
    const token = stringField(response.body, 'access_token');
    expect(token.split('.')).toHaveLength(5);
    expect(header(token)).toMatchObject({
      alg: 'ECDH-ES+A256KW',
      enc: 'A256GCM',
      cty: 'JWT',
      kid: 'orders-1',
    });
    // Nothing of the claims shows through.
    expect(token).not.toContain(Buffer.from('reporting').toString('base64url').slice(0, 8));
    const verified = success(await verifyAs(ORDERS, ecPrivate, token));
    expect(verified.format).toBe('jwt-encrypted');
    expect(verified.claims).toMatchObject({
      iss: ISSUER,
      aud: ORDERS,
      sub: 'reporting',
      client_id: 'reporting',
      scope: 'orders:read',
    });
    expect(response.body['token_type']).toBe('Bearer');
  });

  it('uses RSA-OAEP-256 for an RSA recipient', async () => {
    const token = stringField(
      (await clientCredentials({ resource: BILLING })).body,
      'access_token',
    );
    expect(header(token)).toMatchObject({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'billing-1' });
    const verified = success(await verifyAs(BILLING, rsaPrivate, token));
    expect(verified.claims.aud).toBe(BILLING);
    // The orders API cannot read the billing API's token.
    const elsewhere = await verifyAs(ORDERS, ecPrivate, token);
    expect(elsewhere.ok).toBe(false);
    expect(elsewhere.ok ? '' : elsewhere.code).toMatch(/^ERR_JWE_/);
  });

  it('keeps the server audience plain: no resource, or the server itself', async () => {
    for (const params of [{}, { resource: ISSUER }]) {
      const token = stringField((await clientCredentials(params)).body, 'access_token');
      expect(token.split('.')).toHaveLength(3);
      expect(header(token)['typ']).toBe('at+jwt');
    }
    // Login tokens are the server's own too.
    const { accessToken } = await login(url, 'alice');
    expect(accessToken.split('.')).toHaveLength(3);
    expect((await withBearer(`${url}/auth/sessions`, accessToken)).status).toBe(200);
  });

  it('refuses a resource that is not configured (RFC 8707 invalid_target)', async () => {
    for (const resource of ['https://evil.example.com', `${ORDERS}/`, '']) {
      const response = await clientCredentials({ resource });
      expect(response.status).toBe(400);
      expect(response.body['error']).toBe('invalid_target');
    }
    const twice = await postForm(
      `${url}/oauth/token`,
      [
        ['grant_type', 'client_credentials'],
        ['resource', ORDERS],
        ['resource', BILLING],
      ],
      basic('reporting', secret),
    );
    expect(twice.status).toBe(400);
    expect(twice.body['error']).toBe('invalid_request');
  });
});

describe("the server's own checks meet an encrypted token", () => {
  it('refuses it as a bearer token, calls it inactive, and says it cannot revoke it', async () => {
    const token = stringField((await clientCredentials({ resource: ORDERS })).body, 'access_token');
    const bearer = await withBearer(`${url}/auth/sessions`, token);
    expect(bearer.status).toBe(401);
    expect(bearer.body['error']).toBe('invalid_token');

    const introspection = await postForm(
      `${url}/oauth/introspect`,
      { token },
      basic('reporting', secret),
    );
    expect(introspection.status).toBe(200);
    expect(introspection.body).toEqual({ active: false });

    const revoke = await postForm(`${url}/oauth/revoke`, { token }, basic('reporting', secret));
    expect(revoke.status).toBe(400);
    expect(revoke.body['error']).toBe('unsupported_token_type');
    // The token is still good for its audience: nothing was revoked behind the client's back.
    expect(success(await verifyAs(ORDERS, ecPrivate, token)).claims.sub).toBe('reporting');
  });
});

describe('--encrypted-audiences is checked at start', () => {
  const resolveWith = async (content: unknown, extra: Record<string, string> = {}) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return () =>
      resolveServerConfig(
        { port: '0', issuer: ISSUER, dataDir: dir, encryptedAudiencesFile: file, ...extra },
        {},
      );
  };
  const refused = async (content: unknown, message: RegExp, extra?: Record<string, string>) => {
    const resolve = await resolveWith(content, extra);
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(message);
  };

  it('refuses the server own audience, which must stay plain', async () => {
    await refused({ [ISSUER]: ecPublic }, /own audience/);
    await refused({ [ORDERS]: ecPublic }, /own audience/, { audience: ORDERS });
  });

  it('refuses audiences that are not absolute URIs, and keys that are not public encryption keys', async () => {
    await refused({ 'orders-api': ecPublic }, /absolute URI/);
    await refused({ [`${ORDERS}#x`]: ecPublic }, /absolute URI/);
    await refused({ [ORDERS]: jwk(ec.privateKey) }, /private members/);
    await refused({ [ORDERS]: { ...ecPublic, use: 'sig' } }, /use/);
    await refused({ [ORDERS]: { ...rsaPublic, alg: 'RSA1_5' } }, /RSA-OAEP-256 only/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    await refused({ [ORDERS]: jwk(weak) }, /2048/);
    const huge = generateKeyPairSync('rsa', { modulusLength: 4160 }).publicKey;
    await refused({ [ORDERS]: jwk(huge) }, /4096/);
    await refused({ [ORDERS]: jwk(generateKeyPairSync('ed25519').publicKey) }, /EC P-256/);
    await refused([ecPublic], /JSON object/);
  });

  it('names the setting and the file, never quoting it', async () => {
    const resolve = await resolveWith(`{"${ORDERS}": {"kty":"EC","x":"SECRETISH`);
    let message = '';
    try {
      resolve();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/--encrypted-audiences .*not valid JSON/);
    expect(message).not.toContain('SECRETISH');
    expect(() =>
      resolveServerConfig(
        { port: '0', issuer: ISSUER, encryptedAudiencesFile: join(dir, 'missing.json') },
        {},
      ),
    ).toThrow(/--encrypted-audiences \(TESSERA_ENCRYPTED_AUDIENCES\): cannot read .*ENOENT/);
  });
});
