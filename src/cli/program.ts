import { Command } from 'commander';
import { registerKeysCommand } from './commands/keys.js';

/** What a command writes to; injected so tests read the output without spawning a process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

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
