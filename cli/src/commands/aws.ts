/**
 * `rapki aws register|status|crl-push|unregister` (docs/aws.md): the Roles Anywhere
 * control plane. Builders stay light; the implementation (and the AWS SDK) load in the handler.
 * AWS credentials come from the standard AWS chain; `--endpoint` points at the emulator.
 */
import type { Argv, CommandModule, Options } from 'yargs';
import { adminTokenOptions, caConnectionOptions } from '../ca-client/connection.js';
import { lazyHandler } from './lazy.js';
import { storeOptions } from './store-options.js';

const common = {
  ...caConnectionOptions,
  ...adminTokenOptions,
  'ca-dir': { type: 'string', describe: 'CA directory on the CA host (instead of --ca-url): read the CA from it and write the CRL sync target into it' },
  ...storeOptions,
  region: { type: 'string', describe: 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)' },
  endpoint: { type: 'string', describe: 'Roles Anywhere control-plane endpoint (e.g. the rapki emulator)' },
  json: { type: 'boolean', describe: 'machine-readable output' },
} as const satisfies Record<string, Options>;

/** The subcommand's handler in cli/src/handlers/aws.ts. */
function lazy(name: 'awsRegister' | 'awsStatus' | 'awsCrlPush' | 'awsUnregister') {
  return lazyHandler(async () => (await import('../handlers/aws.js'))[name]);
}

const register: CommandModule = {
  command: 'register',
  describe: 'Create or update the trust anchor, profile and CRL for this CA; print the ~/.aws/config snippet and the role trust policy',
  builder: (y: Argv) =>
    y
      .options(common)
      .option('role-arn', { type: 'string', array: true, demandOption: true, describe: 'IAM role the profile may assume (repeatable)' })
      .option('profile-name', { type: 'string', describe: 'profile name (default rapki-<fingerprint prefix>); several profiles per CA are allowed' })
      .option('session-duration', { type: 'string', default: '3600', describe: 'session duration: seconds or 15m/1h/12h (900–43200 s)' })
      .option('accept-role-session-name', { type: 'boolean', default: false, describe: 'let hosts choose the role session name (--role-session-name)' })
      .option('managed-policy-arn', { type: 'string', array: true, describe: 'managed policy that scopes the session down (repeatable)' })
      .option('attribute-mapping', {
        type: 'string',
        array: true,
        describe: 'principal tags from the certificate, FIELD=SPEC[,SPEC…], FIELD one of x509Subject, x509Issuer, x509SAN (repeatable)',
      })
      .option('anchor', { choices: ['root', 'intermediate'] as const, default: 'root', describe: 'which CA certificate the trust anchor holds' })
      .option('ca-expiry-days', { type: 'number', default: 90, describe: 'CA_CERTIFICATE_EXPIRY notification threshold (1–360 days)' })
      .option('end-entity-expiry-days', { type: 'number', describe: 'END_ENTITY_CERTIFICATE_EXPIRY threshold (1–360 days); default: off (short-lived leaves)' })
      .option('cert-dir', { type: 'string', default: '/etc/rapki', describe: 'where hosts keep certificate.pem / private-key.pem (for the config snippet)' })
      .option('host-key', {
        choices: ['file', 'tpm'] as const,
        default: 'file',
        describe: 'how hosts keep their key, for the config snippet: file, or tpm (rapki enroll --key tpm: private-key.pem is a TSS2 key file)',
      })
      .option('tpm-key-password-file', {
        type: 'string',
        describe: 'with --host-key tpm: where hosts keep the TPM key password (put in the snippet as --tpm-key-password-file); omit for keys without password',
      })
      .option('sync', { type: 'boolean', default: true, describe: 'ask the CA to keep the CRL in sync (--no-sync to skip)' }),
  handler: lazy('awsRegister'),
};

const status: CommandModule = {
  command: 'status',
  describe: 'Show what is registered, enabled, and whether Roles Anywhere holds the current CRL (drift)',
  builder: (y: Argv) => y.options(common).option('check', { type: 'boolean', describe: 'exit with status 3 when there is drift or a problem' }),
  handler: lazy('awsStatus'),
};

const crlPush: CommandModule = {
  command: 'crl-push',
  describe: 'Push the current CRL to Roles Anywhere now',
  builder: (y: Argv) => y.options(common).option('force', { type: 'boolean', describe: 'update even when AWS already holds the same bytes' }),
  handler: lazy('awsCrlPush'),
};

const unregister: CommandModule = {
  command: 'unregister',
  describe: 'Delete the profiles, CRLs and trust anchor rapki created for this CA (only resources with its tags)',
  builder: (y: Argv) => y.options(common).option('yes', { type: 'boolean', describe: 'really delete (without it, only show what would be deleted)' }),
  handler: lazy('awsUnregister'),
};

export const awsCommand: CommandModule = {
  command: 'aws <command>',
  describe: 'Register the CA with IAM Roles Anywhere and keep its CRL there',
  builder: (y: Argv) => y.command(register).command(status).command(crlPush).command(unregister).demandCommand(1),
  handler: () => {},
};
