import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildAttackCatalogue,
  limitAttacks,
  MAX_ATTACKS,
} from '../../src/cli/attack/attack-catalogue.js';
import { generateAttackerKeys } from '../../src/cli/attack/attack-signer.js';
import { parseJwsParts } from '../../src/cli/attack/jws-parts.js';
import { createSelfSignedCertificate } from '../../src/cli/attack/self-signed-certificate.js';

// The catalogue on its own: every token differs from the valid one, ids are unique, the run
// is bounded, and the x5c certificate is a real one (a target that parses it must get past
// parsing for the attack to mean anything).

const { privateKey } = generateKeyPairSync('ed25519');
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const valid = `${b64({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })}.${b64({ sub: 'alice', exp: 2e9 })}.${Buffer.alloc(64, 7).toString('base64url')}`;

function catalogue(withKeys: boolean) {
  const publicKey = createPublicKey(privateKey);
  return buildAttackCatalogue({
    parts: parseJwsParts(valid),
    publicKeys: withKeys
      ? [
          {
            label: 'k1',
            key: publicKey,
            jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'k1' },
          },
        ]
      : [],
    realKey: withKeys ? { alg: 'EdDSA', key: privateKey } : null,
    attackerKeys: generateAttackerKeys(),
    publish: (label) => `http://127.0.0.1:1/secret/${label}`,
    nowSeconds: 1_700_000_000,
  });
}

describe('attack catalogue', () => {
  it('builds distinct, bounded attacks that never resend the valid token', () => {
    const { attacks, skipped } = catalogue(true);
    expect(skipped).toEqual([]);
    expect(attacks.length).toBeLessThanOrEqual(MAX_ATTACKS);
    expect(new Set(attacks.map((attack) => attack.id)).size).toBe(attacks.length);
    const tokens = attacks
      .filter((attack) => attack.isControl !== true)
      .map((attack) => attack.token);
    expect(tokens).not.toContain(valid);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const attack of attacks) expect(attack.sent).not.toContain(valid);
  });

  it('lists the attacks past the bound, and the JWKS keys past its bound, as skipped', () => {
    const many = Array.from({ length: 5 }, (_, index) => {
      const key = createPublicKey(generateKeyPairSync('ed25519').privateKey);
      return {
        label: `k${index}`,
        key,
        jwk: { ...key.export({ format: 'jwk' }), kid: `k${index}` },
      };
    });
    const built = buildAttackCatalogue({
      parts: parseJwsParts(valid),
      publicKeys: many,
      realKey: null,
      attackerKeys: generateAttackerKeys(),
      publish: (label) => `http://127.0.0.1:1/secret/${label}`,
      nowSeconds: 1_700_000_000,
    });
    expect(built.skipped.map((entry) => entry.id)).toEqual([
      'key-confusion/*-k3',
      'key-confusion/*-k4',
      'real-key/*',
    ]);
    const { attacks, skipped } = limitAttacks(built.attacks, 50);
    expect(attacks).toEqual(built.attacks.slice(0, 50));
    expect(skipped.map((entry) => entry.id)).toEqual(
      built.attacks.slice(50).map((attack) => attack.id),
    );
    expect(
      skipped.every((entry) => entry.reason === 'over the 50 forged tokens one run sends'),
    ).toBe(true);
  });

  it('lists what needs --jwks or --key as skipped', () => {
    const { attacks, skipped } = catalogue(false);
    expect(skipped.map((entry) => entry.id)).toEqual(['key-confusion/*', 'real-key/*']);
    expect(attacks.some((attack) => attack.category === 'key-confusion')).toBe(false);
  });

  it('refuses a --token that is not a compact JWS', () => {
    for (const bad of [
      '',
      'a.b',
      'a.b.c.d',
      `${b64([1])}.${b64({})}.x`,
      `${b64({})}.${b64({})}.x`,
    ]) {
      expect(() => parseJwsParts(bad)).toThrow(TypeError);
    }
  });

  it('makes a self-signed certificate that parses and verifies', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const certificate = new X509Certificate(createSelfSignedCertificate(key, 'tessera attack'));
    expect(certificate.subject).toBe('CN=tessera attack');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(createPublicKey(key))).toBe(true);
    expect(certificate.publicKey.export({ format: 'jwk' })).toEqual(
      createPublicKey(key).export({ format: 'jwk' }),
    );
  });
});
