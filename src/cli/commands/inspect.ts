import { InvalidArgumentError, type Command } from 'commander';
import {
  inspectToken,
  MAX_INSPECTED_TOKEN_LENGTH,
  type FindingSeverity,
  type TokenInspection,
  type TokenTime,
} from '../../token/inspect-token.js';
import type { CliIo } from '../cli-io.js';

/** Exit status per most severe finding; documented in the command's help. */
const EXIT_CODES: Readonly<Record<FindingSeverity, number>> = { high: 2, medium: 1, low: 0 };

const HELP_AFTER = `
The token is decoded, never verified: do not trust what it says because of this output.
Findings: HIGH (forgeable or leaking), MEDIUM (risky), LOW (information).

Exit status:
  0  no findings, or only LOW ones
  1  at least one MEDIUM finding
  2  at least one HIGH finding
  64 a usage error (bad option, unreadable input)

Examples:
  $ tessera inspect eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln
  $ printf '%s' "$TOKEN" | tessera inspect - --json --now 2025-01-01T00:00:00Z`;

interface InspectOptions {
  readonly json?: boolean;
  readonly now?: number;
}

/**
 * `tessera inspect <token>`: decode a JWT without verifying it and list its pitfalls, as text
 * or JSON. Sets `process.exitCode` to 2 when a finding is high, 1 when one is medium, else 0.
 *
 * @example
 * registerInspectCommand(program, processIo);
 * // $ tessera inspect eyJhbGciOi... --now 2025-01-01T00:00:00Z
 */
export function registerInspectCommand(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description(
      'Decode a JWT WITHOUT verifying it and list pitfalls: alg none, HMAC, keys in the ' +
        'header, missing exp/aud/iss/typ, long lifetimes, odd kid values, secrets and ' +
        'personal data in claims.',
    )
    .argument('<token>', 'the JWT, or - to read it from standard input')
    .option('--json', 'print the inspection as JSON')
    .option('--now <time>', 'judge exp, nbf and iat at this ISO 8601 time, not now', parseTime)
    .addHelpText('after', HELP_AFTER)
    .action(async (tokenArgument: string, options: InspectOptions) => {
      const input = tokenArgument === '-' ? await readStandardInput() : tokenArgument;
      const now = options.now ?? Date.now();
      // Pasted tokens often carry the scheme of the Authorization header or a newline.
      const inspection = inspectToken(input.trim().replace(/^Bearer\s+/i, ''), { now });
      io.stdout(
        options.json === true
          ? `${toSafeJson(inspection)}\n`
          : formatInspection(inspection, new Date(now).toISOString()),
      );
      process.exitCode = exitCodeOf(inspection);
    });
}

/** The exit status for an inspection: that of its most severe finding. */
function exitCodeOf(inspection: TokenInspection): number {
  return Math.max(0, ...inspection.findings.map((finding) => EXIT_CODES[finding.severity]));
}

function formatInspection(inspection: TokenInspection, nowIso: string): string {
  const lines: string[] = [];
  const section = (title: string, value: unknown, missing: string): void => {
    lines.push(`${title} (not verified)`, value === null ? missing : toSafeJson(value), '');
  };
  section('Header', inspection.header, '(could not be decoded)');
  section('Claims', inspection.claims, '(not a JSON object)');
  lines.push(`Times (relative to ${nowIso})`);
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    lines.push(`  ${name}  ${formatTime(inspection.times[name])}`);
  }
  lines.push('', 'Findings');
  if (inspection.findings.length === 0) lines.push('  none');
  const codeWidth = Math.max(...inspection.findings.map((finding) => finding.code.length));
  for (const { severity, code, message } of inspection.findings) {
    lines.push(
      escapeUnsafe(`${severity.toUpperCase().padEnd(6)}  ${code.padEnd(codeWidth)}  ${message}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function formatTime(time: TokenTime | null): string {
  if (time === null) return '-';
  return `${time.iso ?? `${time.seconds} s after the epoch`}  (${time.relative})`;
}

/**
 * Pretty JSON that is safe to print to a terminal: JSON already escapes C0 controls, and
 * this also escapes C1 controls (0x9b is a CSI on some terminals) and bidirectional
 * overrides, so a hostile token cannot rewrite the screen or disguise its claims.
 */
function toSafeJson(value: unknown): string {
  return escapeUnsafe(JSON.stringify(value, null, 2));
}

function escapeUnsafe(text: string): string {
  return text.replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    length += buffer.length;
    // Enough to be reported as too large (room left for whitespace); stop reading there.
    if (length > MAX_INSPECTED_TOKEN_LENGTH + 1024) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new InvalidArgumentError('expected an ISO 8601 time such as 2025-01-01T12:00:00Z');
  }
  return ms;
}
