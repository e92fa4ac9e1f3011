import { isAlgorithm, isSymmetricAlgorithm } from '../algorithms.js';
import { finding, type Finding } from './finding.js';

const MAX_KID_LENGTH = 128;
const SHOWN_VALUE_LENGTH = 40;

/** The IANA "JSON Web Signature and Encryption Algorithms" registered for JWS use. */
const REGISTERED_ALGORITHMS: ReadonlySet<string> = new Set([
  ...['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  ...['ES256', 'ES384', 'ES512', 'ES256K', 'EdDSA', 'Ed25519', 'Ed448'],
]);

/** Header parameters that carry a key or point at one, and why each is dangerous. */
const KEY_PARAMETERS: readonly (readonly [string, string])[] = [
  ['jwk', 'embeds a public key; a verifier that uses it accepts tokens signed with any key'],
  ['x5c', 'embeds a certificate chain; a verifier that uses it lets the token pick its key'],
  ['jku', 'points at a key-set URL; a verifier that fetches it can be led to attacker keys'],
  ['x5u', 'points at a certificate URL; a verifier that fetches it can be led to attacker keys'],
];

const TYP_ADVICE =
  'access tokens should say at+jwt so they cannot pass for other JWTs (RFC 9068 §2.1)';

/**
 * Findings about a decoded JOSE header: `alg`, an empty signature, key-carrying
 * parameters, `crit`, `kid` and `typ`.
 *
 * @param unsigned True when the signature segment is empty.
 * @example
 * checkHeader({ alg: 'none' }, true); // [ALG_NONE, TYP_MISSING]
 */
export function checkHeader(
  header: Readonly<Record<string, unknown>>,
  unsigned: boolean,
): Finding[] {
  const findings: Finding[] = [];
  const alg = header['alg'];
  const isNone = typeof alg === 'string' && alg.toLowerCase() === 'none';
  if (typeof alg !== 'string') {
    findings.push(finding('ALG_UNKNOWN', 'high', 'the header has no alg string'));
  } else if (isNone) {
    findings.push(
      finding(
        'ALG_NONE',
        'high',
        `alg is ${quote(alg)}: the token is unsigned and anyone can forge it (RFC 8725 §3.1)`,
      ),
    );
  } else if (!REGISTERED_ALGORITHMS.has(alg)) {
    findings.push(
      finding(
        'ALG_UNKNOWN',
        'high',
        `alg ${quote(alg)} is not a registered JWS algorithm (algorithm names are case-sensitive)`,
      ),
    );
  } else if (!isAlgorithm(alg)) {
    findings.push(
      finding('ALG_UNSUPPORTED', 'low', `alg ${alg} is registered but Tessera does not verify it`),
    );
  } else if (isSymmetricAlgorithm(alg)) {
    findings.push(
      finding(
        'ALG_HMAC',
        'medium',
        `alg ${alg} uses a shared secret: every service that can verify these tokens can also ` +
          'mint them; prefer EdDSA or ES256',
      ),
    );
  }
  if (unsigned && !isNone) {
    findings.push(finding('SIGNATURE_MISSING', 'high', 'the signature segment is empty'));
  }
  for (const [name, why] of KEY_PARAMETERS) {
    if (header[name] !== undefined) {
      findings.push(finding('KEY_IN_HEADER', 'high', `header ${name} ${why} (RFC 8725 §3.10)`));
    }
  }
  if (header['crit'] !== undefined) {
    findings.push(
      finding(
        'CRIT_HEADER',
        'medium',
        'header crit names extensions every verifier must understand or reject the token ' +
          '(RFC 7515 §4.1.11); many libraries silently ignore it',
      ),
    );
  }
  const kidProblems = describeKidProblems(header['kid']);
  if (kidProblems.length > 0) {
    findings.push(
      finding(
        'KID_SUSPICIOUS',
        'medium',
        `kid ${kidProblems.join(', ')}; a verifier that puts kid into a file path, SQL query ` +
          'or command can be attacked through it (RFC 8725 §3.10)',
      ),
    );
  }
  const typ = header['typ'];
  if (typ === undefined) {
    findings.push(finding('TYP_MISSING', 'low', `the header has no typ; ${TYP_ADVICE}`));
  } else if (typeof typ !== 'string' || !/^(?:application\/)?at\+jwt$/i.test(typ)) {
    // RFC 7515 §4.1.9: typ compares case-insensitively, with `application/` optional.
    findings.push(finding('TYP_UNEXPECTED', 'low', `typ is ${quote(typ)}; ${TYP_ADVICE}`));
  }
  return findings;
}

function describeKidProblems(kid: unknown): string[] {
  if (kid === undefined) return [];
  if (typeof kid !== 'string') return ['is not a string'];
  const problems: string[] = [];
  if (kid.length === 0) problems.push('is empty');
  if (kid.length > MAX_KID_LENGTH) problems.push(`is longer than ${MAX_KID_LENGTH} characters`);
  if (/[/\\]/.test(kid)) problems.push('contains a path separator');
  if (kid.includes('..')) problems.push('contains ".."');
  if (/['"`]/.test(kid)) problems.push('contains a quote');
  // `--` appears by chance in base64url thumbprints (Tessera's default kid), so it only
  // counts next to characters outside that alphabet.
  if (kid.includes(';') || (kid.includes('--') && !/^[\w-]+$/.test(kid))) {
    problems.push('contains SQL syntax (; or --)');
  }
  if (/\s/.test(kid)) problems.push('contains whitespace');
  if (hasControlCharacter(kid)) problems.push('contains control characters');
  return problems;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** A header value for a message: JSON-quoted (so control characters are escaped) and short. */
function quote(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > SHOWN_VALUE_LENGTH ? `${text.slice(0, SHOWN_VALUE_LENGTH)}…` : text;
}
