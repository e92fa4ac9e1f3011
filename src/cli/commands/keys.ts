import { InvalidArgumentError, type Command } from 'commander';
import { generateSigningKey } from '../../keys/generate-signing-key.js';
import {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  isAlgorithm,
  type Algorithm,
} from '../../token/algorithms.js';
import type { CliIo } from '../cli-io.js';

function parseAlgorithm(value: string): Algorithm {
  if (!isAlgorithm(value)) throw new InvalidArgumentError(`choose one of ${ALGORITHMS.join(', ')}`);
  return value;
}

/** `tessera keys ...`: key management. */
export function registerKeysCommand(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('Generate and manage signing keys.');
  keys
    .command('generate')
    .description(
      'Generate a signing key. Prints the private JWK (keep it secret) and, for asymmetric ' +
        'algorithms, the public JWKS that verifiers need.',
    )
    .option('--alg <alg>', `algorithm: ${ALGORITHMS.join(', ')}`, parseAlgorithm, DEFAULT_ALGORITHM)
    .option('--kid <kid>', 'key id (default: the RFC 7638 thumbprint)')
    .option('--rsa-bits <bits>', 'RSA modulus size, 2048 or more', parseRsaBits, 2048)
    .action(async (options: { alg: Algorithm; kid?: string; rsaBits: number }) => {
      const key = await generateSigningKey(options.alg, {
        ...(options.kid !== undefined ? { kid: options.kid } : {}),
        modulusLength: options.rsaBits,
      });
      const publicJwk = key.getPublicJwk();
      const output = {
        privateJwk: key.exportPrivateJwk(),
        ...(publicJwk === null ? {} : { publicJwks: { keys: [publicJwk] } }),
      };
      io.stdout(`${JSON.stringify(output, null, 2)}\n`);
    });
}

function parseRsaBits(value: string): number {
  const bits = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(bits) || bits < 2048 || bits > 16384) {
    throw new InvalidArgumentError('expected a whole number from 2048 to 16384');
  }
  return bits;
}
