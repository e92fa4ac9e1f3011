import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  isJweContentAlgorithm,
  isJweKeyAlgorithm,
  type JweContentAlgorithm,
  type JweKeyAlgorithm,
} from '../../token/encrypted-token.js';
import { JweDecrypter } from '../../token/jwe-decrypter.js';
import type { Jwk } from '../../token/jwk.js';
import { PasetoVerifier } from '../../token/paseto-verifier.js';
import type {
  DecryptionOption,
  PasetoOption,
  TokenFormat,
} from '../../verifier/verifier-options.js';
import type { GatewaySettingKey } from '../gateway-settings.js';

/** Which token formats the gateway accepts, with their keys loaded from files. */
export interface TokenFormatsConfig {
  /** Default `['jwt']`. */
  readonly formats: readonly TokenFormat[];
  /** Keys that decrypt nested JWTs (JWE) for this audience; null when none were given. */
  readonly decryption: DecryptionOption | null;
  /** Refuse plain JWS: only nested JWTs (and v4.local, when accepted) pass. */
  readonly requireEncryption: boolean;
  /** PASETO keys; null when no PASETO format is accepted. */
  readonly paseto: PasetoOption | null;
}

/** What {@link resolveTokenFormats} reads, from `resolveGatewayConfig`. */
export interface TokenFormatsInputs {
  /** A flag's (or variable's) value; undefined when not given. */
  readonly text: (key: GatewaySettingKey) => string | undefined;
  readonly flag: (key: GatewaySettingKey) => boolean;
  readonly fail: (key: GatewaySettingKey, message: string) => never;
  /** The config file's path ('' without one) and its token settings as written. */
  readonly file: { readonly path: string; readonly values: Readonly<Record<string, unknown>> };
  readonly failFile: (message: string) => never;
}

/** The config file's keys that this resolver reads. */
export const TOKEN_FORMAT_FILE_KEYS = ['formats', 'decryption', 'requireEncryption', 'paseto'];

/** A key file, and how to report a problem with it: through its flag or the config file. */
interface KeyFile {
  readonly path: string;
  readonly fail: (message: string) => never;
}

const FORMATS: readonly TokenFormat[] = ['jwt', 'paseto-v4-public', 'paseto-v4-local'];
const DECRYPTION_KEYS = new Set(['keysFile', 'keyAlgorithms', 'contentAlgorithms']);
const PASETO_KEYS = new Set(['publicKeysFile', 'localKeysFile', 'implicitAssertion']);
/** Key files are small; a larger one is a wrong path (a log, a binary), not a key set. */
const MAX_KEY_FILE_BYTES = 1_048_576;
const LOCAL_KEY = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * The gateway's token formats from flags (winning) and the config file. Keys are never taken
 * inline from a flag or variable, where `ps` and shell history would show them: flags and the
 * file name key *files*, each a JWKS. Every key is imported here, so a bad one stops the
 * gateway at start with one line naming the file.
 *
 * @throws GatewayConfigError (through `fail`/`failFile`) naming the setting or file at fault.
 */
