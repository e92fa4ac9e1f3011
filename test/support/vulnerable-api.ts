import {
  constants,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
  X509Certificate,
} from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';

// A deliberately vulnerable API for `tessera attack`'s tests: a tiny node:http server with an
// RS256 verifier written the careless way, each classic mistake behind a switch. With every
// switch off it is strict (signature, alg, kid, typ, crit, exp, nbf, iss, aud), so the tool
// must find nothing; with one on, the tool must find exactly the attacks that exploit it.

/** The mistakes the API can make. */
export interface VulnerableFlaws {
  /** Accepts `alg: none` in any spelling, without a signature. */
  readonly algNone?: boolean;
  /** Verifies HS256/384/512 with its RSA public key PEM as the secret (key confusion). */
  readonly hmacWithPublicKey?: boolean;
  /** Verifies with the key in the token's own `jwk` header (CVE-2018-0114). */
  readonly trustJwkHeader?: boolean;
  /** Never checks `exp`. */
  readonly ignoreExp?: boolean;
  /** Fetches the token's `jku` URL (then ignores it and still verifies with its own key). */
  readonly fetchJku?: boolean;
  /** Checks the header's `alg` and `kid` but decodes the claims without verifying the signature. */
  readonly ignoreSignature?: boolean;
  /** Also takes ES256 from a second key, with Java 15-18's check that lets r = s = 0 pass. */
  readonly psychicEcdsa?: boolean;
  /**
   * Looks HS256 keys up by `kid` as a file under a key directory (`/dev/null` reads as an empty
   * key) and in a SQL query built by pasting the `kid` in (a `UNION SELECT '…'` picks the key).
   */
  readonly kidLookup?: boolean;
  /** Never checks `aud`. */
  readonly ignoreAud?: boolean;
  /** Never checks `nbf`. */
  readonly ignoreNbf?: boolean;
  /** Never checks `iss`. */
  readonly ignoreIss?: boolean;
  /** Verifies with the key of the first `x5c` certificate, without validating the chain. */
  readonly trustX5c?: boolean;
}

export const VULNERABLE_ISSUER = 'https://issuer.vulnerable.test';
export const VULNERABLE_AUDIENCE = 'vulnerable-api';

/** A running vulnerable API. */
export interface VulnerableApi {
  /** The protected endpoint. */
  readonly url: string;
  readonly jwksUrl: string;
  /** The real signing key as a PKCS#8 PEM, for `--key`. */
  readonly privateKeyPem: string;
  /** A valid token for user `alice`. */
  issueToken(): string;
  close(): Promise<void>;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Start the API on 127.0.0.1, port 0, with `flaws` switched on. */
export async function startVulnerableApi(flaws: VulnerableFlaws = {}): Promise<VulnerableApi> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;

  const verify = async (token: string): Promise<boolean> => {
    const segments = token.split('.');
    const [h = '', p = '', s] = segments;
    if (segments.length !== 3 || s === undefined) return false;
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const parsed: unknown = JSON.parse(Buffer.from(p, 'base64url').toString());
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    const claims = parsed as Record<string, unknown>;
    const input = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const alg = String(header['alg']);
    if (flaws.fetchJku === true && typeof header['jku'] === 'string') {
      await fetch(header['jku'], { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
    }
    let valid: boolean;
    const kidKey = flaws.kidLookup === true && alg === 'HS256' ? lookUpKid(header['kid']) : null;
    if (alg.toLowerCase() === 'none') {
      valid = flaws.algNone === true;
    } else if (kidKey !== null) {
      const mac = createHmac('sha256', kidKey).update(input).digest();
      valid = mac.length === signature.length && timingSafeEqual(mac, signature);
    } else if (flaws.psychicEcdsa === true && alg === 'ES256' && header['kid'] === 'k1') {
      valid = isZeroSignature(signature) || verifySignature(alg, ecKey, input, signature);
    } else if (
      flaws.trustX5c === true &&
      Array.isArray(header['x5c']) &&
      typeof header['x5c'][0] === 'string'
    ) {
      const certificate = new X509Certificate(Buffer.from(header['x5c'][0], 'base64'));
      valid = verifySignature(alg, certificate.publicKey, input, signature);
    } else if (flaws.ignoreSignature === true) {
      valid = alg === 'RS256' && header['kid'] === 'k1';
    } else if (/^HS(256|384|512)$/.test(alg)) {
      const mac = createHmac(`sha${alg.slice(2)}`, publicPem)
        .update(input)
        .digest();
      valid =
        flaws.hmacWithPublicKey === true &&
        mac.length === signature.length &&
        timingSafeEqual(mac, signature);
    } else {
      let key: KeyObject = publicKey;
      if (flaws.trustJwkHeader === true && typeof header['jwk'] === 'object') {
        key = createPublicKey({ key: header['jwk'] as Record<string, string>, format: 'jwk' });
      } else if (alg !== 'RS256' || header['kid'] !== 'k1') {
        return false;
      }
      valid = verifySignature(alg, key, input, signature);
    }
    if (!valid || header['typ'] !== 'at+jwt' || header['crit'] !== undefined) return false;
    const now = Date.now() / 1000;
    if (flaws.ignoreExp !== true && !(typeof claims['exp'] === 'number' && claims['exp'] > now)) {
      return false;
    }
    if (
      flaws.ignoreNbf !== true &&
      claims['nbf'] !== undefined &&
      !(typeof claims['nbf'] === 'number' && claims['nbf'] <= now)
    ) {
      return false;
    }
    return (
      (flaws.ignoreIss === true || claims['iss'] === VULNERABLE_ISSUER) &&
      (flaws.ignoreAud === true || claims['aud'] === VULNERABLE_AUDIENCE)
    );
  };

  const server: Server = createServer((request, response) => {
    request.resume();
    if (request.url === '/jwks.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    verify(token).then(
      (ok) => {
        if (ok) response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        else refuse();
      },
      () => {
        refuse();
      },
    );
    function refuse(): void {
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/me`,
    jwksUrl: `${origin}/jwks.json`,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    issueToken: () => {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })}.${b64({
        iss: VULNERABLE_ISSUER,
        aud: VULNERABLE_AUDIENCE,
        sub: 'alice',
        scope: 'read',
        iat: now,
        exp: now + 900,
      })}`;
      return `${input}.${signRs256(privateKey, input)}`;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** An ES256 signature (r || s, RFC 7518 §3.4) whose r and s are both zero. */
function isZeroSignature(signature: Buffer): boolean {
  return signature.length === 64 && signature.every((byte) => byte === 0);
}

/** The careless HS256 key lookups of `kidLookup`; null when the kid finds no key. */
function lookUpKid(kid: unknown): Buffer | null {
  if (typeof kid !== 'string') return null;
  // As a file under /srv/keys: `../../dev/null` and `/dev/null` both name the empty device.
  if (posix.resolve('/srv/keys', kid) === '/dev/null') return Buffer.alloc(0);
  // As `SELECT secret FROM keys WHERE kid = '<kid>'`: a UNION picks the attacker's secret.
  const union = /UNION SELECT '([^']*)'/i.exec(kid);
  return union?.[1] === undefined ? null : Buffer.from(union[1]);
}

function verifySignature(alg: string, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  if (alg === 'EdDSA') return cryptoVerify(null, input, key, signature);
  if (alg === 'ES256') {
    return cryptoVerify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
  }
  if (alg === 'RS256') {
    return cryptoVerify('sha256', input, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  }
  return false;
}

/** RS256: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3). */
function signRs256(privateKey: KeyObject, input: string): string {
  return cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url');
}
