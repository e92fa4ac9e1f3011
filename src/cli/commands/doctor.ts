import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';

/** `tessera doctor` (issue 7); filled in by that work. */
// A placeholder until its work lands; the parameters are its signature.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function registerDoctorCommand(_program: Command, _io: CliIo): void {
  // Not registered until it works.
}
