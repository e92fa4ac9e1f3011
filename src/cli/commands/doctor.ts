import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';

/** `tessera doctor` (issue 7); filled in by that work. */
export function registerDoctorCommand(_program: Command, _io: CliIo): void {
  // Not registered until it works.
  void _program;
  void _io;
}
