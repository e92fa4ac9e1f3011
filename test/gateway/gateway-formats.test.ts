import {
  createCipheriv,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  constants,
  type JsonWebKey,
} from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayConfigError } from '../../src/gateway/gateway-config-error.js';
import { resolveGatewayConfig, type RawGatewaySettings } from '../../src/gateway/gateway-config.js';
import { gatewayVerifierOptions } from '../../src/gateway/internal/gateway-verifier-options.js';
import { startGateway, type RunningGateway } from '../../src/gateway/start-gateway.js';
import { encryptJwt } from '../../src/token/encrypted-token.js';
import { signPaseto } from '../../src/token/paseto-token.js';
import { buildCli, tessera } from '../support/serve-process.js';
import { STACK_FRAME } from '../support/server-fixture.js';
import {
  accessClaims,
  AUDIENCE,
  gatewaySettingsFor,
  startFakeAuthServer,
  type FakeAuthServer,
} from './fake-auth-server.js';
import { echoedHeaders, getJson, startEchoUpstream, type EchoUpstream } from './gateway-fixture.js';

// `tessera gateway` with encrypted (nested JWT in JWE) and PASETO v4.public tokens: keys come
// from JWKS files named by flags or the config file, and the checks are the verifier's.

const jwk = (key: { export(options: { format: 'jwk' }): JsonWebKey }): JsonWebKey =>
  key.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const ecPrivate = { ...jwk(ec.privateKey), kid: 'orders-ec', use: 'enc' };
const ecPublic = { ...jwk(ec.publicKey), kid: 'orders-ec', use: 'enc' };
const rsaPrivate = { ...jwk(rsa.privateKey), kid: 'orders-rsa', alg: 'RSA-OAEP-256' };
const edPrivate = { ...jwk(ed.privateKey), kid: 'p1' };
const edPublic = { ...jwk(ed.publicKey), kid: 'p1' };

let dir = '';
let auth: FakeAuthServer;
let upstream: EchoUpstream;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-gateway-formats-'));
  await writeFile(
    join(dir, 'decrypt.jwks.json'),
    JSON.stringify({ keys: [ecPrivate, rsaPrivate] }),
  );
  await writeFile(join(dir, 'paseto-public.jwks.json'), JSON.stringify({ keys: [edPublic] }));
  auth = await startFakeAuthServer();
  upstream = await startEchoUpstream();
});
afterAll(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
  await upstream.close();
  await auth.close();
  await rm(dir, { recursive: true, force: true });
});

const base = (): RawGatewaySettings => gatewaySettingsFor(auth, upstream.url);

async function gateway(settings: RawGatewaySettings): Promise<RunningGateway> {
  const running = await startGateway(resolveGatewayConfig({ ...base(), ...settings }, {}), {
    readyTimeoutMs: 10_000,
    onWarning: () => undefined, // revocations 'none' warns; this test is about formats
  });
  gateways.push(running);
  expect(running.ready).toBe(true);
  return running;
}

/** A v4.public PASETO with the claims of the fake server's access tokens. */
function pasetoToken(overrides: Record<string, unknown> = {}): Promise<string> {
  return signPaseto(accessClaims(auth, overrides), edPrivate, { kid: 'p1' });
}

/**
 * A genuine RSA1_5 JWE (PKCS#1 v1.5 key transport, RFC 7518 §4.2) of a real access token, for
 * the gateway's own RSA key: `jose` no longer makes them, so it is built here by hand.
 */
