import type { ServerResponse } from 'node:http';

/**
 * The security headers of the gateway's own answers (the browser-mode contract): nothing of
 * ours may run script, be framed, leak the URL in a Referer, or be sniffed as another type.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
});

/**
 * Answer with a JSON error body `{ error, error_description }` (the shape of RFC 6749 §5.2 and
 * RFC 6750 §3), `Cache-Control: no-store`, so no cache keeps a refusal meant for one client,
 * and {@link SECURITY_HEADERS}.
 */
export function sendGatewayError(
  response: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers: Readonly<Record<string, string | readonly string[]>> = {},
): void {
  const body = JSON.stringify({ error, error_description: description });
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    ...headers,
  });
  response.end(body);
}
