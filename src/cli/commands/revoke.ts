import type { Command } from 'commander';
import { connectRedis, type RedisClient } from '../../revocation/redis-connection.js';
import {
  RedisRevocationPublisher,
  revocationStreamKey,
} from '../../revocation/redis-revocation-publisher.js';
import {
  createSubjectRevocation,
  type LoggedRevocationEvent,
} from '../../revocation/revocation-event.js';
import type { Store } from '../../store/store.js';
import { normalizeUsername } from '../../sessions/username.js';
import { SigningKeyManager } from '../../server/signing-keys.js';
import { systemClock } from '../../token/clock.js';
import { decodeBase64Url } from '../../token/base64url.js';
import { JwtVerifier } from '../../token/verify-jwt.js';
import type { OpenedState } from '../../server/start-server.js';
import type { CliIo } from '../cli-io.js';
import {
  CLI_REVOCATION_HORIZON_MS,
  cliAudit,
  withDataOptions,
  withState,
  type DataOptions,
} from '../internal/data-options.js';

interface RevokeOptions extends DataOptions {
  readonly user?: string;
  readonly session?: string;
  readonly token?: string;
  readonly redis?: string;
  readonly redisPrefix?: string;
}

/** Log events read per query while looking for the end of the log. */
const PAGE = 1000;

/**
 * Where the CLI publishes what it revoked, so that servers following the Redis stream hold it
 * at once rather than at their next poll of the log. Best effort, as for the servers: the log
 * is the source of truth, and a publication that fails only arrives a poll later.
 */
class CliPublishing {
  readonly #redis: RedisClient;
  readonly #publisher: RedisRevocationPublisher;
  #failure: Error | null = null;

