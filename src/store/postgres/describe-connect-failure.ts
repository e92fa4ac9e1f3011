import { describeAddress, type PostgresTarget } from './postgres-target.js';

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a connection failed, in a few words, from node-postgres and socket errors. */
function reasonOf(error: unknown, target: PostgresTarget, connectTimeoutMs: number): string {
  // Node gives an AggregateError (no message) when every address of a host refuses.
  const first: unknown = error instanceof AggregateError ? error.errors[0] : undefined;
  const inner = first ?? error;
  switch (codeOf(inner) ?? codeOf(error)) {
    case 'ECONNREFUSED':
      return 'connection refused (is PostgreSQL running and listening there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${target.host} not found`;
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ECONNRESET':
      return 'connection reset by the server';
    case '28P01':
      return `authentication failed for user "${target.user}"`;
    case '28000':
      // "role ... does not exist" or a pg_hba.conf refusal; PostgreSQL's text names the user
      // and host, never a password.
      return `access refused: ${messageOf(inner)}`;
    case '3D000':
      return `database "${target.database}" does not exist`;
    case '53300':
      return 'the server has no connection slots left';
    case '57P03':
      return 'the server is starting up or shutting down';
    default:
      break;
  }
  const message = messageOf(inner);
  if (/timeout/i.test(message)) return `no answer within ${connectTimeoutMs} ms`;
  if (message === 'Connection terminated unexpectedly') {
    return 'the server closed the connection (is that port PostgreSQL?)';
  }
  return message;
}

/**
 * One line saying where the store tried to connect and why it could not: host, port,
 * database, user and the reason (refused, authentication failed, no such database…).
 * Never the password.
 */
export function describeConnectFailure(
  error: unknown,
  target: PostgresTarget,
  connectTimeoutMs: number,
): string {
  const where = `${describeAddress(target)}, database "${target.database}", user "${target.user}"`;
  return `cannot connect to PostgreSQL at ${where}: ${reasonOf(error, target, connectTimeoutMs)}`;
}
