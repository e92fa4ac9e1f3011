import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../server/operations/log-options.js';
import { jsonErrorPosition } from './internal/json-error-position.js';
import {
  ConfigError,
  resolveServerConfig,
  SERVER_SETTINGS,
  type ServerConfig,
} from '../server/server-config.js';

/** The file `tessera serve` and `tessera doctor` read when present and no other is named. */
export const DEFAULT_CONFIG_FILE = 'tessera.config.json';

/** Where a setting's value came from; flags win over the environment, which wins over the file. */
export type SettingSource = 'flag' | 'env' | 'file' | 'default';

/** Settings of `serve` that are not the server's own configuration. */
export interface ServeExtras {
  readonly logLevel: LogLevel;
  /** File holding the token that `/metrics` requires; null: `/metrics` is off. */
  readonly metricsTokenFile: string | null;
}

/** What the CLI settings resolve to, and where each came from. */
export interface ResolvedSettings {
  readonly config: ServerConfig;
  readonly extras: ServeExtras;
  readonly sources: Readonly<Record<string, SettingSource>>;
  /** The configuration file read, or null. */
  readonly file: string | null;
}

/** The settings of `serve` beyond the server's: file key, flag and variable. */
export const EXTRA_SETTINGS = [
  {
    key: 'logLevel',
    flag: '--log-level <level>',
    env: 'TESSERA_LOG_LEVEL',
    description: `log level: ${LOG_LEVELS.join(', ')} (default warn)`,
  },
  {
    key: 'metricsTokenFile',
    flag: '--metrics-token-file <file>',
    env: 'TESSERA_METRICS_TOKEN_FILE',
    description: 'serve /metrics to holders of the token in this file (default: /metrics off)',
  },
] as const;

type Raw = Record<string, string | boolean | undefined>;
type Kind = 'string' | 'number' | 'boolean' | 'list';

/** Each key's type, read from the defaults, so a setting added to the table is typed too. */
function kindsOfKeys(): Record<string, Kind> {
  const defaults = resolveServerConfig({}, {}) as unknown as Record<string, unknown>;
  const kinds: Record<string, Kind> = { logLevel: 'string', metricsTokenFile: 'string' };
  for (const { key } of SERVER_SETTINGS) {
    const value = defaults[key];
    kinds[key] = Array.isArray(value)
      ? 'list'
      : typeof value === 'number'
        ? 'number'
        : typeof value === 'boolean'
          ? 'boolean'
          : 'string';
  }
  return kinds;
}

/** Keys whose relative paths are read from the file's own directory. */
const PATH_KEYS = new Set(['dataDir', 'db', 'metricsTokenFile', 'encryptedAudiencesFile']);

/**
 * Read and check a configuration file: a JSON object whose keys are setting names (as in
 * {@link SERVER_SETTINGS} and {@link EXTRA_SETTINGS}) with values of the setting's type.
 * Relative paths are taken from the file's directory, so the file works from anywhere.
 *
 * @throws ConfigError naming the file and the key: unreadable, not JSON, an unknown key or a
 *   value of the wrong type.
 * @example
 * const values = await readConfigFile('tessera.config.json'); // { port: '4000', ... }
 */
