import { createSubjectRevocation } from '../../revocation/revocation-event.js';
import type { Command } from 'commander';
import { normalizeUsername } from '../../sessions/username.js';
import { SigningKeyManager } from '../../server/signing-keys.js';
import { systemClock } from '../../token/clock.js';
import { decodeBase64Url } from '../../token/base64url.js';
import { JwtVerifier } from '../../token/verify-jwt.js';
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
      .option('--token <jwt>', 'revoke one access token (its signature is checked first)'),
  ).action(async (options: RevokeOptions) => {
    const chosen = [options.user, options.session, options.token].filter(
      (value) => value !== undefined,
    );
    if (chosen.length !== 1) throw new TypeError('name exactly one of --user, --session, --token');
    await withState(options, async ({ store, sealer }) => {
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
    });
  });
}
