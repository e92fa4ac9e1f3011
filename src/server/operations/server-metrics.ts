import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REVOCATION_KINDS } from '../../revocation/revocation-event.js';
import type { Denylist } from '../../revocation/denylist.js';
import type { RevocationFollower } from '../../revocation/revocation-follower.js';
import type { RevocationFreshness } from '../../revocation/revocation-freshness.js';
import type { ServerConfig } from '../server-config.js';

/** Outcomes of a login, as `tessera_logins_total{outcome}` counts them. */
export type LoginOutcome = 'success' | 'invalid_credentials' | 'throttled' | 'error';

/** Outcomes of a refresh (grant or cookie mode), as `tessera_refreshes_total{outcome}` counts them. */
export type RefreshOutcome = 'ok' | 'failed';

/** What the gauges read when scraped (the server context's parts, named here to avoid a cycle). */
export interface MetricsSources {
  readonly denylist: Denylist;
  readonly freshness: RevocationFreshness;
  readonly follower: RevocationFollower;
  readonly config: Pick<ServerConfig, 'maxStalenessSeconds'>;
}

/**
 * The server's Prometheus metrics, in a registry of its own (not prom-client's global one),
 * so two servers in one process (tests, embedding) never share or clash over counters.
 * Counters are moved by the hooks in `metrics-hooks.ts`; gauges read the server's state when
 * scraped, so they cost nothing between scrapes.
 *
 * @example
 * const metrics = new ServerMetrics(context);
 * metrics.logins.inc({ outcome: 'success' });
 * const text = await metrics.registry.metrics();
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly logins: Counter<'outcome'>;
  readonly refreshes: Counter<'outcome'>;
  readonly reuseDetections: Counter;
  readonly revocations: Counter<'kind'>;
  readonly verifyFailures: Counter<'code'>;
  readonly tokenGrants: Counter<'grant_type' | 'outcome'>;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly requestDuration: Histogram<'method' | 'route'>;

  constructor(context: MetricsSources) {
    const registers = [this.registry];
    this.logins = new Counter({
      name: 'tessera_logins_total',
      help: 'Password logins by outcome (success, invalid_credentials, throttled, error).',
      labelNames: ['outcome'],
      registers,
    });
    this.refreshes = new Counter({
      name: 'tessera_refreshes_total',
      help: 'Refresh-token rotations (/oauth/token and cookie mode) by outcome (ok, failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.reuseDetections = new Counter({
      name: 'tessera_refresh_reuse_detected_total',
      help: 'Spent refresh tokens presented again: each ended its session everywhere.',
      registers,
    });
    this.revocations = new Counter({
      name: 'tessera_revocations_total',
      help: 'Revocation events applied to this process’s denylist since start, by kind (jti, sid, sub, kid).',
      labelNames: ['kind'],
      registers,
    });
    this.verifyFailures = new Counter({
      name: 'tessera_token_verify_failures_total',
      help: 'Access tokens refused on the server’s bearer-protected routes, by error code.',
      labelNames: ['code'],
      registers,
    });
    this.tokenGrants = new Counter({
      name: 'tessera_token_grants_total',
      help: 'Requests to /oauth/token by grant_type and outcome (ok, failed).',
      labelNames: ['grant_type', 'outcome'],
      registers,
    });
    this.requests = new Counter({
      name: 'tessera_http_requests_total',
      help: 'HTTP requests by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    // Every kind shows from the first scrape, at zero, so a rate() over it is never empty.
    for (const kind of REVOCATION_KINDS) this.revocations.inc({ kind }, 0);
    for (const outcome of ['success', 'invalid_credentials', 'throttled', 'error'] as const)
      this.logins.inc({ outcome }, 0);
    for (const outcome of ['ok', 'failed'] as const) this.refreshes.inc({ outcome }, 0);
    this.#registerStateGauges(context);
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Count one refresh the session service finished, in either mode; `reused` is a refusal
   * that also ended its session everywhere.
   *
   * @example
   * metrics.countRefresh('reused');
   */
  countRefresh(outcome: RefreshOutcome | 'reused'): void {
    this.refreshes.inc({ outcome: outcome === 'ok' ? 'ok' : 'failed' });
    if (outcome === 'reused') this.reuseDetections.inc();
  }

  #registerStateGauges(context: MetricsSources): void {
    const { denylist, freshness, follower, config } = context;
    const registers = [this.registry];
    new Gauge({
      name: 'tessera_denylist_entries',
      help: 'Entries in the in-memory denylist, by kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        const sizes = denylist.sizes();
        for (const kind of REVOCATION_KINDS) this.set({ kind }, sizes[kind]);
      },
    });
    new Gauge({
      name: 'tessera_denylist_bytes',
      help: 'Memory held by the denylist tables, in bytes.',
      registers,
      collect() {
        this.set(denylist.byteLength);
      },
    });
    new Gauge({
      name: 'tessera_revocation_staleness_seconds',
      help: 'Seconds since the denylist was last confirmed current (NaN before the first confirmation).',
      registers,
      collect() {
        const { ageMs } = freshness.status();
        this.set(ageMs === null ? Number.NaN : ageMs / 1000);
      },
    });
    new Gauge({
      name: 'tessera_revocation_max_staleness_seconds',
      help: 'The configured --max-staleness: past it, tokens are refused (unless fail-open).',
      registers,
      collect() {
        this.set(config.maxStalenessSeconds);
      },
    });
    new Gauge({
      name: 'tessera_revocation_fresh',
      help: '1 while the denylist is confirmed current, 0 while it is stale.',
      registers,
      collect() {
        this.set(freshness.isFresh() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tessera_revocation_cursor',
      help: 'Position in the revocation log up to which this process has applied every event.',
      registers,
      collect() {
        this.set(follower.cursor);
      },
    });
  }
}
