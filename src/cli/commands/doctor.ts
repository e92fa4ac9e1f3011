import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MASTER_KEY_ENV, MASTER_KEY_FILE } from '../../keys/master-key.js';
import type { ServerConfig } from '../../server/server-config.js';
import type { CliIo } from '../cli-io.js';
import { settingName, type ResolvedSettings } from '../config-file.js';
import { checkConfiguration, type Finding } from '../internal/doctor-checks.js';
import { probeServer } from '../internal/doctor-probe.js';
import {
  readSigningKeyAlgorithms,
  type KeyAlgorithm,
} from '../internal/read-signing-key-algorithms.js';
import { addServeOptions } from '../internal/serve-options.js';

async function modeOf(path: string | null): Promise<number | null> {
  if (path === null) return null;
  try {
    return (await stat(path)).mode;
  } catch {
    return null;
  }
}

/** The signing keys' algorithms, if the store exists already (doctor never creates one). */
async function keyAlgorithms(config: ServerConfig): Promise<KeyAlgorithm[] | null> {
  try {
    return await readSigningKeyAlgorithms(config.db);
  } catch {
    // An unreachable or unreadable store: the other findings still stand.
    return null;
  }
}

function where(finding: Finding, settings: ResolvedSettings): string {
  const known = settings.sources[finding.setting] !== undefined;
  return known ? settingName(finding.setting, settings.sources, settings.file) : finding.setting;
}

/** `tessera doctor`: weak settings of the configuration serve would run, and of a running server. */
export function registerDoctorCommand(program: Command, io: CliIo): void {
  const doctor = program
    .command('doctor')
    .description(
      'Report weak settings in the configuration `tessera serve` would use (same flags, variables and file); exit 1 on any high finding.',
    )
    .option('--url <url>', 'also probe a running server at this URL')
    .option(
      '--processes <n>',
      'how many server processes share this configuration (default 1)',
      '1',
    )
    .option('--json', 'print the findings as JSON');
  const readSettings = addServeOptions(doctor);
  doctor.action(async (parsed: Record<string, unknown>) => {
    const processes = Number(parsed['processes']);
    if (!Number.isSafeInteger(processes) || processes < 1)
      throw new TypeError('--processes must be a whole number of at least 1');
    const settings = await readSettings(parsed, process.env);
    const { config } = settings;
    const fromEnv = process.env[MASTER_KEY_ENV];
    const findings = checkConfiguration(config, {
      processes,
      masterKeyMode:
        fromEnv !== undefined && fromEnv !== ''
          ? undefined
          : await modeOf(join(config.dataDir, MASTER_KEY_FILE)),
      metricsTokenMode: await modeOf(settings.extras.metricsTokenFile),
      signingKeyAlgorithms: await keyAlgorithms(config),
      sources: settings.sources,
    });
    const url = parsed['url'];
    if (typeof url === 'string') findings.push(...(await probeServer(url, config.issuer)));
    const high = findings.some((finding) => finding.severity === 'high');
    if (parsed['json'] === true) {
      io.stdout(
        `${JSON.stringify({ findings: findings.map((f) => ({ ...f, where: where(f, settings) })) }, null, 2)}\n`,
      );
    } else {
      io.stdout(
        `Checked ${settings.file === null ? 'flags, environment and defaults' : `${settings.file}, environment and flags`}${typeof url === 'string' ? ` and ${url}` : ''}.\n`,
      );
      for (const finding of findings) {
        io.stdout(
          `${finding.severity.toUpperCase().padEnd(6)} ${finding.message}\n       change ${where(finding, settings)}: ${finding.fix}\n`,
        );
      }
      const count = (severity: string) => findings.filter((f) => f.severity === severity).length;
      io.stdout(
        `${findings.length === 0 ? 'No findings.' : `${count('high')} high, ${count('medium')} medium, ${count('low')} low, ${count('info')} info.`}\n`,
      );
    }
    if (high) process.exitCode = 1;
  });
}
