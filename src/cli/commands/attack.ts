import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { exitCodeOfReport, formatReportJson, formatReportText } from '../attack/attack-report.js';
import { runAttack } from '../attack/run-attack.js';
import type { CliIo } from '../cli-io.js';
import { readStdin } from '../internal/read-secret.js';

const HELP_AFTER = `
Sends the valid token first (it must succeed), then no token and a garbage token (they must
not), then each forged token once, and prints one line per attack: ACCEPTED when a forged
token got a success status like the valid one, FETCHED when the target requested a URL the
token named (on a local attacker server at 127.0.0.1), else refused. Only --url, --jwks and
that local server are contacted. Use a read-only endpoint: an accepted forgery runs the
request. The valid token is never printed.

Exit status:
  0  every forged token was refused
  1  a forged token was accepted, or the target fetched an attacker URL
  2  the target could not be tested (baseline failed, network error, no answer,
     or --key is not the key that signs the target's tokens)
  64 a usage error (bad option, no token, unreadable --token-file or --key)

Examples:
  $ printf '%s' "$TOKEN" | tessera attack --url https://api.staging.example/me --token - \\
      --jwks https://auth.staging.example/.well-known/jwks.json
  $ tessera attack --url http://127.0.0.1:3000/auth/sessions --token-file token.txt --key key.jwk --json`;

interface AttackCommandOptions {
  readonly url: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly jwks?: string;
  readonly key?: string;
  readonly method: string;
  readonly header: readonly string[];
  readonly json?: boolean;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

/**
 * `tessera attack`: try the known JWT attacks against a protected endpoint with a valid
 * token as the starting point, and report which forged tokens it accepted. Sets
 * `process.exitCode` to 0 (all refused), 1 (a forgery accepted) or 2 (not testable).
 *
 * @throws TypeError (exit 64) for a `--token` that is not a JWS, no token or two, an
 *   unreadable `--token-file` or `--key`.
 * @example
 * registerAttackCommand(program, processIo);
 * // $ tessera attack --url http://127.0.0.1:3000/auth/sessions --token "$TOKEN"
 */
export function registerAttackCommand(program: Command, io: CliIo): void {
  program
    .command('attack')
    .description(
      'Try known JWT attacks (alg none, key confusion, embedded and remote keys, kid tricks, ' +
        'stripped and tampered signatures, psychic ECDSA, malformed and oversized tokens, ' +
        'expired and misaddressed tokens with --key) against a protected endpoint.',
    )
    .requiredOption('--url <url>', 'the protected endpoint (http or https)', parseHttpUrl)
    .option(
      '--token <jwt>',
      "a valid token the endpoint accepts (Bearer); '-' reads it from standard input",
    )
    .option('--token-file <file>', 'read the valid token from a file (keeps it out of `ps`)')
    .option('--jwks <url>', "the issuer's JWKS, for key confusion", parseHttpUrl)
    .option(
      '--key <file>',
      'the real private signing key (PEM or JWK), for expired/aud/iss/typ/crit',
    )
    .option('--method <method>', 'HTTP method of the endpoint', parseMethod, 'GET')
    .option(
      '--header <header>',
      "an extra request header, 'Name: value' (repeatable)",
      collectHeader,
      [],
    )
    .option('--json', 'print the report as JSON')
    .option(
      '--timeout-ms <ms>',
      'per-request timeout, 100 to 60000',
      parseBounded(100, 60_000),
      5000,
    )
    .option('--concurrency <n>', 'requests in flight, 1 to 16', parseBounded(1, 16), 4)
    .addHelpText('after', HELP_AFTER)
    .action(async (options: AttackCommandOptions) => {
      const token = await readToken(options);
      const report = await runAttack({
        url: options.url,
        token: token.trim().replace(/^Bearer\s+/i, ''),
        ...(options.jwks === undefined ? {} : { jwksUrl: options.jwks }),
        ...(options.key === undefined ? {} : { keyFile: options.key }),
        method: options.method,
        headers: parseHeaders(options.header),
        timeoutMs: options.timeoutMs,
        concurrency: options.concurrency,
      });
      io.stdout(options.json === true ? formatReportJson(report) : formatReportText(report));
      if (report.verdict === 'untested' && options.json !== true) {
        io.stderr(`tessera attack: ${report.problem ?? 'the target could not be tested'}\n`);
      }
      process.exitCode = exitCodeOfReport(report);
    });
}

/**
 * The valid token from `--token`, standard input (`--token -`) or `--token-file`: exactly one.
 * A token on the command line shows in `ps` and shell history; the other two do not.
 */
async function readToken(options: AttackCommandOptions): Promise<string> {
  if (options.token !== undefined && options.tokenFile !== undefined)
    throw new TypeError('give the token once: --token or --token-file, not both');
  if (options.tokenFile !== undefined) {
    try {
      return await readFile(options.tokenFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new TypeError(`cannot read --token-file ${options.tokenFile} (${code})`);
    }
  }
  if (options.token === '-') return readStdin();
  if (options.token === undefined)
    throw new TypeError(
      'a valid token is needed: --token <jwt>, --token - (stdin) or --token-file <file>',
    );
  return options.token;
}

function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('expected an http:// or https:// URL');
  }
  return url.href;
}

function parseMethod(value: string): string {
  const method = value.toUpperCase();
  if (!/^(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(method)) {
    throw new InvalidArgumentError('expected GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS');
  }
  return method;
}

function collectHeader(value: string, previous: readonly string[]): string[] {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(value);
  if (match === null) throw new InvalidArgumentError("expected 'Name: value'");
  if (match[1]?.toLowerCase() === 'authorization') {
    throw new InvalidArgumentError('the Authorization header is what the attacks set');
  }
  return [...previous, value];
}

function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const colon = value.indexOf(':');
    headers[value.slice(0, colon).toLowerCase()] = value.slice(colon + 1).trim();
  }
  return headers;
}

function parseBounded(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}
