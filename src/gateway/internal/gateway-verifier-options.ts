import type { VerifierOptions } from '../../verifier/verifier-options.js';
import type { GatewayConfig } from '../gateway-config.js';

/**
 * The gateway's verifier options, from its config: `--redis-prefix` names Redis revocations'
 * keys too, and the token formats with their keys pass through as they are.
 */
export function gatewayVerifierOptions(
  config: GatewayConfig,
  hooks: Pick<VerifierOptions, 'onError' | 'onWarning' | 'clock'>,
): VerifierOptions {
  const { revocations } = config;
  const jwt = config.formats.includes('jwt');
  return {
    issuer: config.issuer,
    audience: config.audience,
    // Without jwt among the formats there is no JWKS to fetch (PASETO keys come from files).
    ...(jwt ? { algorithms: config.algorithms, jwksUri: config.jwksUri } : {}),
    formats: config.formats,
    ...(config.decryption === null ? {} : { decryption: config.decryption }),
    requireEncryption: config.requireEncryption,
    ...(config.paseto === null ? {} : { paseto: config.paseto }),
    revocations:
      typeof revocations === 'object' && 'redis' in revocations
        ? { redis: revocations.redis, prefix: config.redisPrefix }
        : revocations,
    maxStalenessSeconds: config.maxStalenessSeconds,
    allowInsecureHttp: config.allowInsecureHttp,
    ...hooks,
  };
}
