import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ConfigError, SERVER_SETTINGS } from '../../server/server-config.js';
import { MIN_METRICS_TOKEN_LENGTH } from '../../server/operations/operations-config.js';
import {
  DEFAULT_CONFIG_FILE,
  EXTRA_SETTINGS,
  readConfigFile,
  resolveSettings,
  settingName,
  type ResolvedSettings,
} from '../config-file.js';

/** Environment variable naming the configuration file, like `--config`. */
export const CONFIG_ENV = 'TESSERA_CONFIG';

/** Reads the settings a command was given; see {@link addServeOptions}. */
export type SettingsReader = (
  parsed: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
) => Promise<ResolvedSettings>;

/**
 * Add every setting of `tessera serve` to `command` (each flag with its `TESSERA_*`
 * variable), plus `--config`. `serve` and `doctor` share these, so doctor judges exactly the
 * configuration serve would run.
 *
 * @example
 * const read = addServeOptions(program.command('serve'));
 * command.action(async (parsed) => { const { config } = await read(parsed, process.env); });
 */
export function addServeOptions(command: Command): SettingsReader {
  command.addOption(
    new Option(
      '--config <file>',
      `configuration file (JSON); default ./${DEFAULT_CONFIG_FILE} when present [${CONFIG_ENV}]`,
    ),
  );
  const options = [...SERVER_SETTINGS, ...EXTRA_SETTINGS].map((setting) => {
    const option = new Option(setting.flag, `${setting.description} [${setting.env}]`);
    // Repeating --browser-origin adds origins, as a comma list in one flag does.
    if (setting.key === 'browserOrigins') {
      option.argParser((value: string, previous?: string) =>
        previous === undefined ? value : `${previous},${value}`,
      );
    }
    command.addOption(option);
    return { key: setting.key, attribute: option.attributeName() };
  });
  return async (parsed, env) => {
    const flags: Record<string, string | boolean | undefined> = {};
    for (const { key, attribute } of options) {
      const value = parsed[attribute];
      if (typeof value === 'string' || typeof value === 'boolean') flags[key] = value;
    }
    const file = configFileOf(parsed['config'], env);
    const fileValues = file === null ? {} : await readConfigFile(file);
    return resolveSettings(flags, env, fileValues, file);
  };
}

/** The configuration file to read: `--config`, `TESSERA_CONFIG`, else the default when present. */
function configFileOf(
  flag: unknown,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  if (typeof flag === 'string' && flag !== '') return flag;
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return existsSync(resolve(DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : null;
}

/**
 * The metrics token from its file (trimmed), or undefined when none is configured.
 *
 * @throws ConfigError when the file cannot be read or the token is too short.
 */
export async function readMetricsToken(settings: ResolvedSettings): Promise<string | undefined> {
  const path = settings.extras.metricsTokenFile;
  if (path === null) return undefined;
  const name = settingName('metricsTokenFile', settings.sources, settings.file);
  let token: string;
  try {
    token = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`${name}: cannot read ${path} (${code})`);
  }
  if (token.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(token)) {
    // The token itself is never echoed.
    throw new ConfigError(
      `${name}: ${path} must hold one token of at least ${MIN_METRICS_TOKEN_LENGTH} characters without spaces (e.g. openssl rand -base64 32)`,
    );
  }
  return token;
}
