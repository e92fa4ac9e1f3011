import type { Command } from 'commander';
import type { RevocationEvent } from '../../revocation/revocation-event.js';
import { FIRST_PARTY_CLIENT_ID } from '../../sessions/auth-policy.js';
import { generateOpaqueToken, hashOpaqueToken } from '../../token/opaque-token.js';
import type { CliIo } from '../cli-io.js';
import {
  CLI_REVOCATION_HORIZON_MS,
  cliAudit,
  withDataOptions,
  withState,
  type DataOptions,
} from '../internal/data-options.js';

interface AddOptions extends DataOptions {
  readonly scope?: string;
  readonly public?: boolean;
}

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;
/**
 * How far past the removal the `sub` event of a removed client reaches: servers stamp `iat`
 * with their own clocks, which may run ahead of this machine's by up to the verifiers' default
 * clock tolerance. A client added again under the same id within that time has its first
 * tokens refused, which is safe.
 */
const REMOVAL_MARGIN_MS = 30_000;

/** The server's own first-party client is built in: a stored one would replace it. */
function refuseFirstParty(clientId: string): void {
  if (clientId === FIRST_PARTY_CLIENT_ID) {
    throw new TypeError(
      `${FIRST_PARTY_CLIENT_ID} is the server's own first-party client, built in; it cannot be added or removed (to log users out, use tessera revoke --user)`,
    );
  }
}

/** `tessera clients ...`: OAuth clients. */
export function registerClientsCommand(program: Command, io: CliIo): void {
  const clients = program.command('clients').description('Add, list and remove OAuth clients.');

  withDataOptions(
    clients
      .command('add <client-id>')
      .description(
        'Add a client. A confidential client gets a secret, shown once and stored only hashed.',
      )
      .option('--scope <scopes>', 'space-separated scopes the client may ask for', '')
      .option(
        '--public',
        'a public client (a browser or mobile app): no secret, no client_credentials',
      ),
  ).action(async (clientId: string, options: AddOptions) => {
    if (!CLIENT_ID.test(clientId))
      throw new TypeError('a client id is 1 to 128 of A-Z a-z 0-9 . _ ~ -');
    refuseFirstParty(clientId);
    const scopes = (options.scope ?? '').split(' ').filter((scope) => scope !== '');
    const secret = options.public === true ? null : generateOpaqueToken();
    await withState(options, async ({ store }) => {
      await store.createClient(
        {
          clientId,
          secretHash: secret === null ? null : hashOpaqueToken(secret),
          scopes,
          createdAt: Date.now(),
        },
        cliAudit('client.created', { clientId }),
      );
    });
    io.stdout(`added ${options.public === true ? 'public' : 'confidential'} client ${clientId}\n`);
    if (secret !== null) io.stdout(`client secret (shown once, store it now): ${secret}\n`);
  });

  withDataOptions(
    clients.command('list').description('List clients (never their secrets).'),
  ).action(async (options: DataOptions) => {
    await withState(options, async ({ store }) => {
      for (const client of await store.listClients()) {
        const kind = client.secretHash === null ? 'public' : 'confidential';
        io.stdout(`${client.clientId}\t${kind}\tscopes: ${client.scopes.join(' ') || '-'}\n`);
      }
    });
  });

  withDataOptions(
    clients
      .command('remove <client-id>')
      .description(
        'Remove a client and revoke at once what it holds: the tokens it got with client_credentials, and every session started through it. A client added again under the same id gets working client_credentials tokens 30 s after the removal.',
      ),
  ).action(async (clientId: string, options: DataOptions) => {
    refuseFirstParty(clientId);
    const now = Date.now();
    // Its client_credentials tokens carry the client id as `sub`: one "revoked before" event
    // reaches them all, on every server and verifier. None can be issued once the client is
    // gone, so the time reaches past now: see REMOVAL_MARGIN_MS.
    const revocation: RevocationEvent = {
      kind: 'sub',
      value: clientId,
      at: now + REMOVAL_MARGIN_MS,
      expiresAt: now + REMOVAL_MARGIN_MS + CLI_REVOCATION_HORIZON_MS,
    };
    await withState(options, async ({ store }) => {
      const audit = cliAudit('client.removed', { clientId });
      if (!(await store.deleteClient(clientId, now, revocation, audit))) {
        throw new TypeError(`no client ${JSON.stringify(clientId)}`);
      }
    });
    io.stdout(`removed client ${clientId} and revoked its tokens and sessions\n`);
  });
}
