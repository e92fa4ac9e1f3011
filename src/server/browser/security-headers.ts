import type { FastifyReply } from 'fastify';

/**
 * Headers on every response of the auth server (docs/browser.md): a CSP that allows no script
 * at all, no framing (clickjacking; CSP frame-ancestors is the rule, X-Frame-Options covers
 * browsers that predate it), no referrer (URLs never leave), no MIME sniffing.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/**
 * Put {@link SECURITY_HEADERS} on a reply, and `Cache-Control: no-store` unless the route
 * chose its caching (the style sheet, the JWKS): what an auth server answers, errors and
 * redirects included, is about someone's session and must not sit in a shared cache.
 * A header the route set itself is kept.
 *
 * @example
 * app.addHook('onSend', async (_request, reply, payload) => {
 *   addSecurityHeaders(reply);
 *   return payload;
 * });
 */
export function addSecurityHeaders(reply: FastifyReply): FastifyReply {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!reply.hasHeader(name)) reply.header(name, value);
  }
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  return reply;
}
