// Regenerates docs/cli.md from the built CLI's own --help output, so the reference stays true
// to the code: `npm run build && npx tsx scripts/generate-cli-docs.ts > docs/cli.md`.
// test/operations/cli-docs.test.ts fails when a command or option is missing from the file.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createProgram } from '../src/cli/program.js';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const program = createProgram({ stdout: () => undefined, stderr: () => undefined });
const out: string[] = [
  '# CLI reference',
  '',
  'Every command of `tessera`, as `tessera <command> --help` prints it (generated from the',
  'built CLI by `scripts/generate-cli-docs.ts`; `test/operations/cli-docs.test.ts` fails when a',
  'command or option is missing here).',
  'Exit codes: 0 success; 64 a usage or configuration mistake (one line on stderr, never a',
  'stack trace); 1 an operational failure (a taken port, an unreachable database) or, for',
  '`inspect`, `attack` and `doctor`, findings by design; 70 anything unexpected.',
  '',
  '`serve` and `doctor` read the same settings: flags, then `TESSERA_*` variables, then the',
  'configuration file (`--config`, `TESSERA_CONFIG`, or `./tessera.config.json` when present),',
  'then defaults. See [operations.md](operations.md) for the file format.',
  '',
];

function walk(command: Command, path: readonly string[]): void {
  const help = execFileSync(process.execPath, [main, ...path, '--help'], {
    env: { ...process.env, COLUMNS: '100' },
  }).toString();
  const title = path.length === 0 ? 'tessera' : `tessera ${path.join(' ')}`;
  out.push(`${'#'.repeat(Math.min(path.length + 2, 4))} ${title}`, '');
  out.push('```text', help.trimEnd(), '```', '');
  for (const sub of command.commands) walk(sub, [...path, sub.name()]);
}

walk(program, []);
process.stdout.write(out.join('\n'));
