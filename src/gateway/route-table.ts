import { GatewayConfigError } from './gateway-config-error.js';
import { normaliseTarget } from './internal/normalise-target.js';

/** One rule of the config file: requests under `prefix` (and `methods`) need these scopes, or none at all. */
export interface RouteRule {
  /** A path prefix that matches whole segments: `/orders` matches `/orders` and `/orders/7`, not `/ordersx`. */
  readonly prefix: string;
  /** Upper-case methods the rule is limited to; null for every method. */
  readonly methods: readonly string[] | null;
  /** Scopes the token must all carry. */
  readonly scopes: readonly string[];
  /** True for a public path: no token is needed (and none is checked). */
  readonly public: boolean;
}

/** What a request needs, from the rule that matched it. */
export interface RouteDecision {
  readonly public: boolean;
  readonly scopes: readonly string[];
}

/** The routes of the config file, matched longest prefix first. */
export interface RouteTable {
  readonly rules: readonly RouteRule[];
  /**
   * The rule for a normalised path: public, or the scopes needed (none when no rule matched).
   * Prefixes with scopes match in any case, public paths only in the case written.
   */
  match(method: string, path: string): RouteDecision;
}

const ANY_TOKEN: RouteDecision = Object.freeze({ public: false, scopes: Object.freeze([]) });
const TOP_KEYS = new Set(['routes', 'publicPaths']);
const ROUTE_KEYS = new Set(['prefix', 'scopes', 'methods']);
/** RFC 6749 §3.3: a scope token is printable ASCII without space, `"` or `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const METHOD = /^[A-Z]+$/;

/**
 * Read the gateway's config file (JSON):
 *
 * ```json
 * {
 *   "routes": [
 *     { "prefix": "/orders", "scopes": ["orders:read"] },
 *     { "prefix": "/orders", "methods": ["POST", "DELETE"], "scopes": ["orders:write"] }
 *   ],
 *   "publicPaths": ["/health", "/docs"]
 * }
 * ```
 *
 * Unknown keys are refused: a misspelt `scope` must not silently open a route.
 *
 * @throws GatewayConfigError naming the entry at fault.
 */
export function parseRouteTable(value: unknown, source: string): RouteTable {
  const fail = (message: string): never => {
    throw new GatewayConfigError(`${source}: ${message}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('must be a JSON object with "routes" and/or "publicPaths"');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!TOP_KEYS.has(key))
      fail(
        `unknown key ${JSON.stringify(key)} (expected routes, publicPaths, cookieSession, formats, decryption, requireEncryption, paseto)`,
      );
  }
  const rules: RouteRule[] = [];
  const routes = record['routes'] ?? [];
  if (!Array.isArray(routes)) fail('"routes" must be a list');
  (routes as unknown[]).forEach((entry, index) => {
    const where = `routes[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      fail(`${where} must be an object with "prefix" and "scopes"`);
    }
    const route = entry as Record<string, unknown>;
    for (const key of Object.keys(route)) {
      if (!ROUTE_KEYS.has(key)) {
        fail(`${where}: unknown key ${JSON.stringify(key)} (expected prefix, scopes, methods)`);
      }
    }
    const scopes = route['scopes'];
    if (
      !Array.isArray(scopes) ||
      !scopes.every((scope) => typeof scope === 'string' && SCOPE_TOKEN.test(scope))
    ) {
      fail(`${where}.scopes must be a list of scope names (no spaces or quotes)`);
    }
    const methods = route['methods'];
    if (
      methods !== undefined &&
      (!Array.isArray(methods) ||
        methods.length === 0 ||
        !methods.every((method) => typeof method === 'string' && METHOD.test(method)))
    ) {
      fail(`${where}.methods must be a non-empty list of upper-case methods such as "GET"`);
    }
    rules.push({
      prefix: checkPrefix(route['prefix'], `${where}.prefix`, fail),
      methods: methods === undefined ? null : Object.freeze([...(methods as string[])]),
      scopes: Object.freeze([...(scopes as string[])]),
      public: false,
    });
  });
  const publicPaths = record['publicPaths'] ?? [];
  if (!Array.isArray(publicPaths)) fail('"publicPaths" must be a list of path prefixes');
  (publicPaths as unknown[]).forEach((path, index) => {
    rules.push({
      prefix: checkPrefix(path, `publicPaths[${index}]`, fail),
      methods: null,
      scopes: Object.freeze([]),
      public: true,
    });
  });
  return createRouteTable(rules);
}

/** A route table over `rules` (already checked). */
export function createRouteTable(rules: readonly RouteRule[]): RouteTable {
  // Longest prefix first; at equal length a rule limited to methods before one for all.
  const ordered = [...rules].sort(
    (a, b) =>
      b.prefix.length - a.prefix.length || Number(b.methods !== null) - Number(a.methods !== null),
  );
  // Upstreams that ignore case serve `/ORDERS` as `/orders`, so a rule that asks for scopes
  // matches in any case; a public path only as written. Each way the stricter answer wins.
  const folded = ordered.map((rule) => (rule.public ? rule.prefix : rule.prefix.toLowerCase()));
  return Object.freeze({
    rules: Object.freeze(ordered),
    match(method: string, path: string): RouteDecision {
      const lower = path.toLowerCase();
      for (const [index, rule] of ordered.entries()) {
        if (rule.methods !== null && !rule.methods.includes(method)) continue;
        if (isUnder(rule.public ? path : lower, folded[index] ?? rule.prefix)) return rule;
      }
      return ANY_TOKEN;
    },
  });
}

function isUnder(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || prefix.endsWith('/') || path[prefix.length] === '/';
}

function checkPrefix(value: unknown, where: string, fail: (message: string) => never): string {
  if (typeof value !== 'string' || !value.startsWith('/')) {
    return fail(`${where} must be a path starting with "/"`);
  }
  // Prefixes are compared with normalised request paths, so they must be normal themselves.
  const normal = /[?#]/.test(value) ? null : normaliseTarget(value);
  if (normal?.path !== value) {
    return fail(
      `${where} must be a plain path without "..", ";", query, encoded slashes or escapes of letters and digits`,
    );
  }
  return value;
}
