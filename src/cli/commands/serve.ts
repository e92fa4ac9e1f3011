import { basename, join, relative } from 'node:path';
import type { Command } from 'commander';
import { createLogOptions } from '../../server/operations/log-options.js';
import type { OperationsConfig } from '../../server/operations/operations-config.js';
import type { ServerConfig } from '../../server/server-config.js';
import { startServer } from '../../server/start-server.js';
import { redactDatabaseUrl } from '../../store/redact-database-url.js';
import type { CliIo } from '../cli-io.js';
import { addServeOptions, readMetricsToken } from '../internal/serve-options.js';

/** How the user ran this command: `tessera` when installed as one, else `node <path>`. */
function selfCommand(): string {
  const script = process.argv[1] ?? '';
  if (basename(script) === 'tessera') return 'tessera';
  const path = relative(process.cwd(), script);
  return `node ${path.includes(' ') ? JSON.stringify(path) : path}`;
}

/** The lines a new user needs: how to add an account and log in, with commands that work as shown. */
function firstRunHelp(url: string, config: ServerConfig): string {
  let dataFlag =
    config.dataDir === `${process.cwd()}/.tessera` ? '' : ` --data-dir ${config.dataDir}`;
  // Another database than the data directory's: the admin command must be told (the password,
  // shown as ***, is for the operator to fill in).
  if (config.db !== join(config.dataDir, 'tessera.db')) {
    dataFlag += ` --db '${redactDatabaseUrl(config.db)}'`;
  }
  return [
    '',
    'No users yet. In another terminal:',
    `  printf '%s\\n' 'a long passphrase of yours' | ${selfCommand()} users add alice --password-stdin${dataFlag}`,
    `  curl -s ${url}/auth/login -H 'content-type: application/json' \\`,
    `    -d '{"username":"alice","password":"a long passphrase of yours"}'`,
    `  curl -s ${url}/auth/sessions -H "authorization: Bearer <access_token from the login>"`,
    '',
  ].join('\n');
}

/** `tessera serve`: the auth server. */
export function registerServeCommand(program: Command, io: CliIo): void {
  const serve = program
    .command('serve')
    .description(
      'Start the auth server (SQLite in the data directory by default). Settings come from flags, then TESSERA_* variables, then the configuration file.',
    );
  const readSettings = addServeOptions(serve);
  serve.action(async (parsed: Record<string, unknown>) => {
    const settings = await readSettings(parsed, process.env);
    const { config } = settings;
    const metricsToken = await readMetricsToken(settings);
    const full: ServerConfig & OperationsConfig =
      metricsToken === undefined ? config : { ...config, metricsToken };
    // JSON lines on stdout; the options leave every credential out (docs/operations.md).
    const server = await startServer(full, { logger: createLogOptions(settings.extras.logLevel) });
    io.stdout(`Tessera auth server listening on ${server.url}\n`);
    const database = redactDatabaseUrl(config.db);
    io.stdout(`  issuer ${config.issuer}; data in ${config.dataDir}; database ${database}\n`);
    if (settings.file !== null)
      io.stdout(`  settings from ${settings.file}, the environment and flags\n`);
    if (metricsToken !== undefined)
      io.stdout(`  metrics at ${server.url}/metrics (bearer token)\n`);
    if (server.masterKey.source === 'created') {
      io.stdout(
        `  created master key ${server.masterKey.path ?? ''} (mode 0600): back it up; without it the signing keys cannot be read\n`,
      );
    }
    // Signals first: the server is listening, so from here on it must stop when told to.
    const stop = (): void => {
      io.stdout('stopping\n');
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Only a hint: a database that drops right now must not stop a server that is up.
    const users = await server.context.store.listUsers().catch(() => null);
    if (users?.length === 0) io.stdout(firstRunHelp(server.url, config));
  });
}