function rsa15Token(jws: string): string {
  const header = Buffer.from(
    JSON.stringify({ alg: 'RSA1_5', enc: 'A256GCM', cty: 'JWT', kid: 'orders-rsa' }),
  ).toString('base64url');
  const cek = randomBytes(32);
  const encryptedKey = publicEncrypt(
    { key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING },
    cek,
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cek, iv).setAAD(Buffer.from(header, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(jws), cipher.final()]);
  return [header, encryptedKey, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

async function get(
  running: RunningGateway,
  token: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return getJson(`${running.url}/orders`, { authorization: `Bearer ${token}` });
}

describe('gateway token formats', () => {
  it('forwards a nested JWT encrypted for its audience, and a v4.public PASETO', async () => {
    const running = await gateway({
      formats: 'jwt,paseto-v4-public',
      decryptionKeys: join(dir, 'decrypt.jwks.json'),
      pasetoPublicKeys: join(dir, 'paseto-public.jwks.json'),
    });
    const jwe = await encryptJwt(auth.accessToken(), ecPublic);
    expect(jwe.split('.')).toHaveLength(5);
    const encrypted = await get(running, jwe);
    expect(encrypted.status).toBe(200);
    expect(echoedHeaders(encrypted.body)['x-tessera-sub']).toBe('alice');
    expect(echoedHeaders(encrypted.body)['x-tessera-sid']).toBe('session-1');

    const paseto = await pasetoToken();
    expect(paseto.startsWith('v4.public.')).toBe(true);
    const pasetoAnswer = await get(running, paseto);
    expect(pasetoAnswer.status).toBe(200);
    expect(echoedHeaders(pasetoAnswer.body)['x-tessera-sub']).toBe('alice');
    expect(echoedHeaders(pasetoAnswer.body)['x-tessera-scope']).toBe('orders:read');

    // Plain JWS still passes without requireEncryption; PASETO for another audience does not.
    expect((await get(running, auth.accessToken())).status).toBe(200);
    const elsewhere = await get(running, await pasetoToken({ aud: 'billing-api' }));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body['error']).toBe('invalid_token');
  });

  it('refuses a JWE for another key, an RSA1_5 JWE, and a PASETO signed by another key', async () => {
    const running = await gateway({
      formats: 'jwt,paseto-v4-public',
      decryptionKeys: join(dir, 'decrypt.jwks.json'),
      pasetoPublicKeys: join(dir, 'paseto-public.jwks.json'),
    });
    // Sanity: the same token, encrypted properly with RSA-OAEP-256 for that key, passes.
    const rsaPublic = { ...jwk(rsa.publicKey), kid: 'orders-rsa', alg: 'RSA-OAEP-256' };
    expect((await get(running, await encryptJwt(auth.accessToken(), rsaPublic))).status).toBe(200);

    const rsa15 = await get(running, rsa15Token(auth.accessToken()));
    expect(rsa15.status).toBe(401);
    expect(rsa15.body['error']).toBe('invalid_token');
    expect(rsa15.body['method']).toBeUndefined(); // never reached the upstream

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const foreign = await encryptJwt(auth.accessToken(), { ...jwk(other), kid: 'orders-ec' });
    expect((await get(running, foreign)).status).toBe(401);

    const forged = await signPaseto(
      { iss: auth.url, aud: AUDIENCE, sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 60 },
      { ...jwk(generateKeyPairSync('ed25519').privateKey) },
      { kid: 'p1' },
    );
    expect((await get(running, forged)).status).toBe(401);
  });

  it('with requireEncryption, refuses a plain JWS and forwards its encrypted form', async () => {
    const running = await gateway({
      decryptionKeys: join(dir, 'decrypt.jwks.json'),
      requireEncryption: true,
    });
    const plain = await get(running, auth.accessToken());
    expect(plain.status).toBe(401);
    expect(plain.body['error']).toBe('invalid_token');
    expect(plain.body['method']).toBeUndefined();
    const encrypted = await get(running, await encryptJwt(auth.accessToken(), ecPublic));
    expect(encrypted.status).toBe(200);
  });

  it('reads the settings from the config file, key paths relative to it', async () => {
    const sub = await mkdtemp(join(dir, 'conf-'));
    await writeFile(join(sub, 'keys.json'), JSON.stringify({ keys: [ecPrivate] }));
    await writeFile(join(sub, 'ed.json'), JSON.stringify({ keys: [edPublic] }));
    await writeFile(
      join(sub, 'gateway.json'),
      JSON.stringify({
        routes: [{ prefix: '/orders', scopes: ['orders:read'] }],
        formats: ['jwt', 'paseto-v4-public'],
        decryption: { keysFile: 'keys.json', contentAlgorithms: ['A256GCM'] },
        paseto: { publicKeysFile: 'ed.json' },
      }),
    );
    const config = resolveGatewayConfig({ ...base(), config: join(sub, 'gateway.json') }, {});
    expect(config.formats).toEqual(['jwt', 'paseto-v4-public']);
    expect(config.requireEncryption).toBe(false);
    const options = gatewayVerifierOptions(config, {});
    expect(options.decryption?.keys).toEqual([ecPrivate]);
    expect(options.paseto?.publicKeys).toEqual([edPublic]);
    expect(options.formats).toEqual(['jwt', 'paseto-v4-public']);
    // A flag wins over the file; a file key left without its format is a mistake, named there.
    await writeFile(
      join(sub, 'jwe-only.json'),
      JSON.stringify({ formats: ['jwt'], decryption: { keysFile: 'keys.json' } }),
    );
    const flagged = resolveGatewayConfig(
      {
        ...base(),
        config: join(sub, 'jwe-only.json'),
        formats: 'jwt,paseto-v4-public',
        pasetoPublicKeys: join(sub, 'ed.json'),
        requireEncryption: false,
      },
      {},
    );
    expect(flagged.formats).toEqual(['jwt', 'paseto-v4-public']);
    expect(flagged.decryption?.keys).toEqual([ecPrivate]);
    expect(flagged.paseto?.publicKeys).toEqual([edPublic]);
    expect(() =>
      resolveGatewayConfig({ ...base(), config: join(sub, 'gateway.json'), formats: 'jwt' }, {}),
    ).toThrow(/gateway\.json: paseto\.publicKeysFile is only used with paseto-v4-public/);
  });

  it('without PASETO or JWE settings, asks the verifier for exactly what it did before', () => {
    const options = gatewayVerifierOptions(resolveGatewayConfig(base(), {}), {});
    expect(options.formats).toEqual(['jwt']);
    expect(options.requireEncryption).toBe(false);
    expect(options.decryption).toBeUndefined();
    expect(options.paseto).toBeUndefined();
    expect(options.jwksUri).toBe(`${auth.url}/.well-known/jwks.json`);
  });
});

describe('gateway token-format settings are checked at start', () => {
  const refused = (settings: RawGatewaySettings, message: RegExp): void => {
    let error: unknown;
    try {
      resolveGatewayConfig({ ...base(), ...settings }, {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  };
  const file = async (name: string, content: unknown): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('refuses unknown or repeated formats', () => {
    refused({ formats: 'jwt,paseto-v3-local' }, /--formats .*paseto-v3-local/);
    refused({ formats: 'jwt,jwt' }, /--formats .*each once/);
  });

  it('refuses requireEncryption without decryption keys, or with v4.public', async () => {
    refused({ requireEncryption: true }, /--require-encryption .*needs decryption keys/);
    refused(
      {
        requireEncryption: true,
        decryptionKeys: join(dir, 'decrypt.jwks.json'),
        formats: 'jwt,paseto-v4-public',
        pasetoPublicKeys: await file('ed-public.json', { keys: [edPublic] }),
      },
      /--require-encryption .*paseto-v4-public/,
    );
  });

  it('refuses unreadable, malformed or unusable decryption key files, never quoting them', async () => {
    refused(
      { decryptionKeys: join(dir, 'missing.json') },
      /--decryption-keys .*cannot read .*ENOENT/,
    );
    const secretish = await file('broken.json', `{"keys":[{"d":"${'S'.repeat(40)}"`);
    let message = '';
    try {
      resolveGatewayConfig({ ...base(), decryptionKeys: secretish }, {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not valid JSON/);
    expect(message).not.toContain('SSSS');
    refused({ decryptionKeys: await file('empty.json', { keys: [] }) }, /must be a JWKS/);
    // A public key cannot decrypt: the operator gave the wrong half.
    refused(
      { decryptionKeys: await file('public.json', { keys: [ecPublic] }) },
      /--decryption-keys .*public\.json: .*private/,
    );
    const weak = { ...jwk(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey) };
    refused({ decryptionKeys: await file('weak.json', { keys: [weak] }) }, /2048/);
    refused(
      { decryptionKeys: join(dir, 'decrypt.jwks.json'), formats: 'paseto-v4-public' },
      /--decryption-keys .*add jwt/,
    );
  });

  it('refuses RSA1_5 and unknown keys in the config file', async () => {
    const keysFile = join(dir, 'decrypt.jwks.json');
    refused(
      { config: await file('rsa15.json', { decryption: { keysFile, keyAlgorithms: ['RSA1_5'] } }) },
      /rsa15\.json: decryption\.keyAlgorithms: "RSA1_5" is not supported/,
    );
    refused(
      { config: await file('typo.json', { decryption: { keyFile: keysFile } }) },
      /typo\.json: decryption: unknown key "keyFile"/,
    );
    refused(
      { config: await file('inline.json', { decryption: { keys: [ecPrivate] } }) },
      /inline\.json: decryption: unknown key "keys"/,
    );
    refused(
      { config: await file('gone.json', { decryption: { keysFile: 'gone.jwks.json' } }) },
      /gone\.json: decryption\.keysFile cannot read .*gone\.jwks\.json \(ENOENT\)/,
    );
    refused({ config: await file('top.json', { format: ['jwt'] }) }, /unknown key "format"/);
  });

  it('refuses PASETO formats without keys, keys without the format, and wrong keys', async () => {
    refused({ formats: 'paseto-v4-public' }, /--paseto-public-keys .*is required/);
    refused({ formats: 'jwt,paseto-v4-local' }, /--paseto-local-keys .*is required/);
    const publicKeys = await file('ed-public-2.json', { keys: [edPublic] });
    refused(
      { pasetoPublicKeys: publicKeys },
      /--paseto-public-keys .*only used with paseto-v4-public/,
    );
    refused(
      {
        formats: 'paseto-v4-public',
        pasetoPublicKeys: await file('ed-private.json', { keys: [edPrivate] }),
      },
      /--paseto-public-keys .*holds a private key/,
    );
    refused(
      {
        formats: 'paseto-v4-public',
        pasetoPublicKeys: await file('ec-as-ed.json', { keys: [ecPublic] }),
      },
      /--paseto-public-keys .*Ed25519/,
    );
    refused(
      {
        formats: 'paseto-v4-local',
        pasetoLocalKeys: await file('short.json', {
          keys: [{ kty: 'oct', kid: 'l1', k: randomBytes(16).toString('base64url') }],
        }),
      },
      /--paseto-local-keys .*32 bytes/,
    );
    const local = await file('local.json', {
      keys: [{ kty: 'oct', kid: 'l1', k: randomBytes(32).toString('base64url') }],
    });
    const config = resolveGatewayConfig(
      { ...base(), formats: 'paseto-v4-local', pasetoLocalKeys: local },
      {},
    );
    expect(config.paseto?.localKeys).toHaveLength(1);
    // Without jwt, the verifier is not asked for algorithms or a JWKS.
    expect(gatewayVerifierOptions(config, {}).jwksUri).toBeUndefined();
  });
});

describe('tessera gateway with a bad key file', () => {
  beforeAll(async () => {
    await buildCli();
  }, 200_000);

  it('exits 64 with one line naming the setting', async () => {
    const run = await tessera([
      'gateway',
      '--upstream',
      'http://127.0.0.1:9',
      '--issuer',
      'http://127.0.0.1:9',
      '--audience',
      AUDIENCE,
      '--require-encryption',
      '--decryption-keys',
      join(dir, 'no-such-file.json'),
    ]);
    expect(run.code).toBe(64);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/--decryption-keys \(TESSERA_GATEWAY_DECRYPTION_KEYS\) cannot read/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  }, 30_000);
});
