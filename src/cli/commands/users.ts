import { createSubjectRevocation } from '../../revocation/revocation-event.js';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { checkPassword } from '../../sessions/password-policy.js';
import { PasswordHasher } from '../../sessions/password-hasher.js';
import { normalizeUsername } from '../../sessions/username.js';
import type { Store } from '../../store/store.js';
import type { CliIo } from '../cli-io.js';
import {
  CLI_REVOCATION_HORIZON_MS,
  cliAudit,
  withDataOptions,
  withState,
  type DataOptions,
} from '../internal/data-options.js';
import { readNewPassword } from '../internal/read-secret.js';

interface PasswordOptions extends DataOptions {
  readonly passwordStdin?: boolean;
}

async function acceptablePassword(username: string, fromStdin: boolean): Promise<string> {
  const password = await readNewPassword(fromStdin);
  const problem = checkPassword(password, { username });
  if (problem !== null) throw new TypeError(problem.message);
  return password;
}

async function findUser(store: Store, name: string) {
  const user = await store.findUserByUsername(normalizeUsername(name));
  if (user === null) throw new TypeError(`no user named ${JSON.stringify(name)}`);
  return user;
}

/** `tessera users ...`: accounts. */
export function registerUsersCommand(program: Command, io: CliIo): void {
  const users = program.command('users').description('Add, list and manage user accounts.');

  withDataOptions(
    users
      .command('add <username>')
      .description('Add a user. The password is asked for twice, or read from standard input.')
      .option('--password-stdin', 'read the password from standard input (for scripts)'),
  ).action(async (name: string, options: PasswordOptions) => {
    const username = normalizeUsername(name);
    if (username === '' || username.length > 256)
      throw new TypeError('a username is 1 to 256 characters');
    const password = await acceptablePassword(username, options.passwordStdin === true);
    const passwordHash = await new PasswordHasher().hash(password);
    await withState(options, async ({ store }) => {
      const now = Date.now();
      const id = randomUUID();
      await store.createUser(
        { id, username, passwordHash, disabled: false, createdAt: now, passwordChangedAt: now },
        cliAudit('user.created', { username }, id),
      );
      io.stdout(`added user ${username} (id ${id})\n`);
    });
  });

  withDataOptions(users.command('list').description('List users.')).action(
    async (options: DataOptions) => {
      await withState(options, async ({ store }) => {
        const list = await store.listUsers();
        if (list.length === 0) io.stdout('no users yet: add one with `tessera users add <name>`\n');
        for (const user of list) {
          io.stdout(
            `${user.username}\t${user.id}\t${user.disabled ? 'disabled' : 'active'}\tcreated ${new Date(user.createdAt).toISOString()}\n`,
          );
        }
      });
    },
  );

  withDataOptions(
    users
      .command('disable <username>')
      .description(
        'Disable a user: no more logins, and every session and token of theirs ends at once.',
      ),
  ).action(async (name: string, options: DataOptions) => {
    await withState(options, async ({ store }) => {
      const user = await findUser(store, name);
      const now = Date.now();
      await store.setUserDisabled(user.id, true, cliAudit('user.disabled', {}, user.id));
      await store.endAllSessions(
        user.id,
        now,
        createSubjectRevocation(user.id, now, now + CLI_REVOCATION_HORIZON_MS),
        cliAudit('session.ended_all', { reason: 'disabled' }, user.id),
      );
      io.stdout(`disabled ${user.username}; their sessions and tokens are revoked\n`);
    });
  });

  withDataOptions(
    users
      .command('set-password <username>')
      .description('Set a new password. Every session of the user ends.')
      .option('--password-stdin', 'read the password from standard input (for scripts)'),
  ).action(async (name: string, options: PasswordOptions) => {
    const username = normalizeUsername(name);
    const password = await acceptablePassword(username, options.passwordStdin === true);
    const passwordHash = await new PasswordHasher().hash(password);
    await withState(options, async ({ store }) => {
      const user = await findUser(store, username);
      const now = Date.now();
      await store.setUserPassword(
        user.id,
        passwordHash,
        now,
        null,
        (session) => ({
          kind: 'sid',
          value: session.id,
          at: now,
          expiresAt: now + CLI_REVOCATION_HORIZON_MS,
        }),
        cliAudit('user.password_changed', {}, user.id),
      );
      io.stdout(`password of ${user.username} changed; their sessions are ended\n`);
    });
  });
}
