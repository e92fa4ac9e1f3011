import type { ServerConfig } from '../server-config.js';
import { BROWSER_PATHS, BROWSER_SECURITY_SCHEME } from './openapi-browser-paths.js';
import { COMPONENTS } from './openapi-components.js';
import { AUTH_PATHS, OAUTH_PATHS } from './openapi-paths.js';
import { HEALTH_SCHEMA, SERVICE_PATHS } from './openapi-service-paths.js';

/** Every described path with its operations, as the document lists them. */
export const DESCRIBED_PATHS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  ...AUTH_PATHS,
  ...OAUTH_PATHS,
  ...SERVICE_PATHS,
  ...BROWSER_PATHS,
};

/**
 * The OpenAPI 3.1 description of the auth server, with this server's issuer as its URL.
 *
 * @example
 * app.get('/openapi.json', () => buildOpenApiDocument(context.config));
 */
export function buildOpenApiDocument(
  config: Pick<ServerConfig, 'issuer'>,
  version = '0.1.0',
): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tessera auth server',
      version,
      description:
        'Token authentication: login, refresh-token rotation, OAuth token, revocation and introspection endpoints, and the revocation feed for verifiers. Every error is `{ error, error_description }` with `Cache-Control: no-store`; besides the statuses listed, a malformed body answers 400, an oversized one 413, an unsupported media type 415, and an unexpected failure 500 (`server_error`, nothing of the cause). Every answer carries `X-Request-Id`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: config.issuer.replace(/\/$/, '') }],
    paths: DESCRIBED_PATHS,
    components: {
      ...COMPONENTS,
      securitySchemes: { ...COMPONENTS.securitySchemes, browserSession: BROWSER_SECURITY_SCHEME },
      schemas: { ...COMPONENTS.schemas, Health: HEALTH_SCHEMA },
    },
  };
}
