import type { SettingSource } from '../config-file.js';
import type { ServerConfig } from '../../server/server-config.js';

/** How bad a finding is; any `high` makes `tessera doctor` exit 1. */
export type Severity = 'high' | 'medium' | 'low' | 'info';

/** One weak setting: what is wrong, why it matters, and which setting changes it. */
export interface Finding {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  /** The key of the setting to change (as in tessera.config.json), or another place. */
  readonly setting: string;
  readonly fix: string;
}

/** What the checks look at besides the configuration. */
export interface DoctorFacts {
  /** How many server processes will share this configuration (`--processes`). */
  readonly processes: number;
  /** Mode bits of `<dataDir>/master.key`, null when absent; undefined when TESSERA_MASTER_KEY is used. */
  readonly masterKeyMode: number | null | undefined;
  /** Mode bits of the metrics token file, null when none is configured. */
  readonly metricsTokenMode: number | null;
  /** Algorithms of the signing keys in the store, null when the store was not opened. */
  readonly signingKeyAlgorithms: readonly { kid: string; alg: string }[] | null;
  readonly sources: Readonly<Record<string, SettingSource>>;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/;
const HOUR = 3600;
const DAY = 86_400;

/**
 * Weak settings of a server configuration, most severe first. Pure: every fact it needs is
 * given, so each check has a test.
 *
 * @example
 * const findings = checkConfiguration(config, { processes: 1, masterKeyMode: 0o600, ... });
 */
export function checkConfiguration(config: ServerConfig, facts: DoctorFacts): Finding[] {
  const found: Finding[] = [];
  const add = (finding: Finding): void => {
    found.push(finding);
  };
  const issuer = new URL(config.issuer);
  const loopbackIssuer = LOOPBACK_HOST.test(issuer.hostname);

  // Lifetimes: a stolen access token works until it expires (RFC 9068 §6, RFC 8725 §3.10).
  if (config.accessTokenTtlSeconds > HOUR) {
    add({
      id: 'access-token-ttl',
      severity: 'high',
      setting: 'accessTokenTtlSeconds',
      message: `access tokens live ${config.accessTokenTtlSeconds} s: a stolen one works that long, and revocation must be checked everywhere meanwhile`,
      fix: 'at most 900 (15 minutes); clients refresh',
    });
  } else if (config.accessTokenTtlSeconds > 1800) {
    add({
      id: 'access-token-ttl',
      severity: 'medium',
      setting: 'accessTokenTtlSeconds',
      message: `access tokens live ${config.accessTokenTtlSeconds} s`,
      fix: 'at most 900 (15 minutes)',
    });
  }
  if (config.sessionAbsoluteSeconds > 90 * DAY) {
    add({
      id: 'session-max',
      severity: 'medium',
      setting: 'sessionAbsoluteSeconds',
      message: `refresh tokens keep a session alive up to ${Math.round(config.sessionAbsoluteSeconds / DAY)} days`,
      fix: 'at most 30 days (2592000)',
    });
  }
  if (config.sessionIdleSeconds > 30 * DAY) {
    add({
      id: 'session-idle',
      severity: 'low',
      setting: 'sessionIdleSeconds',
      message: `an unused session stays valid ${Math.round(config.sessionIdleSeconds / DAY)} days`,
      fix: 'at most 7 days (604800)',
    });
  }
  // Revocation freshness (DESIGN.md invariant 3).
  if (config.failOpenWhenStale) {
    add({
      id: 'fail-open',
      severity: 'high',
      setting: 'failOpenWhenStale',
      message:
        'tokens are accepted while revocations cannot be confirmed current: an outage of the database or Redis brings revoked tokens back',
      fix: 'false (the default): refuse with 503 until fresh',
    });
  }
  if (config.maxStalenessSeconds > 300) {
    add({
      id: 'max-staleness',
      severity: config.maxStalenessSeconds > 900 ? 'high' : 'medium',
      setting: 'maxStalenessSeconds',
      message: `a revoked token may keep working up to ${config.maxStalenessSeconds} s when revocation news stops`,
      fix: 'at most 60 (default 30)',
    });
  }
  // Transport.
  if (issuer.protocol === 'http:' && !loopbackIssuer) {
    add({
      id: 'issuer-http',
      severity: 'high',
      setting: 'issuer',
      message: `the issuer ${config.issuer} is plain http on a network: tokens and passwords cross it readable`,
      fix: 'an https:// issuer, with TLS at the server or a proxy',
    });
  }
  if (config.allowInsecureHttp) {
    add({
      id: 'allow-insecure-http',
      severity: 'high',
      setting: 'allowInsecureHttp',
      message: 'an http issuer is allowed off loopback',
      fix: 'false; put TLS in front',
    });
  }
  if (
    issuer.protocol === 'https:' &&
    config.trustProxy.length === 0 &&
    !LOOPBACK_HOST.test(config.host)
  ) {
    add({
      id: 'no-tls-in-front',
      severity: 'medium',
      setting: 'trustProxy',
      message: `the issuer is https but the server listens in plain http on ${config.host} and trusts no proxy: either clients reach it unencrypted, or the proxy that terminates TLS is not named (client addresses in throttling and audit are the proxy's)`,
      fix: 'the address of the TLS-terminating proxy (trustProxy), and listen on a private address',
    });
  }
  if (
    issuer.protocol === 'http:' &&
    loopbackIssuer &&
    config.host !== '127.0.0.1' &&
    config.host !== 'localhost' &&
    config.host !== '::1'
  ) {
    add({
      id: 'loopback-issuer-exposed',
      severity: 'medium',
      setting: 'host',
      message: `the issuer is a loopback URL but the server listens on ${config.host}`,
      fix: 'listen on 127.0.0.1, or set an https issuer',
    });
  }
  // Keys.
  for (const key of facts.signingKeyAlgorithms ?? []) {
    if (key.alg.startsWith('HS')) {
      add({
        id: 'hmac-key',
        severity: 'high',
        setting: 'keys',
        message: `signing key ${key.kid} is ${key.alg}: every verifier must hold the secret, and any of them can mint tokens`,
        fix: 'tessera keys rotate (EdDSA), then retire the HMAC key',
      });
    }
  }
  if (config.keyRotateAfterSeconds === 0) {
    add({
      id: 'no-rotation',
      severity: 'medium',
      setting: 'keyRotateAfterSeconds',
      message: 'signing keys are never rotated automatically',
      fix: '2592000 (30 days)',
    });
  } else if (config.keyRotateAfterSeconds > 180 * DAY) {
    add({
      id: 'slow-rotation',
      severity: 'low',
      setting: 'keyRotateAfterSeconds',
      message: `signing keys rotate only every ${Math.round(config.keyRotateAfterSeconds / DAY)} days`,
      fix: 'at most 90 days',
    });
  }
  if (
    facts.masterKeyMode !== undefined &&
    facts.masterKeyMode !== null &&
    (facts.masterKeyMode & 0o077) !== 0
  ) {
    add({
      id: 'master-key-mode',
      severity: 'high',
      setting: 'dataDir',
      message: `the master key file is readable by others (mode ${(facts.masterKeyMode & 0o777).toString(8)}): it opens every private signing key`,
      fix: `chmod 600 ${config.dataDir}/master.key`,
    });
  }
  if (facts.metricsTokenMode !== null && (facts.metricsTokenMode & 0o077) !== 0) {
    add({
      id: 'metrics-token-mode',
      severity: 'low',
      setting: 'metricsTokenFile',
      message: `the metrics token file is readable by others (mode ${(facts.metricsTokenMode & 0o777).toString(8)})`,
      fix: 'chmod 600 on the file',
    });
  }
  // Scale-out.
  const sqlite = !/^[a-z][a-z0-9+.-]+:/i.test(config.db);
  if (facts.processes > 1 && sqlite) {
    add({
      id: 'sqlite-many-processes',
      severity: 'high',
      setting: 'db',
      message: `${facts.processes} processes on one SQLite file: only processes on one machine can share it, and writers queue on one lock`,
      fix: 'a postgres:// URL shared by every process',
    });
  } else if (sqlite && config.redis !== '') {
    add({
      id: 'sqlite-with-redis',
      severity: 'low',
      setting: 'db',
      message: 'Redis is set, which suggests several processes, but the database is a SQLite file',
      fix: 'a postgres:// URL when processes run on several machines',
    });
  }
  if (facts.processes > 1 && config.redis === '') {
    add({
      id: 'no-redis',
      severity: 'high',
      setting: 'redis',
      message: `${facts.processes} processes without Redis: each counts failed logins alone (an attacker gets ${facts.processes} times the guesses) and learns of revocations only by polling`,
      fix: 'a redis:// URL shared by every process',
    });
  }
  if (
    config.redis.startsWith('redis://') &&
    !/^redis:\/\/(?:[^@/]*@)?(localhost|127\.0\.0\.1|\[::1\])(?::\d+)?(?:\/|$)/.test(config.redis)
  ) {
    add({
      id: 'redis-plaintext',
      severity: 'medium',
      setting: 'redis',
      message: 'Redis is reached without TLS over the network (redis://)',
      fix: 'a rediss:// URL',
    });
  }
  if (!config.dpopNonce) {
    add({
      id: 'dpop-nonce',
      severity: 'info',
      setting: 'dpopNonce',
      message:
        'DPoP proofs need no server nonce: a proof made in advance stays usable for its lifetime',
      fix: 'true when clients support nonces (RFC 9449 §8)',
    });
  }
  const order: Severity[] = ['high', 'medium', 'low', 'info'];
  return found.sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
}
