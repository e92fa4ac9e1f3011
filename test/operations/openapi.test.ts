import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { RunningServer } from '../../src/server/start-server.js';
import { OperationsHarness } from './operations-fixture.js';

// /openapi.json describes every route the server registers, and only those: a new route
// without a description fails here with its name.

const harness = new OperationsHarness();
let server: RunningServer;
let document: Record<string, unknown>;

beforeAll(async () => {
  server = await harness.start();
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as Record<string, unknown>;
});
afterAll(() => harness.cleanup());

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/**
 * Every `METHOD path` the app serves, read from Fastify's route tree
 * (`printRoutes({ commonPrefix: false })`: one node per line, children indented by 4).
 * HEAD routes are Fastify's automatic twins of GET routes and are left out.
 */
function servedRoutes(app: FastifyInstance): Set<string> {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + (match[2] ?? '');
    stack[depth] = path;
    for (const method of (match[3] ?? '').split(', ')) {
      if (method !== '' && method !== 'HEAD') routes.add(`${method} ${path}`);
    }
  }
  return routes;
}

function describedRoutes(): Set<string> {
  const routes = new Set<string>();
  const paths = document['paths'] as Record<string, Record<string, unknown>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const method of Object.keys(operations)) {
      if (METHODS.has(method)) {
        routes.add(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
      }
    }
  }
  return routes;
}

describe('OpenAPI description', () => {
  it('is OpenAPI 3.1 with the server’s issuer and security schemes for Bearer and DPoP', () => {
    expect(document['openapi']).toBe('3.1.0');
    expect(document['servers']).toEqual([{ url: 'http://127.0.0.1' }]);
    const components = document['components'] as Record<string, Record<string, unknown>>;
    expect(Object.keys(components['securitySchemes'] ?? {})).toEqual(
      expect.arrayContaining(['bearer', 'dpop', 'clientBasic']),
    );
  });

  it('reads the route tree (the reader itself finds known routes)', () => {
    const served = servedRoutes(server.app);
    expect(served).toContain('POST /auth/login');
    expect(served).toContain('DELETE /auth/sessions/:id');
    expect(served).toContain('GET /revocations/stream');
    expect(served.size).toBeGreaterThan(10);
  });

  it('describes every route the server serves', () => {
    const described = describedRoutes();
    const undocumented = [...servedRoutes(server.app)].filter((route) => !described.has(route));
    expect(undocumented.join('\n'), 'routes without an OpenAPI description').toBe('');
  });

  it('describes no route the server does not serve', () => {
    const missing = [...describedRoutes()].filter((route) => {
      const [method = '', url = ''] = route.split(' ');
      return !server.app.hasRoute({ method, url });
    });
    expect(missing.join('\n'), 'described routes the server does not have').toBe('');
  });

  it('resolves every $ref', () => {
    const refs = JSON.stringify(document).matchAll(/"\$ref":"#\/([^"]+)"/g);
    for (const [, pointer = ''] of refs) {
      let node: unknown = document;
      for (const part of pointer.split('/')) node = (node as Record<string, unknown>)[part];
      expect(node, pointer).toBeDefined();
    }
  });
});
