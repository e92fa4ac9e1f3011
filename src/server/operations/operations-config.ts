import type { ServerConfig } from '../server-config.js';

/** Shortest metrics token accepted: a guessable one would let anyone watch the activity. */
export const MIN_METRICS_TOKEN_LENGTH = 32;

/**
 * Settings of the operator endpoints, carried on the server configuration object next to
 * {@link ServerConfig}'s own fields (`tessera serve` adds them), so that `startServer` and
 * `buildApp` pass them through unchanged.
 */
export interface OperationsConfig {
  /**
   * The bearer token `/metrics` requires. Absent: `/metrics` answers 404, because counters
   * of logins, failures and revocations tell an outsider how the service is used.
   */
  readonly metricsToken?: string;
}

/**
 * The operations settings of a configuration (none when it carries none).
 *
 * @throws TypeError for a metrics token shorter than {@link MIN_METRICS_TOKEN_LENGTH}.
 * @example
 * await startServer({ ...config, metricsToken }); // then /metrics needs `Bearer <metricsToken>`
 */
export function operationsConfigOf(config: ServerConfig): OperationsConfig {
  const token: unknown = (config as ServerConfig & OperationsConfig).metricsToken;
  if (token === undefined) return {};
  if (typeof token !== 'string' || token.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new TypeError(
      `the metrics token must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`,
    );
  }
  return { metricsToken: token };
}
