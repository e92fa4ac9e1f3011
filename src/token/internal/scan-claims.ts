import { finding, type Finding } from './finding.js';
import { classifyClaimName, type SensitiveKind } from './sensitive-claim-names.js';
import { looksLikeCardNumber, looksLikeEmail } from './sensitive-claim-values.js';

/** Bounds on the walk, so that a hostile payload costs little: depth, values, findings. */
const MAX_DEPTH = 8;
const MAX_VALUES = 2_000;
const MAX_FINDINGS = 32;
const MAX_NAME_SHOWN = 40;

/** A finding per kind of name: secrets and card or identity numbers are worse than contact data. */
const NAME_FINDINGS: Readonly<
  Record<SensitiveKind, Pick<Finding, 'code' | 'severity'> & { readonly what: string }>
> = {
  credential: { code: 'SENSITIVE_CLAIM', severity: 'high', what: 'a secret or credential' },
  'payment card data': { code: 'SENSITIVE_CLAIM', severity: 'high', what: 'payment card data' },
  'national id': { code: 'SENSITIVE_CLAIM', severity: 'high', what: 'a national id number' },
  'personal data': { code: 'PERSONAL_DATA_CLAIM', severity: 'medium', what: 'personal data' },
};

/**
 * Walk the claims (nested objects and arrays too, up to a bounded depth) for names that look
 * like secrets or personal data and for values that look like card numbers or emails. One
 * finding per place: below a suspicious name, nothing more is reported.
 *
 * @example
 * scanClaims({ sub: 'u1', user: { password: 'x' } });
 * // [{ code: 'SENSITIVE_CLAIM', severity: 'high', message: 'claim user.password ...' }]
 */
export function scanClaims(claims: Readonly<Record<string, unknown>>): Finding[] {
  const findings: Finding[] = [];
  // One object, not two `let`s: flow analysis cannot see the closures below assign them.
  const walk = { values: 0, incomplete: false };
  const add = (found: Finding): void => {
    if (findings.length < MAX_FINDINGS) findings.push(found);
    else walk.incomplete = true;
  };

  const visit = (value: unknown, path: string, name: string | undefined, depth: number): void => {
    if (++walk.values > MAX_VALUES) {
      walk.incomplete = true;
      return;
    }
    const match = name === undefined ? null : classifyClaimName(name);
    if (match !== null) {
      const { code, severity, what } = NAME_FINDINGS[match.kind];
      add(
        finding(
          code,
          severity,
          `claim ${path} looks like ${what} ("${match.word}"); a JWT payload is only ` +
            'base64url-encoded, so anyone holding the token can read it',
        ),
      );
      return;
    }
    if (typeof value === 'string') {
      if (looksLikeCardNumber(value)) {
        add(
          finding(
            'CARD_NUMBER_VALUE',
            'medium',
            `claim ${path} holds what looks like a payment card number (passes Luhn)`,
          ),
        );
      } else if (looksLikeEmail(value)) {
        add(
          finding(
            'EMAIL_VALUE',
            'medium',
            `claim ${path} holds what looks like an email address (personal data)`,
          ),
        );
      }
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (depth >= MAX_DEPTH) {
      walk.incomplete = true;
      return;
    }
    if (Array.isArray(value)) {
      const items = value as readonly unknown[];
      for (let i = 0; i < items.length && walk.values <= MAX_VALUES; i++) {
        visit(items[i], `${path}[${i}]`, undefined, depth + 1);
      }
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (walk.values > MAX_VALUES) break;
      visit(child, appendKey(path, key), key, depth + 1);
    }
  };

  for (const [key, value] of Object.entries(claims)) visit(value, appendKey('', key), key, 0);
  if (walk.incomplete) {
    findings.push(
      finding(
        'SCAN_INCOMPLETE',
        'low',
        `claims are too large or too deeply nested to scan in full (limits: depth ${MAX_DEPTH}, ` +
          `${MAX_VALUES} values, ${MAX_FINDINGS} findings); review them by hand`,
      ),
    );
  }
  return findings;
}

/** `a.b` for plain names, `a["odd name"]` otherwise; long names are cut so messages stay short. */
function appendKey(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key) && key.length <= MAX_NAME_SHOWN) {
    return path === '' ? key : `${path}.${key}`;
  }
  const shown = key.length > MAX_NAME_SHOWN ? `${key.slice(0, MAX_NAME_SHOWN)}…` : key;
  return `${path}[${JSON.stringify(shown)}]`;
}