  private constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#publisher = new RedisRevocationPublisher({
      redis,
      key: revocationStreamKey(prefix),
      retentionMs: CLI_REVOCATION_HORIZON_MS,
      onStateChange: (error) => {
        this.#failure ??= error;
      },
    });
  }

  static async open(url: string, prefix: string): Promise<CliPublishing> {
    if (!/^rediss?:\/\/[^/]/i.test(url)) {
      throw new TypeError(`--redis (TESSERA_REDIS_URL) must be a redis:// or rediss:// URL`);
    }
    return new CliPublishing(await connectRedis(url, { name: 'tessera:cli' }), prefix);
  }

  /**
   * A log id at or before the end of the log, read before writing: the events after it that
   * are there after the write include this command's own. The stream's last entry is a cheap
   * place to start looking; without one, the whole (pruned) log is read. Null when Redis is
   * unreachable: there is nothing to publish to.
   */
  async logEnd(store: Store): Promise<number | null> {
    if (this.#redis.status !== 'ready') return null;
    const start = (await this.#publisher.lastPublishedLogId()) ?? 0;
    return (await logAfter(store, start)).at(-1)?.id ?? start;
  }

  /** Publish every event logged after `after`; resolves to the count Redis stored. */
  async publishAfter(store: Store, after: number): Promise<{ published: number; of: number }> {
    const events = await logAfter(store, after);
    const results = await Promise.all(events.map((event) => this.#publisher.publish(event)));
    return { published: results.filter(Boolean).length, of: events.length };
  }

  get failure(): Error | null {
    return this.#failure;
  }

  close(): void {
    this.#redis.disconnect();
  }
}

/** Every event of the revocation log after `after`, read page by page. */
async function logAfter(store: Store, after: number): Promise<LoggedRevocationEvent[]> {
  const events: LoggedRevocationEvent[] = [];
  for (let cursor = after; ;) {
    const page = await store.revocationsAfter(cursor, PAGE, Date.now());
    events.push(...page);
    cursor = page.at(-1)?.id ?? cursor;
    if (page.length < PAGE) return events;
  }
}

/** The unverified `iss` and `aud` of a token, so it can be verified against our keys. */
function claimedIssuerAndAudience(token: string): { iss: string; aud: string } {
  try {
    const payload = JSON.parse(decodeBase64Url(token.split('.')[1] ?? '').toString('utf8')) as {
      iss?: unknown;
      aud?: unknown;
    };
    const aud = Array.isArray(payload.aud) ? (payload.aud[0] as unknown) : payload.aud;
    if (typeof payload.iss === 'string' && typeof aud === 'string')
      return { iss: payload.iss, aud };
  } catch {
    // Reported below.
  }
  throw new TypeError('the token is not a Tessera access token');
}

/** `tessera revoke`: end a user's, a session's or one token's access at once, everywhere. */
export function registerRevokeCommand(program: Command, io: CliIo): void {
  withDataOptions(
    program
      .command('revoke')
      .description(
        "Revoke at once, on every server and verifier: all of a user's tokens, one session, or one access token.",
      )
      .option('--user <username>', 'log the user out everywhere')
      .option('--session <sid>', 'end one session')
      .option('--token <jwt>', 'revoke one access token (its signature is checked first)')
      .option(
        '--redis <url>',
        'also publish to the Redis revocation stream, so servers have it at once (env TESSERA_REDIS_URL; without it they read the database within about a second)',
      )
      .option(
        '--redis-prefix <prefix>',
        'Redis key prefix (env TESSERA_REDIS_PREFIX, default tessera:)',
      ),
  ).action(async (options: RevokeOptions) => {
    const chosen = [options.user, options.session, options.token].filter(
      (value) => value !== undefined,
    );
    if (chosen.length !== 1) throw new TypeError('name exactly one of --user, --session, --token');
    const redisUrl = options.redis ?? process.env['TESSERA_REDIS_URL'] ?? '';
    const prefix = options.redisPrefix ?? (process.env['TESSERA_REDIS_PREFIX'] || 'tessera:');
    const publishing = redisUrl === '' ? null : await CliPublishing.open(redisUrl, prefix);
    try {
      await withState(options, async ({ store, sealer }) => {
        const before = publishing === null ? null : await publishing.logEnd(store);
        await revoke(options, store, sealer, io);
        if (publishing !== null) await announce(publishing, store, before, io);
      });
    } finally {
      publishing?.close();
    }
  });
}

/** Publish what was just written, and say whether servers have it now or at their next poll. */
async function announce(
  publishing: CliPublishing,
  store: Store,
  before: number | null,
  io: CliIo,
): Promise<void> {
  const outcome = before === null ? null : await publishing.publishAfter(store, before);
  if (outcome !== null && outcome.published === outcome.of && publishing.failure === null) {
    const count = `${outcome.of} revocation event${outcome.of === 1 ? '' : 's'}`;
    io.stdout(`published ${count} to the Redis stream: servers following it have them now\n`);
    return;
  }
  const why = publishing.failure?.message ?? 'Redis unreachable';
  io.stderr(
    `warning: could not publish to Redis (${why}); the revocation is recorded, and servers read it from the database within about a second\n`,
  );
}

/** Write the revocation the options ask for to the log (with its sessions, for --user). */
async function revoke(
  options: RevokeOptions,
  store: Store,
  sealer: OpenedState['sealer'],
  io: CliIo,
): Promise<void> {
  const now = Date.now();
  const expiresAt = now + CLI_REVOCATION_HORIZON_MS;
  if (options.user !== undefined) {
    const user = await store.findUserByUsername(normalizeUsername(options.user));
    if (user === null) throw new TypeError(`no user named ${JSON.stringify(options.user)}`);
    const ended = await store.endAllSessions(
      user.id,
      now,
      createSubjectRevocation(user.id, now, expiresAt),
      cliAudit('session.ended_all', {}, user.id),
    );
    io.stdout(`revoked every token of ${user.username} (${ended} sessions ended)\n`);
    return;
  }
  if (options.session !== undefined) {
    const session = await store.findSession(options.session);
    if (session === null) throw new TypeError('no such session');
    const ended = await store.endSession(
      session.id,
      now,
      'revoked',
      { kind: 'sid', value: session.id, at: now, expiresAt },
      cliAudit('session.ended', {}, session.userId),
    );
    io.stdout(
      ended ? `ended session ${session.id}\n` : `session ${session.id} had already ended\n`,
    );
    return;
  }
  const token = options.token ?? '';
  const keys = await SigningKeyManager.load(store, sealer, systemClock, {
    algorithm: 'EdDSA',
    prepublishSeconds: 3600,
    overlapSeconds: 930,
    rotateAfterSeconds: 0,
  });
  const { iss, aud } = claimedIssuerAndAudience(token);
  // Only tokens our own keys signed can be revoked; expiry is irrelevant here.
  const verifier = new JwtVerifier({
    keys,
    issuer: iss,
    audience: aud,
    algorithms: ['EdDSA', 'ES256', 'RS256', 'PS256'],
    clockToleranceSeconds: 300,
  });
  const { claims } = verifier.verify(token);
  if (claims.jti === undefined) throw new TypeError('the token has no jti to revoke');
  await store.appendRevocation(
    {
      kind: 'jti',
      value: claims.jti,
      at: now,
      expiresAt: Math.max(expiresAt, claims.exp * 1000),
    },
    cliAudit('token.revoked', { jti: claims.jti }, claims.sub ?? null),
  );
  io.stdout(`revoked token ${claims.jti}\n`);
}
