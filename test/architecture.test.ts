import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// DESIGN.md: dependencies point one way, cli → server/gateway → verifier/sessions →
// store → revocation/keys → token, and token imports nothing of ours. This test reads every
// import in src/ and holds the code to that, and to having no import cycles at all.

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

// The store persists what keys and revocation define (revocation events, key records), so
// it sits one step above them; revocation reads the log through a port it defines itself.
const LAYER: Readonly<Record<string, number>> = {
  token: 0,
  keys: 1,
  revocation: 1,
  store: 2,
  sessions: 3,
  verifier: 3,
  server: 4,
  gateway: 4,
  cli: 5,
  index: 6,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function partOf(file: string): string {
  const first = relative(SRC, file).split(sep)[0] ?? '';
  return first.endsWith('.ts') ? first.slice(0, -3) : first;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(
    /(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g,
  )) {
    const spec = match[1] ?? match[2];
    if (spec !== undefined) targets.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return targets;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe('architecture', () => {
  it('has a known part for every folder of src/', () => {
    for (const file of files) expect(Object.keys(LAYER)).toContain(partOf(file));
  });

  it('imports only downward (or within a part)', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const from = partOf(file);
      for (const target of targets) {
        const to = partOf(target);
        if (to !== from && (LAYER[to] ?? 99) >= (LAYER[from] ?? -1)) {
          violations.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push(
          [...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' → '),
        );
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
