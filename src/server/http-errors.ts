import type { FastifyReply } from 'fastify';

/**
 * An error to send to a client: `error` is a stable code (RFC 6749 §5.2 names on /oauth/*),
 * `description` is safe for the wire. Details for operators go to the log, never here.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly statusCode: number;
  readonly error: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    statusCode: number,
    error: string,
    description: string,
    headers: Record<string, string> = {},
  ) {
    super(description);
    this.statusCode = statusCode;
    this.error = error;
    this.headers = headers;
  }
}

/** Send `error` as `{ error, error_description }` with `Cache-Control: no-store`. */
export function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  return reply
    .code(error.statusCode)
    .headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...error.headers })
    .send({ error: error.error, error_description: error.message });
}

/** RFC 6750 §3: the challenge for a bearer-protected resource. */
export function bearerChallenge(error?: string, description?: string): Record<string, string> {
  const parts = ['Bearer realm="tessera"'];
  if (error !== undefined) parts.push(`error="${error}"`);
  if (description !== undefined)
    parts.push(`error_description="${description.replace(/["\\]/g, '')}"`);
  return { 'www-authenticate': parts.join(', ') };
}
