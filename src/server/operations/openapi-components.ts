/**
 * Shared parts of the OpenAPI description: schemas, security schemes and answers used by
 * several paths. Hand-written, kept true by test/operations/openapi.test.ts.
 */

/** A `$ref` to a component. */
export function ref(kind: 'schemas' | 'responses', name: string): { $ref: string } {
  return { $ref: `#/components/${kind}/${name}` };
}

/** A JSON answer with `schema`. */
export function json(description: string, schema: object): object {
  return { description, content: { 'application/json': { schema } } };
}

/** An `application/x-www-form-urlencoded` request body (RFC 6749 §3.2). */
export function form(schema: object): object {
  return { required: true, content: { 'application/x-www-form-urlencoded': { schema } } };
}

const stringField = { type: 'string' } as const;

/** `components` of the document. */
export const COMPONENTS = {
  securitySchemes: {
    bearer: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT (RFC 9068 at+jwt)',
      description:
        'An access token of this server in `Authorization: Bearer` (RFC 6750). Tokens bound to a DPoP key are refused this way.',
    },
    dpop: {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description:
        'A DPoP-bound access token as `Authorization: DPoP <token>`, with a `DPoP` proof header made with the bound key for this method and URL, carrying `ath` (RFC 9449 §7).',
    },
    clientBasic: {
      type: 'http',
      scheme: 'basic',
      description:
        'Client id and secret, each form-urlencoded (RFC 6749 §2.3.1); `client_id` and `client_secret` in the body work too, but not both ways at once.',
    },
    metricsToken: {
      type: 'http',
      scheme: 'bearer',
      description: 'The metrics token the operator configured (`--metrics-token-file`).',
    },
  },
  schemas: {
    Error: {
      type: 'object',
      required: ['error', 'error_description'],
      additionalProperties: false,
      properties: {
        error: {
          type: 'string',
          description: 'A stable code (RFC 6749 §5.2 names on /oauth/*).',
          examples: ['invalid_request', 'invalid_grant', 'invalid_token'],
        },
        error_description: { type: 'string', description: 'For people; never a secret.' },
      },
    },
    LoginTokens: {
      type: 'object',
      required: ['access_token', 'token_type', 'expires_in', 'refresh_token', 'session_id'],
      properties: {
        access_token: stringField,
        token_type: { type: 'string', enum: ['Bearer', 'DPoP'] },
        expires_in: { type: 'integer', description: 'Seconds.' },
        refresh_token: { type: 'string', description: 'Opaque; works once (rotated).' },
        session_id: stringField,
        scope: stringField,
      },
    },
    TokenResponse: {
      type: 'object',
      required: ['access_token', 'token_type', 'expires_in'],
      properties: {
        access_token: stringField,
        token_type: { type: 'string', enum: ['Bearer', 'DPoP'] },
        expires_in: { type: 'integer' },
        refresh_token: {
          type: 'string',
          description: 'Only for the refresh_token grant: the successor token.',
        },
        refresh_token_expires_in: {
          type: 'integer',
          description:
            'Only for the refresh_token grant: seconds left in the session, which the refresh token cannot outlive.',
        },
        scope: stringField,
      },
    },
    Introspection: {
      type: 'object',
      required: ['active'],
      description:
        'RFC 7662 §2.2. Inactive tokens answer `{ "active": false }` only; active access tokens carry their claims.',
      properties: {
        active: { type: 'boolean' },
        token_type: { type: 'string', enum: ['access_token', 'refresh_token'] },
        client_id: stringField,
        sub: stringField,
        sid: stringField,
        scope: stringField,
        iat: { type: 'integer' },
        exp: { type: 'integer' },
        iss: stringField,
        cnf: { type: 'object', properties: { jkt: stringField } },
      },
    },
    Session: {
      type: 'object',
      required: [
        'id',
        'client_id',
        'user_agent',
        'ip',
        'created_at',
        'last_used_at',
        'expires_at',
        'current',
      ],
      properties: {
        id: stringField,
        client_id: stringField,
        user_agent: { type: ['string', 'null'] },
        ip: { type: ['string', 'null'] },
        created_at: { type: 'string', format: 'date-time' },
        last_used_at: { type: 'string', format: 'date-time' },
        expires_at: { type: 'string', format: 'date-time' },
        current: { type: 'boolean', description: 'The session of the token that asked.' },
      },
    },
    RevocationEvent: {
      type: 'object',
      required: ['id', 'kind', 'value', 'at', 'expires_at'],
      properties: {
        id: { type: 'integer', description: 'Position in the log; strictly increasing.' },
        kind: { type: 'string', enum: ['jti', 'sid', 'sub', 'kid'] },
        value: stringField,
        at: { type: 'integer', description: 'ms since the epoch.' },
        expires_at: { type: 'integer', description: 'ms since the epoch.' },
      },
    },
    Jwks: {
      type: 'object',
      required: ['keys'],
      properties: {
        keys: {
          type: 'array',
          items: {
            type: 'object',
            required: ['kty', 'kid', 'alg', 'use'],
            properties: { kty: stringField, kid: stringField, alg: stringField, use: stringField },
          },
        },
      },
    },
  },
  responses: {
    BadRequest: json('The request is malformed or misses a parameter.', ref('schemas', 'Error')),
    Unauthorized: {
      ...json(
        'No valid access token: `invalid_token`, with a `WWW-Authenticate` challenge (RFC 6750 §3; `DPoP` for bound tokens).',
        ref('schemas', 'Error'),
      ),
      headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
    },
    InvalidClient: json(
      'Client authentication failed (`invalid_client`).',
      ref('schemas', 'Error'),
    ),
    Unavailable: {
      ...json(
        '`temporarily_unavailable`: revocations cannot be confirmed current, or a store is down; retry after `Retry-After`.',
        ref('schemas', 'Error'),
      ),
      headers: { 'Retry-After': { schema: { type: 'integer' } } },
    },
    NotFound: json('No such route or resource.', ref('schemas', 'Error')),
  },
} as const;

/** Security of routes that take this server's access tokens. */
export const USER_TOKEN = [{ bearer: [] }, { dpop: [] }];

/** Security of the OAuth endpoints: a client, confidential (secret) or public (`client_id` only). */
export const CLIENT = [{ clientBasic: [] }, {}];
