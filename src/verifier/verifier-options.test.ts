import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../token/errors.js';
import { createVerifier } from './create-verifier.js';
import { VerifierError } from './verifier-error.js';
import type { VerifierOptions } from './verifier-options.js';

// createVerifier refuses to exist without the checks that make verification mean something:
// no silent "skip the issuer check when the option is unset" (the trap of Oathkeeper and Kong).

const JWKS = {
  keys: [
    {
      kty: 'OKP',
      crv: 'Ed25519',
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
      kid: 'k1',
      alg: 'EdDSA',
    },
  ],
};

const VALID: VerifierOptions = {
  issuer: 'https://auth.example.com',
  audience: 'orders',
  algorithms: ['EdDSA'],
  jwks: JWKS,
  revocations: 'none',
  onWarning: () => undefined,
};

/** The VerifierError createVerifier throws for `options`; fails the test when it builds one. */
function refusal(options: Record<string, unknown>): VerifierError {
  let verifier: ReturnType<typeof createVerifier> | undefined;
  try {
    verifier = createVerifier(options as unknown as VerifierOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TesseraError);
    expect(error).toBeInstanceOf(VerifierError);
    return error as VerifierError;
  }
  void verifier.close();
  throw new Error('createVerifier accepted the options');
}

function without(name: keyof VerifierOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(VALID).filter(([key]) => key !== name));
}

describe('createVerifier options', () => {
  it('builds a verifier from complete options', async () => {
    const verifier = createVerifier(VALID);
    await verifier.ready();
    await verifier.close();
  });

  it.each(['issuer', 'audience', 'algorithms', 'revocations'] as const)(
    'refuses to be created without %s',
    (name) => {
      const error = refusal(without(name));
      expect(error.code).toBe('ERR_VERIFIER_OPTIONS_INVALID');
      expect(error.option).toBe(name);
      expect(error.message).toContain(name);
    },
  );

  it.each([
    ['issuer', ''],
    ['issuer', null],
    ['audience', ''],
    ['audience', []],
    ['audience', ['orders', '']],
    ['algorithms', []],
    ['algorithms', ['none']],
    ['algorithms', ['EdDSA', 'none']],
    ['algorithms', 'EdDSA'],
    ['algorithms', ['HS256']],
    ['revocations', {}],
    ['revocations', 'off'],
    ['revocations', { feed: 'https://a.example/revocations/stream', redis: 'redis://r' }],
    ['revocations.redis', { redis: 'http://r' }],
    ['revocations.feed', { feed: 'http://auth.example.com/revocations/stream' }],
    ['revocations.feed', { feed: 'not a url' }],
    ['maxStalenessSeconds', 0],
    ['maxStalenessSeconds', Number.NaN],
    ['failOpenWhenStale', 'yes'],
    ['typ', ''],
    ['clockToleranceSeconds', 3600],
    ['cache', true],
    ['cache.maxEntries', { maxEntries: 0 }],
    ['cache.maxEntries', {}],
  ])('refuses %s = %j', (name, value) => {
    const key = name.split('.')[0] ?? name;
    const error = refusal({ ...VALID, [key]: value });
    expect(error.code).toBe('ERR_VERIFIER_OPTIONS_INVALID');
    if (name !== 'typ' && name !== 'clockToleranceSeconds') expect(error.option).toBe(name);
  });

  it('needs exactly one key source', () => {
    expect(refusal(without('jwks')).option).toBe('jwksUri');
    expect(
      refusal({ ...VALID, jwksUri: 'https://auth.example.com/.well-known/jwks.json' }).option,
    ).toBe('jwksUri');
  });

  it('refuses a plain-http JWKS on another machine unless told it is unsafe', async () => {
    const options = { ...without('jwks'), jwksUri: 'http://auth.example.com/jwks.json' };
    expect(refusal(options).option).toBe('jwksUri');
    const verifier = createVerifier({
      ...(options as unknown as VerifierOptions),
      allowInsecureHttp: true,
    });
    await verifier.close();
  });

  it("warns that revocations: 'none' and failOpenWhenStale are unsafe", async () => {
    const warnings: string[] = [];
    const onWarning = (message: string): void => {
      warnings.push(message);
    };
    const none = createVerifier({ ...VALID, onWarning });
    const failOpen = createVerifier({
      ...VALID,
      revocations: { feed: 'http://127.0.0.1:1/revocations/stream' },
      failOpenWhenStale: true,
      timeoutMs: 100,
      onWarning,
    });
    await Promise.all([none.close(), failOpen.close()]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/revocations: 'none'.*unsafe/);
    expect(warnings[1]).toMatch(/failOpenWhenStale.*unsafe/);
  });
});

describe('token format options', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    format: 'jwk',
  });
  const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown format', { formats: ['jwe'] }, 'formats'],
    ['an empty format list', { formats: [] }, 'formats'],
    ['a repeated format', { formats: ['jwt', 'jwt'] }, 'formats'],
    ['requireEncryption without decryption keys', { requireEncryption: true }, 'requireEncryption'],
    [
      'requireEncryption with v4.public, which is not encrypted',
      {
        requireEncryption: true,
        decryption: { keys: [ec] },
        formats: ['jwt', 'paseto-v4-public'],
        paseto: { publicKeys: [{ ...ed, kid: 'p' }] },
      },
      'requireEncryption',
    ],
    [
      'decryption without the jwt format',
      {
        decryption: { keys: [ec] },
        formats: ['paseto-v4-local'],
        paseto: { localKeys: [{ kid: 'l', key: new Uint8Array(32) }] },
      },
      'decryption',
    ],
    ['a PASETO format without keys', { formats: ['jwt', 'paseto-v4-public'] }, 'paseto'],
    ['PASETO keys without a PASETO format', { paseto: { publicKeys: [ed] } }, 'paseto'],
  ])('refuses %s', (_name, overrides, option) => {
    expect(refusal({ ...VALID, ...overrides })).toMatchObject({
      code: 'ERR_VERIFIER_OPTIONS_INVALID',
      option,
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['RSA1_5 in the JWE allowlist', { decryption: { keys: [ec], keyAlgorithms: ['RSA1_5'] } }],
    ['a public key given to decrypt', { decryption: { keys: [ed] } }],
    ['a PBES2 ceiling over 10 000', { decryption: { keys: [ec], maxPbes2Count: 20_000 } }],
    [
      'a v4.public key without kid',
      { formats: ['paseto-v4-public'], paseto: { publicKeys: [ed] } },
    ],
    [
      'a v4.local key of 16 bytes',
      {
        formats: ['paseto-v4-local'],
        paseto: { localKeys: [{ kid: 'l', key: new Uint8Array(16) }] },
      },
    ],
  ])('refuses %s as invalid options', (_name, overrides) => {
    expect(refusal({ ...VALID, ...overrides }).code).toBe('ERR_VERIFIER_OPTIONS_INVALID');
  });

  it('builds a PASETO-only verifier without algorithms or a JWKS', async () => {
    const verifier = createVerifier({
      issuer: VALID.issuer,
      audience: VALID.audience,
      revocations: 'none',
      onWarning: () => undefined,
      formats: ['paseto-v4-public'],
      paseto: { publicKeys: [{ ...ed, kid: 'p' }] },
    });
    expect(verifier.verify('eyJhbGciOiJFZERTQSJ9.e30.AAAA')).toMatchObject({
      code: 'ERR_TOKEN_FORMAT_NOT_ALLOWED',
    });
    await verifier.close();
  });
});
