/**
 * Every command of the CLI, in the order `rapki --help` lists them.
 * One file per command or command group (cli/src/README.md); add a line here for a new one.
 */
import type { CommandModule } from 'yargs';
import { credentialProcessCommand } from './credential-process.js';
import { versionCommand } from './version.js';
import { serveCommand } from './serve.js';
import { updateCommand } from './update.js';
import { signStringCommand } from './sign-string.js';
import { readCertificateDataCommand } from './read-certificate-data.js';
import { auditCommand } from './audit.js';
import { certCommand } from './cert.js';
import { crlCommand } from './crl.js';
import { enrollCommand } from './enroll.js';
import { renewCommand } from './renew.js';
import { agentCommand } from './agent.js';
import { hostCommand } from './host.js';
import { tokenCommand } from './token.js';
import { adminTokenCommand } from './admin-token.js';
import { caCommand } from './ca.js';
import { awsCommand } from './aws.js';
import { emulatorCommand } from './emulator.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  credentialProcessCommand,
  serveCommand,
  updateCommand,
  signStringCommand,
  readCertificateDataCommand,
  versionCommand,
  caCommand,
  tokenCommand,
  enrollCommand,
  renewCommand,
  agentCommand,
  certCommand,
  hostCommand,
  adminTokenCommand,
  crlCommand,
  auditCommand,
  awsCommand,
  emulatorCommand,
];
