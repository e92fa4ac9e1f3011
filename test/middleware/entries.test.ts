import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `tessera/express`, `tessera/fastify` and `tessera/hono` are separate entries so that users
// of one framework never load, nor install, another. The middleware may therefore import a
// framework only for its types (erased at build), and no entry may import another.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MIDDLEWARE = join(ROOT, 'src', 'verifier', 'middleware');
const FRAMEWORKS = /^(express|fastify|hono|@hono\/.+|@fastify\/.+)(\/.*)?$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Every `import … from '…'` and `export … from '…'` of a file, with whether it is type-only. */
function importsOf(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(import|export)(\s+type)?\b[^;]*?from\s+'([^']+)'/gms)].map(
    (match) => ({ spec: match[3] ?? '', typeOnly: match[2] !== undefined }),
  );
}

describe('middleware entries', () => {
  it('import their framework for types only, so loading one loads no framework', () => {
    const valueImports = sources(MIDDLEWARE).flatMap((file) =>
      importsOf(file)
        .filter(({ spec, typeOnly }) => FRAMEWORKS.test(spec) && !typeOnly)
        .map(({ spec }) => `${file}: ${spec}`),
    );
    expect(valueImports).toEqual([]);
    // The check reads real imports: express.ts does import Express's types.
    expect(importsOf(join(MIDDLEWARE, 'express.ts'))).toContainEqual({
      spec: 'express',
      typeOnly: true,
    });
  });

  it('never import one another', () => {
    for (const name of ['express', 'fastify', 'hono']) {
      const specs = importsOf(join(MIDDLEWARE, `${name}.ts`)).map(({ spec }) => spec);
      expect(specs.filter((spec) => /^\.\/(express|fastify|hono|index)\.js$/.test(spec))).toEqual(
        [],
      );
    }
  });

  it('are package.json subpaths pointing at their build output', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    for (const name of ['express', 'fastify', 'hono']) {
      expect(pkg.exports[`./${name}`]).toEqual({
        types: `./dist/verifier/middleware/${name}.d.ts`,
        default: `./dist/verifier/middleware/${name}.js`,
      });
    }
    expect(pkg.peerDependenciesMeta['express']).toEqual({ optional: true });
    expect(pkg.peerDependenciesMeta['hono']).toEqual({ optional: true });
  });

  it('tessera/verifier exports every piece docs/verifier.md names for assembling your own checks', async () => {
    const docs = readFileSync(join(ROOT, 'docs', 'verifier.md'), 'utf8');
    const promised = /((?:`\w+`(?:, | and )?)+)\s+are\s+exported from `tessera\/verifier`/.exec(
      docs.replace(/\s+/g, ' '),
    );
    const names = [...(promised?.[1] ?? '').matchAll(/`(\w+)`/g)].map((match) => match[1] ?? '');
    expect(names).toEqual(
      expect.arrayContaining([
        'readTesseraCookies',
        'checkRequestOrigin',
        'checkCsrfToken',
        'fingerprintMatches',
      ]),
    );
    const entry = (await import('../../src/verifier/index.js')) as Record<string, unknown>;
    for (const name of names) expect(typeof entry[name], name).toBe('function');
  });
});