export async function readConfigFile(path: string): Promise<Raw> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`cannot read the configuration file ${path} (${code})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Only the position: V8's own message may quote the file, and with it a password.
    const at = jsonErrorPosition(text);
    throw new ConfigError(
      `${path} is not valid JSON${at === null ? '' : ` (line ${at.line}, column ${at.column})`}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${path} must hold a JSON object of settings`);
  }
  const kinds = kindsOfKeys();
  const values: Raw = {};
  for (const [key, value] of Object.entries(parsed)) {
    const kind = kinds[key];
    if (kind === undefined) {
      const near = closestKey(key, Object.keys(kinds));
      throw new ConfigError(
        `${path}: unknown key "${key}"${near === null ? '' : ` (did you mean "${near}"?)`}`,
      );
    }
    values[key] = fileValue(path, key, kind, value);
    const given = values[key];
    if (PATH_KEYS.has(key) && typeof given === 'string' && isRelativePath(given)) {
      values[key] = resolve(dirname(resolve(path)), given);
    }
  }
  return values;
}

function isRelativePath(value: string): boolean {
  return value !== '' && !isAbsolute(value) && !/^[a-z][a-z0-9+.-]+:/i.test(value);
}

/** A JSON value's type in words, never the value: `a string`, `an array holding an object`. */
function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const odd: unknown = (value as unknown[]).find((item) => typeof item !== 'string');
    return odd === undefined ? 'an array' : `an array holding ${typeOfValue(odd)}`;
  }
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a fraction';
  return `a ${typeof value}`;
}

function fileValue(path: string, key: string, kind: Kind, value: unknown): string | boolean {
  const wrong = (expected: string): ConfigError =>
    // Only the type of what was given: the value itself may be a secret (a password in a URL).
    new ConfigError(`${path}: "${key}" must be ${expected}, got ${typeOfValue(value)}`);
  switch (kind) {
    case 'number':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrong('a whole number');
      return String(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return value;
    case 'list':
      if (typeof value === 'string') return value;
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
        throw wrong('an array of strings');
      return value.join(',');
    case 'string':
      if (typeof value !== 'string') throw wrong('a string');
      return value;
  }
}

/** The known key a mistyped one meant: one it begins, or the nearest within 3 edits; or null. */
function closestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 4;
  for (const candidate of known) {
    // A key without its unit (`accessTokenTtl` for `accessTokenTtlSeconds`) is the usual slip.
    if (candidate.toLowerCase().startsWith(key.toLowerCase())) return candidate;
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Merge flags, environment and file (in that order of precedence) over the defaults, and
 * resolve the server configuration with the server's own checks. A value from the file that
 * fails a check is reported by its key and file, not by a flag the operator never typed.
 *
 * @throws ConfigError naming the setting (and the file when it came from there).
 * @example
 * const { config } = resolveSettings({ port: '8080' }, process.env, await readConfigFile(path), path);
 */
export function resolveSettings(
  flags: Raw,
  env: Readonly<Record<string, string | undefined>>,
  fileValues: Raw,
  file: string | null,
): ResolvedSettings {
  const merged: Raw = {};
  const sources: Record<string, SettingSource> = {};
  for (const setting of [...SERVER_SETTINGS, ...EXTRA_SETTINGS]) {
    const fromEnv = env[setting.env];
    const candidates: [SettingSource, string | boolean | undefined][] = [
      ['flag', flags[setting.key]],
      ['env', fromEnv === '' ? undefined : fromEnv],
      ['file', fileValues[setting.key]],
    ];
    const found = candidates.find(([, value]) => value !== undefined);
    merged[setting.key] = found?.[1];
    sources[setting.key] = found?.[0] ?? 'default';
  }
  let config: ServerConfig;
  try {
    config = resolveServerConfig(merged, {});
  } catch (error) {
    if (!(error instanceof ConfigError) || file === null) throw error;
    let message = error.message;
    for (const setting of SERVER_SETTINGS) {
      if (sources[setting.key] !== 'file') continue;
      const name = `${setting.flag.split(' ')[0] ?? ''} (${setting.env})`;
      message = message.replaceAll(name, `"${setting.key}" in ${file}`);
    }
    throw new ConfigError(message, { cause: error });
  }
  const level = merged['logLevel'] ?? 'warn';
  if (!isLogLevel(level)) {
    throw new ConfigError(
      `${settingName('logLevel', sources, file)} must be one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  const tokenFile = merged['metricsTokenFile'];
  if (typeof tokenFile === 'boolean') {
    throw new ConfigError(`${settingName('metricsTokenFile', sources, file)} needs a file`);
  }
  return {
    config,
    extras: {
      logLevel: level,
      metricsTokenFile: tokenFile === undefined || tokenFile === '' ? null : resolve(tokenFile),
    },
    sources,
    file,
  };
}

/** How to name a setting to the operator: as they gave it. */
export function settingName(
  key: string,
  sources: Readonly<Record<string, SettingSource>>,
  file: string | null,
): string {
  const setting = [...SERVER_SETTINGS, ...EXTRA_SETTINGS].find((s) => s.key === key);
  if (setting === undefined) return key;
  if (sources[key] === 'file' && file !== null) return `"${key}" in ${file}`;
  return `${setting.flag.split(' ')[0] ?? key} (${setting.env})`;
}
