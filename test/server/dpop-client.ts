import { createServer, type AddressInfo } from 'node:net';
import {
  constants,
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { computeJwkThumbprint, exportPublicJwk, type Jwk } from '../../src/token/jwk.js';

// A minimal DPoP client for tests (RFC 9449 §4.2): a key pair and proofs signed with it, with
// every header and claim overridable so tests can build each kind of bad proof.

export type ProofAlgorithm = 'EdDSA' | 'ES256' | 'PS256' | 'RS256' | 'HS256';

/** A client's DPoP key: the private key signs, the public JWK travels in the proof header. */
export interface DpopKey {
  readonly alg: ProofAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicJwk: Jwk;
  /** RFC 7638 thumbprint: what `cnf.jkt` holds for tokens bound to this key. */
  readonly jkt: string;
}

/** A new key pair for `alg` (RSA keys are 2048 bits). */
export function createDpopKey(alg: Exclude<ProofAlgorithm, 'HS256'> = 'EdDSA'): DpopKey {
  const pair =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = exportPublicJwk(pair.publicKey);
  return { alg, privateKey: pair.privateKey, publicJwk, jkt: computeJwkThumbprint(publicJwk) };
}

/** What a proof says; anything set to `undefined` in `claims` or `header` is left out. */
export interface ProofInput {
  readonly method: string;
  readonly url: string;
  readonly accessToken?: string;
  readonly nonce?: string;
  /** Seconds since the epoch; default now. */
  readonly iat?: number;
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
  /** `broken` flips a bit of the signature. */
  readonly signature?: 'valid' | 'broken';
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Sign a DPoP proof for one request. */
export function createProof(key: DpopKey, input: ProofInput): string {
  const header = drop({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...input.header });
  const claims = drop({
    jti: randomBytes(12).toString('base64url'),
    htm: input.method,
    htu: input.url,
    iat: input.iat ?? Math.floor(Date.now() / 1000),
    ...(input.accessToken === undefined
      ? {}
      : { ath: createHash('sha256').update(input.accessToken).digest('base64url') }),
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    ...input.claims,
  });
  const signingInput = `${b64(header)}.${b64(claims)}`;
  const signature = signWith(key, Buffer.from(signingInput));
  if (input.signature === 'broken') signature[0] = (signature[0] ?? 0) ^ 1;
  return `${signingInput}.${signature.toString('base64url')}`;
}

function signWith(key: DpopKey, data: Buffer): Buffer {
  switch (key.alg) {
    case 'EdDSA':
      return sign(null, data, key.privateKey);
    case 'ES256':
      return sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    case 'PS256':
      return sign('sha256', data, {
        key: key.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
    default:
      return sign('sha256', data, key.privateKey);
  }
}

function drop(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/**
 * A port that was free a moment ago. DPoP proofs name the URL the client used (`htu`), and the
 * server compares it with its issuer, so DPoP tests give the server an issuer with its port.
 */
export async function findFreePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
