import type { FastifyServerOptions } from 'fastify';

/** The levels `--log-level` accepts, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** True when `value` is a log level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Fields that hold secrets wherever they are logged: pino replaces their values with
 * `[redacted]`. A second line of defence: the serializers below already log no headers and
 * no bodies, but an `err` or an object logged by hand could still carry one.
 */
export const REDACTED_PATHS: readonly string[] = Object.freeze(
  [
    'authorization',
    'cookie',
    'dpop',
    'password',
    'new_password',
    'current_password',
    'confirm_password',
    '_csrf',
    'client_secret',
    'refresh_token',
    'access_token',
    'token',
    'secret',
    'code_verifier',
    'csrf',
  ].flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
  // Headers as Node and Fastify name them.
).concat([
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
]);

/** Longest request path a log line keeps. */
const MAX_LOGGED_PATH = 200;

interface RequestLike {
  readonly method?: string;
  readonly url?: string;
  readonly ip?: string;
  readonly socket?: { readonly remoteAddress?: string | undefined } | null;
}

interface ReplyLike {
  readonly statusCode?: number;
}

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly stack?: unknown;
}

/**
 * A request as logged: method, path and client address. Never headers (Authorization,
 * Cookie, DPoP hold credentials), never the query string (RFC 6750 §2.3 lets clients put an
 * access token there, and §5.3 asks servers not to keep it), never the body.
 */
export function serializeRequest(request: RequestLike): Record<string, unknown> {
  const path = (request.url ?? '').split('?')[0] ?? '';
  return {
    method: request.method,
    url: path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path,
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
  };
}

/** A reply as logged: its status only (headers may set cookies). */
export function serializeReply(reply: ReplyLike): Record<string, unknown> {
  return { statusCode: reply.statusCode };
}

/**
 * An error as logged: type, message, code and stack, and nothing else. Other enumerable
 * fields are left out because a library error may carry the request or its parameters.
 * Tessera's own messages never contain a token or secret (STYLE.md, Errors).
 */
export function serializeError(error: ErrorLike): LoggedError {
  return {
    type: typeof error.name === 'string' ? error.name : 'Error',
    message: typeof error.message === 'string' ? error.message : String(error.message),
    stack: typeof error.stack === 'string' ? error.stack : '',
    ...(typeof error.code === 'string' ? { code: error.code } : {}),
    ...(typeof error.statusCode === 'number' ? { statusCode: error.statusCode } : {}),
  };
}

/** What {@link serializeError} keeps of an error. */
export interface LoggedError {
  readonly [key: string]: unknown;
  readonly type: string;
  readonly message: string;
  readonly stack: string;
}

/**
 * The server's logger options (pino through Fastify): JSON lines at `level` with the request
 * id on every line of a request (`reqId`), serializers that leave credentials out, and
 * redaction of every field that could hold one.
 *
 * @throws TypeError for an unknown level.
 * @example
 * await startServer(config, { logger: createLogOptions('info') });
 */
export function createLogOptions(
  level: LogLevel,
  destination?: { readonly file: string },
): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  if (!isLogLevel(level)) {
    throw new TypeError(`log level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    level,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    serializers: { req: serializeRequest, res: serializeReply, err: serializeError },
    ...(destination === undefined ? {} : { file: destination.file }),
  };
}
