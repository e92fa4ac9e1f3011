// Framework middleware on the request authenticator. Each framework has its own entry, so
// importing one never loads (or needs the types of) another:
// - `tessera/express`: ./express.ts (createExpressAuth)
// - `tessera/fastify`: ./fastify.ts (createFastifyAuth, tesseraPlugin)
// - `tessera/hono`: ./hono.ts (createHonoAuth)
// This index names only what the three share and what needs no framework.
export type {
  AuthenticateRouteOptions,
  MiddlewareAuthenticatorOptions,
  MiddlewareCommonOptions,
  MiddlewareOptions,
  MiddlewareVerifierOptions,
} from './middleware-options.js';
