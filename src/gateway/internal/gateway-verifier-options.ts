import type { VerifierOptions } from '../../verifier/verifier-options.js';
import type { GatewayConfig } from '../gateway-config.js';

/** The gateway's verifier options, from its config: `--redis-prefix` names Redis revocations' keys too. */
export function gatewayVerifierOptions(
  config: GatewayConfig,
  hooks: Pick<VerifierOptions, 'onError' | 'onWarning' | 'clock'>,
): VerifierOptions {
  const { revocations } = config;
  return {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    jwksUri: config.jwksUri,
    revocations:
      typeof revocations === 'object' && 'redis' in revocations
        ? { redis: revocations.redis, prefix: config.redisPrefix }
        : revocations,
    maxStalenessSeconds: config.maxStalenessSeconds,
    allowInsecureHttp: config.allowInsecureHttp,
    ...hooks,
  };
}
