import { CLIENT, form, json, ref, USER_TOKEN } from './openapi-components.js';

/**
 * The paths of the auth server, OpenAPI 3.1 style (`{id}` for Fastify's `:id`). Every route
 * the server registers must appear here, and nothing else: test/operations/openapi.test.ts
 * compares both ways.
 */

const error = ref('schemas', 'Error');
const noContent = { description: 'Done; no body.' };
const requestId = {
  name: 'X-Request-Id',
  in: 'header',
  required: false,
  description: 'Echoed back; 1 to 64 of `A-Z a-z 0-9 . _ : @ / + = -`, else the server makes one.',
  schema: { type: 'string', maxLength: 64 },
};
const dpopProof = {
  name: 'DPoP',
  in: 'header',
  required: false,
  description: 'A DPoP proof (RFC 9449 §4): binds the tokens issued to its key.',
  schema: { type: 'string' },
};

/** `/auth/*`: first-party login and a user's sessions. */
export const AUTH_PATHS = {
  '/auth/login': {
    post: {
      summary: 'Log in with a username and password',
      description:
        'Creates a session and returns an access token and a refresh token. Failed logins are throttled per account and address.',
      parameters: [requestId, dpopProof],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['username', 'password'],
              additionalProperties: false,
              properties: {
                username: { type: 'string', minLength: 1, maxLength: 256 },
                password: { type: 'string', minLength: 1, maxLength: 1024 },
                client_id: {
                  type: 'string',
                  description: 'The first-party client (default) or a registered public client.',
                },
                scope: { type: 'string', maxLength: 1024 },
              },
            },
          },
        },
      },
      responses: {
        '200': json('Logged in.', ref('schemas', 'LoginTokens')),
        '400': ref('responses', 'BadRequest'),
        '401': json('`invalid_credentials`: the username or password is wrong.', error),
        '429': {
          ...json('`too_many_attempts`: wait for `Retry-After` seconds.', error),
          headers: { 'Retry-After': { schema: { type: 'integer' } } },
        },
        '503': ref('responses', 'Unavailable'),
      },
    },
  },
  '/auth/logout': {
    post: {
      summary: 'End the session of the presented token',
      security: USER_TOKEN,
      parameters: [requestId],
      responses: {
        '204': noContent,
        '401': ref('responses', 'Unauthorized'),
        '403': json('`insufficient_scope`: a token without a session.', error),
        '503': ref('responses', 'Unavailable'),
      },
    },
  },
  '/auth/logout-all': {
    post: {
      summary: 'End every session of the user (log out everywhere)',
      security: USER_TOKEN,
      parameters: [requestId],
      responses: {
        '204': noContent,
        '401': ref('responses', 'Unauthorized'),
        '403': json('`insufficient_scope`: a token without a session.', error),
        '503': ref('responses', 'Unavailable'),
      },
    },
  },
  '/auth/sessions': {
    get: {
      summary: "List the user's live sessions",
      security: USER_TOKEN,
      parameters: [requestId],
      responses: {
        '200': json('The sessions.', {
          type: 'object',
          required: ['sessions'],
          properties: { sessions: { type: 'array', items: ref('schemas', 'Session') } },
        }),
        '401': ref('responses', 'Unauthorized'),
        '403': json('`insufficient_scope`: a token without a session.', error),
        '503': ref('responses', 'Unavailable'),
      },
    },
  },
  '/auth/sessions/{id}': {
    delete: {
      summary: 'End one of the user’s sessions',
      security: USER_TOKEN,
      parameters: [
        requestId,
        { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      ],
      responses: {
        '204': noContent,
        '401': ref('responses', 'Unauthorized'),
        '404': json('No such live session of this user (another user’s answers alike).', error),
        '503': ref('responses', 'Unavailable'),
      },
    },
  },
} as const;

/** The form body of revocation (RFC 7009 §2.1) and introspection (RFC 7662 §2.1). */
const TOKEN_REQUEST = {
  type: 'object',
  required: ['token'],
  properties: {
    token: { type: 'string' },
    token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
    client_id: { type: 'string' },
    client_secret: { type: 'string' },
  },
};

/** `/oauth/*`: token (RFC 6749), revocation (RFC 7009), introspection (RFC 7662). */
export const OAUTH_PATHS = {
  '/oauth/token': {
    post: {
      summary: 'Token endpoint: refresh_token and client_credentials grants',
      description:
        'refresh_token rotates the refresh token (a spent one presented again ends its session everywhere); client_credentials needs a confidential client and returns no refresh token.',
      security: CLIENT,
      parameters: [requestId, dpopProof],
      requestBody: form({
        type: 'object',
        required: ['grant_type'],
        properties: {
          grant_type: { type: 'string', enum: ['refresh_token', 'client_credentials'] },
          refresh_token: { type: 'string', description: 'For grant_type=refresh_token.' },
          scope: { type: 'string' },
          resource: {
            type: 'string',
            description:
              'RFC 8707: an audience listed in --encrypted-audiences (client_credentials only); the token is then encrypted for it.',
          },
          client_id: { type: 'string' },
          client_secret: { type: 'string' },
        },
      }),
      responses: {
        '200': json('Tokens issued (`Cache-Control: no-store`).', ref('schemas', 'TokenResponse')),
        '400': json(
          '`invalid_request`, `invalid_grant`, `unsupported_grant_type`, `unauthorized_client`, `invalid_scope`, `invalid_target` (RFC 8707), `invalid_dpop_proof` or `use_dpop_nonce` (RFC 6749 §5.2, RFC 9449).',
          error,
        ),
        '401': ref('responses', 'InvalidClient'),
        '503': ref('responses', 'Unavailable'),
      },
    },
  },
  '/oauth/revoke': {
    post: {
      summary: 'Revoke an access token (by jti) or a refresh token (its whole session)',
      description: 'RFC 7009: unknown or already invalid tokens answer 200 too.',
      security: CLIENT,
      parameters: [requestId],
      requestBody: form(TOKEN_REQUEST),
      responses: {
        '200': { description: 'Revoked, or nothing to revoke; no body.' },
        '400': json(
          '`invalid_request`, or `unsupported_token_type` for an encrypted access token, which cannot be revoked by itself (RFC 7009 §2.2.1).',
          error,
        ),
        '401': ref('responses', 'InvalidClient'),
        '503': ref('responses', 'Unavailable'),
      },
    },
  },
  '/oauth/introspect': {
    post: {
      summary: 'Introspect a token (confidential clients only)',
      security: [{ clientBasic: [] }],
      parameters: [requestId],
      requestBody: form(TOKEN_REQUEST),
      responses: {
        '200': json('The token’s state (RFC 7662 §2.2).', ref('schemas', 'Introspection')),
        '400': ref('responses', 'BadRequest'),
        '401': ref('responses', 'InvalidClient'),
        '503': ref('responses', 'Unavailable'),
      },
    },
  },
} as const;
