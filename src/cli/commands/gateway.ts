import { Option, type Command } from 'commander';
import {
  GATEWAY_SETTINGS,
  resolveGatewayConfig,
  type RawGatewaySettings,
} from '../../gateway/gateway-config.js';
import { startGateway } from '../../gateway/start-gateway.js';
import type { CliIo } from '../cli-io.js';

/** A failure is reported again only after this long, so a source that is down is not a flood. */
const REPEAT_AFTER_MS = 60_000;

function createErrorReporter(io: CliIo): (error: unknown) => void {
  const lastReported = new Map<string, number>();
  return (error) => {
    const message = error instanceof Error ? error.message : String(error);
    const now = Date.now();
    const last = lastReported.get(message);
    if (last !== undefined && now - last < REPEAT_AFTER_MS) return;
    // Messages name URLs and causes, a small set; the map stays small.
    lastReported.set(message, now);
    io.stderr(`tessera gateway: ${message}\n`);
  };
}

/** `tessera gateway`: the reverse proxy that verifies tokens in front of an API. */
export function registerGatewayCommand(program: Command, io: CliIo): void {
  const gateway = program
    .command('gateway')
    .description(
      'Start a reverse proxy that verifies every request and forwards the identity to the upstream. With --cookie-session it serves browser pages: session cookies, transparent refresh, CSRF checks. Every flag has a TESSERA_GATEWAY_* variable.',
    );
  const options = GATEWAY_SETTINGS.map((setting) => {
    const option = new Option(setting.flag, `${setting.description} [${setting.env}]`);
    gateway.addOption(option);
    return { setting, attribute: option.attributeName() };
  });
  gateway.action(async (parsed: Record<string, string | boolean | undefined>) => {
    const flags: RawGatewaySettings = {};
    for (const { setting, attribute } of options) flags[setting.key] = parsed[attribute];
    const config = resolveGatewayConfig(flags, process.env);
    const report = createErrorReporter(io);
    const running = await startGateway(config, {
      onError: report,
      onWarning: (message) => {
        io.stderr(`tessera gateway: warning: ${message}\n`);
      },
    });
    const dpop = config.dpop
      ? `DPoP checked against ${running.publicUrl}, replay cache ${config.redis === '' ? 'in memory' : 'in Redis'}`
      : 'DPoP off';
    const jwt = config.formats.includes('jwt')
      ? [
          config.requireEncryption
            ? 'encrypted jwt only'
            : config.decryption === null
              ? 'jwt'
              : 'jwt (plain or encrypted)',
        ]
      : [];
    const lines = [
      `Tessera gateway listening on ${running.url}, forwarding to ${config.upstream.href}`,
      `  issuer ${config.issuer}; audience ${config.audience}; ${config.routes.rules.length} route rules; ${dpop}`,
      `  tokens: ${[...jwt, ...config.formats.filter((format) => format !== 'jwt')].join(', ')}`,
    ];
    if (config.cookieSession !== null) {
      lines.push(
        `  cookie sessions for ${config.cookieSession.browserOrigins.join(', ')}; refreshed at ${config.cookieSession.tokenEndpoint}`,
      );
    }
    if (!running.ready) {
      lines.push('  keys or revocations are not loaded yet: requests get 503 until they are');
    }
    // One write, so that whoever waits for the first line has them all.
    io.stdout(`${lines.join('\n')}\n`);
    const stop = (): void => {
      io.stdout('stopping\n');
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
