import { HttpError } from './http-errors.js';

/**
 * The scopes a request asks for (RFC 6749 §3.3: space-separated, order and repeats
 * meaningless), which must all be among `allowed`. Returns them de-duplicated, joined by
 * spaces; an empty request gives `''`, and the caller picks its own default.
 *
 * @throws HttpError 400 `invalid_scope` when a scope is not allowed for the client.
 */
export function requestedScope(requested: string | undefined, allowed: readonly string[]): string {
  const wanted = [...new Set((requested ?? '').split(' ').filter((scope) => scope !== ''))];
  if (wanted.some((scope) => !allowed.includes(scope))) {
    throw new HttpError(400, 'invalid_scope', 'a requested scope is not allowed for this client');
  }
  return wanted.join(' ');
}
