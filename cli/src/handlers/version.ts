/** `rapki version`: prints the version, as `aws_signing_helper version` does. */
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { VERSION } from '../version.js';

export function runVersion(_args: unknown, io: CommandIo): Promise<number> {
  return runCommand(io, async () => {
    await io.stdout(`${VERSION}\n`);
  });
}
