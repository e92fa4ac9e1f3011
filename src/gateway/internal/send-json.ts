import type { ServerResponse } from 'node:http';

/**
 * Answer with a JSON error body `{ error, error_description }` (the shape of RFC 6749 §5.2 and
 * RFC 6750 §3) and `Cache-Control: no-store`, so no cache keeps a refusal meant for one client.
 */
export function sendGatewayError(
  response: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = JSON.stringify({ error, error_description: description });
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(body);
}
