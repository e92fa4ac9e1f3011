#!/usr/bin/env node
import { CommanderError } from 'commander';
import { ConfigError } from '../server/server-config.js';
import { isTesseraError } from '../token/errors.js';
import { createProgram } from './program.js';

// Exit codes: 0 success; what a command reports by design (inspect: 1 and 2 for findings);
// 64 (EX_USAGE) for a mistake the user can fix; 1 for an operational failure (a taken
// port); 70 (EX_SOFTWARE) for anything else. Always one clear line, never a stack trace.
const EXIT_USAGE = 64;
const EXIT_SOFTWARE = 70;

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help).
    const done = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    process.exitCode = done || error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else if (isTesseraError(error)) {
    process.stderr.write(`tessera: ${error.message} (${error.code})\n`);
    // A database that is down or busy is operational, like a taken port; the rest are mistakes.
    process.exitCode = error.code === 'ERR_STORE_UNAVAILABLE' ? 1 : EXIT_USAGE;
  } else if (error instanceof TypeError || error instanceof ConfigError) {
    process.stderr.write(`tessera: ${error.message}\n`);
    process.exitCode = EXIT_USAGE;
  } else if (error instanceof Error) {
    // Operational failures (a taken port, an unreadable data directory) say what happened.
    process.stderr.write(`tessera: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`tessera: unexpected error: ${String(error)}\n`);
    process.exitCode = EXIT_SOFTWARE;
  }
}
