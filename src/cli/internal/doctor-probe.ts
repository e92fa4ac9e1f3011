import type { Finding } from './doctor-checks.js';

const TIMEOUT_MS = 5000;
const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

async function getJson(url: string): Promise<{ status: number; body: unknown } | null> {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'manual',
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status: response.status, body };
  } catch {
    return null;
  }
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

function reasonOf(body: unknown): string {
  const reason = field(body, 'reason');
  return typeof reason === 'string' ? reason : 'no reason given';
}

/**
 * Findings from a running server at `base`: reachable, fresh, serving the configured
 * issuer, publishing only public keys, and not showing its metrics to anyone.
 *
 * @example
 * const findings = await probeServer('https://auth.example.com', config.issuer);
 */
export async function probeServer(base: string, issuer: string): Promise<Finding[]> {
  const url = base.replace(/\/$/, '');
  const found: Finding[] = [];
  const target = new URL(url);
  if (target.protocol === 'http:' && !LOOPBACK_HOST.test(target.hostname)) {
    found.push({
      id: 'probe-http',
      severity: 'high',
      setting: '--url',
      message: `${url} answers over plain http on a network`,
      fix: 'TLS in front of the server; an https issuer',
    });
  }
  const health = await getJson(`${url}/healthz`);
  if (health === null) {
    found.push({
      id: 'probe-unreachable',
      severity: 'high',
      setting: '--url',
      message: `${url} cannot be reached`,
      fix: 'start the server, or check the URL',
    });
    return found;
  }
  const status = field(health.body, 'status');
  if (health.status === 503 || status === 'stale') {
    found.push({
      id: 'probe-stale',
      severity: 'high',
      setting: 'maxStalenessSeconds',
      message: `${url}/healthz: revocations are stale (${reasonOf(health.body)}); tokens are refused`,
      fix: 'restore the database or Redis connection',
    });
  } else if (status === 'degraded') {
    found.push({
      id: 'probe-degraded',
      severity: 'high',
      setting: 'failOpenWhenStale',
      message: `${url}/healthz: revocations are stale and the server accepts tokens anyway`,
      fix: 'restore the connection; set failOpenWhenStale false',
    });
  }
  const metadata = await getJson(`${url}/.well-known/oauth-authorization-server`);
  const served = field(metadata?.body, 'issuer');
  if (typeof served === 'string' && served !== issuer) {
    found.push({
      id: 'probe-issuer',
      severity: 'medium',
      setting: 'issuer',
      message: `the server at ${url} says its issuer is ${served}, this configuration says ${issuer}`,
      fix: 'run doctor with the server’s own configuration',
    });
  }
  const jwks = await getJson(`${url}/.well-known/jwks.json`);
  const keys = field(jwks?.body, 'keys');
  for (const key of Array.isArray(keys) ? (keys as unknown[]) : []) {
    if (
      field(key, 'kty') === 'oct' ||
      field(key, 'd') !== undefined ||
      field(key, 'k') !== undefined
    ) {
      found.push({
        id: 'probe-jwks-secret',
        severity: 'high',
        setting: 'keys',
        message: `the JWKS at ${url} publishes secret key material (kid ${String(field(key, 'kid'))})`,
        fix: 'retire the key now: tessera keys revoke <kid>',
      });
    }
  }
  const metrics = await getJson(`${url}/metrics`);
  if (metrics?.status === 200) {
    found.push({
      id: 'probe-metrics-open',
      severity: 'high',
      setting: 'metricsTokenFile',
      message: `${url}/metrics answers without a token`,
      fix: 'a metrics token file, or block /metrics at the proxy',
    });
  }
  return found;
}
