/**
 * Claim names that suggest a token carries something it should not. A JWS payload is only
 * base64url-encoded, so anyone who holds the token reads it (RFC 8725 §3.13 points to JWE
 * for confidential claims). Matching works on the word parts of a name, so `apiKey`,
 * `api_key`, `API-KEY` and `x.api.key` all match, and `company` never matches `pan`.
 */

/**
 * What a suspicious claim name suggests it holds.
 *
 * @example
 * const kind: SensitiveKind = 'credential';
 */
export type SensitiveKind = 'credential' | 'payment card data' | 'national id' | 'personal data';

/** Words (or two adjacent words written together) and what they suggest. */
const WORDS: ReadonlyMap<string, SensitiveKind> = new Map<string, SensitiveKind>([
  ...entries('credential', [
    'password',
    'passwd',
    'passphrase',
    'pwd',
    'pin',
    'secret',
    'secrets',
    'token',
    'tokens',
    'apikey',
    'credential',
    'credentials',
    'private',
    'privatekey',
  ]),
  ...entries('payment card data', [
    'card',
    'creditcard',
    'cardnumber',
    'cc',
    'ccn',
    'ccnumber',
    'pan',
    'cvv',
    'cvc',
  ]),
  ...entries('national id', ['ssn', 'socialsecurity']),
  ...entries('personal data', [
    'email',
    'emails',
    'phone',
    'phonenumber',
    'telephone',
    'address',
    'dob',
    'birth',
    'birthdate',
    'birthday',
    'dateofbirth',
    'iban',
  ]),
]);

/**
 * Long, distinctive words that also count inside a run-together part (`userpassword`,
 * `clientsecret`, `contactemail`). Short words (`pan`, `cc`, `pin`) only match whole parts.
 */
const EMBEDDED: readonly (readonly [string, SensitiveKind])[] = [
  ['password', 'credential'],
  ['passwd', 'credential'],
  ['passphrase', 'credential'],
  ['secret', 'credential'],
  ['apikey', 'credential'],
  ['privatekey', 'credential'],
  ['creditcard', 'payment card data'],
  ['cardnumber', 'payment card data'],
  ['email', 'personal data'],
  ['phonenumber', 'personal data'],
  ['birthdate', 'personal data'],
  ['dateofbirth', 'personal data'],
];

/**
 * A name whose last word is one of these describes the data rather than holding it:
 * `email_verified` and `phone_number_verified` (OpenID Connect Core §5.1) are booleans,
 * `token_type` and `token_use` name a kind of token.
 */
const DESCRIPTIVE_LAST_WORDS: ReadonlySet<string> = new Set(['verified', 'type', 'use']);

/**
 * The lowercase word parts of a claim name: split at camelCase humps, at runs of capitals
 * (`APIKey` → `api`, `key`), between letters and digits, and at anything not alphanumeric.
 *
 * @example
 * splitClaimName('userAPIKey_v2'); // ['user', 'api', 'key', 'v', '2']
 */
export function splitClaimName(name: string): string[] {
  return name
    .replace(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/g, ' ')
    .replace(/(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/g, ' ')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((part) => part.length > 0);
}

/**
 * What a suspicious name matched: the kind of data and the word that gave it away.
 *
 * @example
 * { kind: 'credential', word: 'apikey' }
 */
export interface SensitiveNameMatch {
  readonly kind: SensitiveKind;
  readonly word: string;
}

/**
 * What a claim name suggests the claim holds, or null when it looks harmless.
 *
 * @example
 * classifyClaimName('date_of_birth'); // { kind: 'personal data', word: 'birth' }
 * classifyClaimName('email_verified'); // null
 */
export function classifyClaimName(name: string): SensitiveNameMatch | null {
  const parts = splitClaimName(name);
  const last = parts.at(-1);
  if (last === undefined || DESCRIPTIVE_LAST_WORDS.has(last)) return null;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const pair = i + 1 < parts.length ? part + (parts[i + 1] ?? '') : '';
    for (const word of [part, pair]) {
      const kind = WORDS.get(word);
      if (kind !== undefined) return { kind, word };
    }
  }
  for (const part of parts) {
    if (part.length > 5 && part.endsWith('token')) return { kind: 'credential', word: 'token' };
    for (const [word, kind] of EMBEDDED) {
      if (part.includes(word)) return { kind, word };
    }
  }
  return null;
}

function entries(
  kind: SensitiveKind,
  words: readonly string[],
): (readonly [string, SensitiveKind])[] {
  return words.map((word) => [word, kind] as const);
}
