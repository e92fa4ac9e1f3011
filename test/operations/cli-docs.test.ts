import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';

// docs/cli.md is the CLI reference: every command has a section and every option appears in
// it, so a new command or flag without documentation fails here with its name.

const DOC = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'cli.md'),
  'utf8',
);

function commands(command: Command, path: string[] = []): [string, Command][] {
  const name = ['tessera', ...path].join(' ');
  return [
    [name, command],
    ...command.commands.flatMap((sub) => commands(sub, [...path, sub.name()])),
  ];
}

/** The section of `name` in the document: from its heading to the next heading. */
function section(name: string): string | null {
  const start = DOC.search(new RegExp(`^#+ ${name.replace(/[-]/g, '\\-')}\\n`, 'm'));
  if (start === -1) return null;
  const rest = DOC.slice(DOC.indexOf('\n', start) + 1);
  const end = rest.search(/^#+ /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/**
 * Whether `text` names `flag` as a whole: `--token` is not found in `--token-file`, nor
 * `-p` in `-pq`, so a flag that prefixes another cannot pass for documented.
 */
function mentions(text: string, flag: string): boolean {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

describe('mentions', () => {
  it('matches whole flags only', () => {
    expect(mentions('`--token-file <file>`', '--token')).toBe(false);
    expect(mentions('`--token <jwt>`, `--token-file <file>`', '--token')).toBe(true);
    expect(mentions('see --no-token', '--token')).toBe(false);
    expect(mentions('--token=abc', '--token')).toBe(true);
    expect(mentions('-pq', '-p')).toBe(false);
  });
});

describe('docs/cli.md', () => {
  const all = commands(createProgram({ stdout: () => undefined, stderr: () => undefined }));

  it('has a section for every command', () => {
    const missing = all.map(([name]) => name).filter((name) => section(name) === null);
    expect(missing.join('\n'), 'commands without a section in docs/cli.md').toBe('');
    expect(all.length).toBeGreaterThan(15);
  });

  it('lists every option of every command in its section', () => {
    const missing: string[] = [];
    for (const [name, command] of all) {
      const text = section(name) ?? '';
      for (const option of command.options) {
        const flag = option.long ?? option.short ?? '';
        if (!mentions(text, flag)) missing.push(`${name} ${flag}`);
      }
    }
    expect(missing.join('\n'), 'options missing from docs/cli.md').toBe('');
  });
});
