import { Command } from 'commander';
import { processIo, type CliIo } from './cli-io.js';
import { registerAttackCommand } from './commands/attack.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerInspectCommand } from './commands/inspect.js';
import { registerClientsCommand } from './commands/clients.js';
import { registerGatewayCommand } from './commands/gateway.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerRevokeCommand } from './commands/revoke.js';
import { registerServeCommand } from './commands/serve.js';
import { registerUsersCommand } from './commands/users.js';

/** Build the `tessera` command line. */
export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('tessera')
    .description('Token authentication: strict, fast, revocable JWTs.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // Throw instead of exiting, so main.ts chooses the exit code; subcommands inherit this.
    .exitOverride();
  registerServeCommand(program, io);
  registerGatewayCommand(program, io);
  registerUsersCommand(program, io);
  registerClientsCommand(program, io);
  registerKeysCommand(program, io);
  registerRevokeCommand(program, io);
  registerInspectCommand(program, io);
  registerAttackCommand(program, io);
  registerDoctorCommand(program, io);
  return program;
}
