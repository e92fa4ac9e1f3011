import { Command } from 'commander';
import { processIo, type CliIo } from './cli-io.js';
import { registerKeysCommand } from './commands/keys.js';

/** Build the `tessera` command line. */
export function createProgram(io: CliIo = processIo): Command {
  const program = new Command('tessera')
    .description('Token authentication: strict, fast, revocable JWTs.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerKeysCommand(program, io);
  return program;
}
