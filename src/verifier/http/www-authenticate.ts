import type { TokenScheme } from './authorization-header.js';

/** Parameters of one challenge; `undefined` values are left out. */
export type ChallengeParameters = Readonly<Record<string, string | undefined>>;

/**
 * One `WWW-Authenticate` challenge (RFC 9110 §11.6.1): the scheme, then `name="value"` pairs.
 * Values are quoted strings; the characters RFC 6750 §3 forbids in `error_description`
 * (`"`, `\` and anything outside printable ASCII) are dropped, so no value can break the
 * header or smuggle a second challenge.
 *
 * @example
 * formatChallenge('Bearer', { realm: 'api', error: 'invalid_token' });
 * // 'Bearer realm="api", error="invalid_token"'
 */
export function formatChallenge(scheme: TokenScheme, parameters: ChallengeParameters): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    if (value === undefined) continue;
    parts.push(`${name}="${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`);
  }
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}