export function resolveTokenFormats(inputs: TokenFormatsInputs): TokenFormatsConfig {
  const { text, fail, failFile } = inputs;
  const values = inputs.file.values;
  const base = inputs.file.path === '' ? process.cwd() : dirname(inputs.file.path);
  const decryptionFile = object(values['decryption'], 'decryption', DECRYPTION_KEYS, failFile);
  const pasetoFile = object(values['paseto'], 'paseto', PASETO_KEYS, failFile);

  const formatsText = text('formats');
  const formatList =
    formatsText?.split(',').map((entry) => entry.trim()) ??
    stringList(values['formats'], 'formats', failFile) ??
    (['jwt'] as const);
  const formats: TokenFormat[] = [];
  for (const format of formatList) {
    if (!(FORMATS as readonly string[]).includes(format) || formats.includes(format as never)) {
      const message = `takes ${FORMATS.join(', ')} (each once), got ${JSON.stringify(format)}`;
      if (formatsText === undefined) failFile(`formats ${message}`);
      fail('formats', message);
    }
    formats.push(format as TokenFormat);
  }
  if (formats.length === 0) failFile('formats must not be empty');

  const fileRequire = values['requireEncryption'];
  if (fileRequire !== undefined && typeof fileRequire !== 'boolean')
    failFile('requireEncryption must be true or false');
  const requireEncryption = inputs.flag('requireEncryption') || fileRequire === true;

  // Key files named by a flag are relative to the working directory; in the config file,
  // relative to the file, so a deployment directory can be moved whole. Each failure names
  // where the file was named.
  const keyFile = (key: GatewaySettingKey, fromFile: unknown, name: string): KeyFile | null => {
    const flagged = text(key);
    if (flagged !== undefined)
      return { path: resolve(flagged), fail: (message) => fail(key, message) };
    if (fromFile === undefined) return null;
    if (typeof fromFile !== 'string' || fromFile === '')
      return failFile(`${name} must be the path of a JWKS file`);
    return { path: resolve(base, fromFile), fail: (message) => failFile(`${name} ${message}`) };
  };

  const decryptionKeys = keyFile(
    'decryptionKeys',
    decryptionFile?.['keysFile'],
    'decryption.keysFile',
  );
  let decryption: DecryptionOption | null = null;
  if (decryptionKeys === null) {
    if (decryptionFile !== null) failFile('decryption needs keysFile, a JWKS of private keys');
    if (requireEncryption)
      fail('requireEncryption', 'needs decryption keys (--decryption-keys <jwks file>)');
  } else {
    if (!formats.includes('jwt'))
      decryptionKeys.fail('decrypts nested JWTs: add jwt to the formats');
    const keyAlgorithms = stringList(
      decryptionFile?.['keyAlgorithms'],
      'decryption.keyAlgorithms',
      failFile,
    );
    const contentAlgorithms = stringList(
      decryptionFile?.['contentAlgorithms'],
      'decryption.contentAlgorithms',
      failFile,
    );
    for (const alg of keyAlgorithms ?? []) {
      if (!isJweKeyAlgorithm(alg))
        failFile(
          `decryption.keyAlgorithms: ${JSON.stringify(alg)} is not supported (RSA1_5 never is)`,
        );
    }
    for (const enc of contentAlgorithms ?? []) {
      if (!isJweContentAlgorithm(enc))
        failFile(`decryption.contentAlgorithms: ${JSON.stringify(enc)} is not supported`);
    }
    decryption = Object.freeze({
      keys: readJwks(decryptionKeys),
      ...(keyAlgorithms === undefined
        ? {}
        : { keyAlgorithms: Object.freeze(keyAlgorithms as JweKeyAlgorithm[]) }),
      ...(contentAlgorithms === undefined
        ? {}
        : { contentAlgorithms: Object.freeze(contentAlgorithms as JweContentAlgorithm[]) }),
    });
    try {
      new JweDecrypter(decryption);
    } catch (error) {
      decryptionKeys.fail(`${decryptionKeys.path}: ${(error as Error).message}`);
    }
  }
  if (requireEncryption && formats.includes('paseto-v4-public'))
    fail('requireEncryption', 'excludes paseto-v4-public, which is not encrypted');

  const paseto = resolvePaseto(formats, inputs, pasetoFile, keyFile);
  return Object.freeze({ formats: Object.freeze(formats), decryption, requireEncryption, paseto });
}

