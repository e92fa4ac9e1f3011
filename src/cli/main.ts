#!/usr/bin/env node
import { isTesseraError } from '../token/errors.js';
import { createProgram } from './program.js';

// Errors a user can act on get one clear line and exit code 2; anything else is a bug and
// still gets one line (no stack trace), with exit code 1.
try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (isTesseraError(error)) {
    process.stderr.write(`tessera: ${error.message} (${error.code})\n`);
    process.exitCode = 2;
  } else if (error instanceof TypeError) {
    process.stderr.write(`tessera: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `tessera: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
