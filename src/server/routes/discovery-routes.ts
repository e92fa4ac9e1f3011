import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../server-context.js';

/**
 * `/.well-known/*` (RFC 7517 JWKS, RFC 8414 metadata) and `/healthz`, which answers 503 while
 * revocations are stale and tokens are refused, so a load balancer takes the process out.
 */
export function registerDiscoveryRoutes(app: FastifyInstance, context: ServerContext): void {
  const { config, keys, follower, freshness } = context;

  app.get('/.well-known/jwks.json', async (_request, reply) => {
    // Shorter than the key pre-publication period, so a verifier's cached copy always holds
    // the next key before any token is signed with it.
    return reply
      .header('cache-control', `public, max-age=${config.jwksMaxAgeSeconds}`)
      .send(keys.toJwks());
  });

  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => {
    const base = config.issuer.replace(/\/$/, '');
    return reply.header('cache-control', 'public, max-age=3600').send({
      issuer: config.issuer,
      token_endpoint: `${base}/oauth/token`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      grant_types_supported: ['refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'none',
      ],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: [],
      scopes_supported: [],
      // RFC 9449 §5.1.
      dpop_signing_alg_values_supported: context.dpop.proofs.algorithms,
    });
  });

  app.get('/healthz', async (_request, reply) => {
    const revocations = freshness.status();
    // Fail-open keeps serving tokens while stale: report it, but stay in rotation.
    const refusing = !revocations.fresh && !config.failOpenWhenStale;
    const status = revocations.fresh ? 'ok' : refusing ? 'stale' : 'degraded';
    return reply
      .code(refusing ? 503 : 200)
      .header('cache-control', 'no-store')
      .send({
        status,
        ...(revocations.fresh ? {} : { reason: revocations.summary }),
        revocations: {
          cursor: follower.cursor,
          // Time since the denylist was last confirmed current, by whichever source.
          lag_ms: revocations.ageMs === null ? null : Math.round(revocations.ageMs),
          source: revocations.source,
          problems: revocations.problems,
        },
        keys: keys.list().map((entry) => ({ kid: entry.key.kid, state: entry.state })),
      });
  });
}