function resolvePaseto(
  formats: readonly TokenFormat[],
  { fail, failFile }: TokenFormatsInputs,
  file: Readonly<Record<string, unknown>> | null,
  keyFile: (key: GatewaySettingKey, fromFile: unknown, name: string) => KeyFile | null,
): PasetoOption | null {
  const publicFile = keyFile('pasetoPublicKeys', file?.['publicKeysFile'], 'paseto.publicKeysFile');
  const localFile = keyFile('pasetoLocalKeys', file?.['localKeysFile'], 'paseto.localKeysFile');
  const wantsPublic = formats.includes('paseto-v4-public');
  const wantsLocal = formats.includes('paseto-v4-local');
  // A key with no format to use it is a sign the operator meant something else.
  if (publicFile !== null && !wantsPublic)
    publicFile.fail('is only used with paseto-v4-public among the formats');
  if (localFile !== null && !wantsLocal)
    localFile.fail('is only used with paseto-v4-local among the formats');
  if (wantsPublic && publicFile === null)
    fail('pasetoPublicKeys', 'is required with paseto-v4-public: a JWKS of Ed25519 public keys');
  if (wantsLocal && localFile === null)
    fail('pasetoLocalKeys', 'is required with paseto-v4-local: a JWKS of 32-byte oct keys');
  if (!wantsPublic && !wantsLocal) {
    if (file !== null) failFile('paseto is only used with a PASETO format among the formats');
    return null;
  }
  const implicitAssertion = file?.['implicitAssertion'];
  if (implicitAssertion !== undefined && typeof implicitAssertion !== 'string')
    failFile('paseto.implicitAssertion must be a string');

  const publicKeys =
    publicFile === null
      ? []
      : readJwks(publicFile).map((jwk) => {
          if ('d' in jwk)
            publicFile.fail(`${publicFile.path}: holds a private key; give only public keys`);
          return jwk;
        });
  const localKeys =
    localFile === null
      ? []
      : readJwks(localFile).map((jwk) => {
          // Exactly 43 base64url characters is 32 bytes; Buffer.from would skip stray ones.
          if (jwk.kty !== 'oct' || typeof jwk.kid !== 'string' || !LOCAL_KEY.test(jwk.k ?? ''))
            localFile.fail(
              `${localFile.path}: each key must be { "kty": "oct", "kid": "…", "k": 32 bytes in base64url }`,
            );
          return { kid: jwk.kid as string, key: jwk.k as string };
        });
  const option: PasetoOption = Object.freeze({
    publicKeys: Object.freeze(publicKeys),
    localKeys: Object.freeze(localKeys),
    ...(implicitAssertion === undefined ? {} : { implicitAssertion: implicitAssertion as string }),
  });
  for (const [purpose, where] of [
    ['v4.public', publicFile],
    ['v4.local', localFile],
  ] as const) {
    if (where === null) continue;
    try {
      new PasetoVerifier({
        issuer: 'check',
        audience: 'check',
        purposes: [purpose],
        publicKeys: option.publicKeys ?? [],
        localKeys: (option.localKeys ?? []).map((entry) => ({
          kid: entry.kid,
          key: Buffer.from(entry.key as string, 'base64url'),
        })),
      });
    } catch (error) {
      where.fail(`${where.path}: ${(error as Error).message}`);
    }
  }
  return option;
}

/** A JWKS file's keys. Messages name the file and never quote its content. */
function readJwks({ path, fail }: KeyFile): readonly Jwk[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (text.length > MAX_KEY_FILE_BYTES) return fail(`${path} is too large for a JWKS`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message may quote the file, which holds secret keys.
    return fail(`${path} is not valid JSON`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (
    !Array.isArray(keys) ||
    keys.length === 0 ||
    !keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key))
  ) {
    return fail(`${path} must be a JWKS: { "keys": [ {…}, … ] } with at least one key`);
  }
  return Object.freeze(keys.map((key) => Object.freeze({ ...(key as Jwk) })));
}

function object(
  value: unknown,
  name: string,
  allowed: ReadonlySet<string>,
  failFile: (message: string) => never,
): Readonly<Record<string, unknown>> | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return failFile(`${name} must be an object`);
  for (const key of Object.keys(value)) {
    if (!allowed.has(key))
      failFile(`${name}: unknown key ${JSON.stringify(key)} (expected ${[...allowed].join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function stringList(
  value: unknown,
  name: string,
  failFile: (message: string) => never,
): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string'))
    return failFile(`${name} must be a list of strings`);
  return [...value];
}
