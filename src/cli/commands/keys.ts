import { InvalidArgumentError, type Command } from 'commander';
import { generateSigningKey } from '../../keys/generate-signing-key.js';
import {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  isAlgorithm,
  type Algorithm,
} from '../../token/algorithms.js';
import { SigningKeyManager } from '../../server/signing-keys.js';
import { systemClock } from '../../token/clock.js';
import type { CliIo } from '../cli-io.js';
import {
  CLI_REVOCATION_HORIZON_MS,
  withDataOptions,
  withState,
  type DataOptions,
} from '../internal/data-options.js';

interface RotateOptions extends DataOptions {
  readonly alg: Algorithm;
  readonly prepublish: number;
  readonly overlap: number;
}

function parseSeconds(value: string): number {
  const seconds = /^[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(seconds))
    throw new InvalidArgumentError('expected a whole number of seconds');
  return seconds;
}

async function loadManager(
  options: DataOptions & Partial<RotateOptions>,
  work: (keys: SigningKeyManager) => Promise<void>,
) {
  await withState(options, async ({ store, sealer }) => {
    const keys = await SigningKeyManager.load(store, sealer, systemClock, {
      algorithm: options.alg ?? DEFAULT_ALGORITHM,
      prepublishSeconds: options.prepublish ?? 3600,
      overlapSeconds: options.overlap ?? 930,
      rotateAfterSeconds: 0,
    });
    await work(keys);
  });
}

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

  withDataOptions(
    keys.command('list').description("List the server's signing keys and their state."),
  ).action(async (options: DataOptions) => {
    await loadManager(options, async (manager) => {
      for (const entry of manager.list()) {
        const when =
          entry.activatesAt !== undefined
            ? ` signs from ${new Date(entry.activatesAt).toISOString()}`
            : entry.retiresAt !== undefined
              ? ` verifies until ${new Date(entry.retiresAt).toISOString()}`
              : '';
        io.stdout(`${entry.key.kid}\t${entry.key.alg}\t${entry.state}${when}\n`);
      }
      await Promise.resolve();
    });
  });

  withDataOptions(
    keys
      .command('rotate')
      .description(
        'Schedule a new signing key: published in the JWKS now, signing after --prepublish seconds; ' +
          'the current key keeps verifying for --overlap seconds after that. Running servers pick it up within 30 s.',
      )
      .option('--alg <alg>', 'algorithm of the new key', parseAlgorithm, DEFAULT_ALGORITHM)
      .option(
        '--prepublish <seconds>',
        'publish this long before signing; longer than verifiers cache the JWKS',
        parseSeconds,
        3600,
      )
      .option(
        '--overlap <seconds>',
        'keep the old key this long; at least the access-token lifetime + clock tolerance',
        parseSeconds,
        930,
      ),
  ).action(async (options: RotateOptions) => {
    if (options.alg.startsWith('HS'))
      throw new TypeError('server signing keys must be asymmetric (EdDSA, ES256, RS256, PS256)');
    await loadManager(options, async (manager) => {
      const next = await manager.rotate();
      io.stdout(`scheduled key ${next.kid} (${next.alg}); it signs in ${options.prepublish} s\n`);
    });
  });

  withDataOptions(
    keys
      .command('revoke <kid>')
      .description(
        'Remove a key at once (it leaked): every token it signed is rejected everywhere.',
      )
      .option(
        '--rotate',
        'if <kid> is the active key, first make a new key that signs at once (no ' +
          'pre-publication); without it the active key is refused',
      ),
  ).action(async (kid: string, options: DataOptions & { rotate?: boolean }) => {
    await loadManager(options, async (manager) => {
      const now = Date.now();
      const successor = await manager.revoke(
        kid,
        { kind: 'kid', value: kid, at: now, expiresAt: now + CLI_REVOCATION_HORIZON_MS },
        { replaceActive: options.rotate === true },
      );
      io.stdout(`revoked key ${kid}\n`);
      if (successor !== null) {
        io.stdout(
          `key ${successor.kid} (${successor.alg}) signs from now on; running servers ` +
            'switch to it within 30 s\n',
        );
      }
    });
  });
}

function parseRsaBits(value: string): number {
  const bits = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(bits) || bits < 2048 || bits > 16384) {
    throw new InvalidArgumentError('expected a whole number from 2048 to 16384');
  }
  return bits;
}
