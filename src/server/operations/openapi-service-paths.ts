import { json, ref } from './openapi-components.js';

/** Discovery (RFC 8414, RFC 7517), health, the revocation feed and the operator endpoints. */
export const SERVICE_PATHS = {
  '/.well-known/jwks.json': {
    get: {
      summary: 'The public signing keys (RFC 7517), current, next and retiring',
      responses: {
        '200': {
          ...json('The key set; cacheable for `--jwks-max-age` seconds.', ref('schemas', 'Jwks')),
          headers: { 'Cache-Control': { schema: { type: 'string' } } },
        },
      },
    },
  },
  '/.well-known/oauth-authorization-server': {
    get: {
      summary: 'Authorization server metadata (RFC 8414)',
      responses: {
        '200': json('The metadata.', {
          type: 'object',
          required: ['issuer', 'token_endpoint', 'jwks_uri'],
          properties: {
            issuer: { type: 'string' },
            token_endpoint: { type: 'string' },
            jwks_uri: { type: 'string' },
            revocation_endpoint: { type: 'string' },
            introspection_endpoint: { type: 'string' },
            grant_types_supported: { type: 'array', items: { type: 'string' } },
            dpop_signing_alg_values_supported: { type: 'array', items: { type: 'string' } },
          },
        }),
      },
    },
  },
  '/healthz': {
    get: {
      summary: 'Health: 503 while revocations are stale and tokens are refused',
      responses: {
        '200': json('`ok`, or `degraded` (stale but --fail-open-when-stale).', {
          $ref: '#/components/schemas/Health',
        }),
        '503': json('`stale`: take this process out of rotation.', {
          $ref: '#/components/schemas/Health',
        }),
      },
    },
  },
  '/revocations': {
    get: {
      summary: 'A page of the revocation log after a cursor',
      parameters: [
        { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
      ],
      responses: {
        '200': json('Events after the cursor, oldest first, and the new cursor.', {
          type: 'object',
          required: ['events', 'cursor'],
          properties: {
            events: { type: 'array', items: ref('schemas', 'RevocationEvent') },
            cursor: { type: 'integer' },
          },
        }),
        '400': ref('responses', 'BadRequest'),
      },
    },
  },
  '/revocations/stream': {
    get: {
      summary: 'The revocation log as Server-Sent Events',
      description:
        'Sends every event after `Last-Event-ID` (or `after`) as `event: revocation`, then `event: ready`, then new events as they are logged, with `: heartbeat` comments only while this server’s own view is fresh.',
      parameters: [
        { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 } },
        { name: 'Last-Event-ID', in: 'header', schema: { type: 'integer', minimum: 0 } },
      ],
      responses: {
        '200': {
          description: 'An endless event stream.',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        '400': ref('responses', 'BadRequest'),
      },
    },
  },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (text exposition format)',
      description:
        'Off (404) unless the operator configured a metrics token; then it needs `Authorization: Bearer <metrics token>`. See docs/operations.md.',
      security: [{ metricsToken: [] }],
      responses: {
        '200': {
          description: 'The metrics.',
          content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
        },
        '401': json('Missing or wrong metrics token.', ref('schemas', 'Error')),
        '404': ref('responses', 'NotFound'),
      },
    },
  },
  '/openapi.json': {
    get: {
      summary: 'This description (OpenAPI 3.1)',
      responses: { '200': json('The OpenAPI document.', { type: 'object' }) },
    },
  },
} as const;

/** The `/healthz` body. */
export const HEALTH_SCHEMA = {
  type: 'object',
  required: ['status', 'revocations', 'keys'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded', 'stale'] },
    reason: { type: 'string' },
    revocations: {
      type: 'object',
      properties: {
        cursor: { type: 'integer' },
        lag_ms: { type: ['integer', 'null'] },
        source: { type: ['string', 'null'] },
        problems: { type: 'array', items: { type: 'string' } },
      },
    },
    keys: {
      type: 'array',
      items: {
        type: 'object',
        properties: { kid: { type: 'string' }, state: { type: 'string' } },
      },
    },
  },
} as const;
