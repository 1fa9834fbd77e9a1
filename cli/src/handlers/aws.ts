/**
 * Handlers of `rapki aws …`: turn flags and environment into a control-plane client and a CA side,
 * run the operation, print text or `--json`. Errors print as `rapki: <code>: <message>` (exit 1);
 * `status --check` exits 3 on drift or a problem.
 */
import { CERTIFICATE_FIELDS, NOTIFICATION_DEFAULTS } from '../../../common/src/aws/constants.js';
import type { CertificateField } from '../../../common/src/aws/constants.js';
import { awsError } from '../../../common/src/aws/errors.js';
import type { AttributeMapping, RolesAnywhereControlPlane } from '../../../common/src/aws/types.js';
import { connect, type ConnectionArgs } from '../ca-client/connection.js';
import { parseDuration } from '../ca-client/duration.js';
import { caClientError } from '../ca-client/errors.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { dirCaSide, serverCaSide, type CaSide } from '../aws/ca-source.js';
import { crlPush } from '../aws/crl-push.js';
import { register } from '../aws/register.js';
import { configSnippet, trustPolicy } from '../aws/snippets.js';
import { formatStatus, status } from '../aws/status.js';
import { endpointUrl, placementFrom, placementHint, type Placement } from '../aws/placement.js';
import { RapkiError, isRapkiError } from '../../../common/src/errors.js';
import { planUnregister, unregister } from '../aws/unregister.js';
import type { StoreArgs } from '../commands/store-options.js';

export interface AwsArgs extends ConnectionArgs, StoreArgs {
  readonly 'ca-dir'?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly json?: boolean;
  readonly 'role-arn'?: string[];
  readonly 'profile-name'?: string;
  readonly 'session-duration'?: string;
  readonly 'accept-role-session-name'?: boolean;
  readonly 'managed-policy-arn'?: string[];
  readonly 'attribute-mapping'?: string[];
  readonly anchor?: 'root' | 'intermediate';
  readonly 'ca-expiry-days'?: number;
  readonly 'end-entity-expiry-days'?: number;
  readonly 'cert-dir'?: string;
  readonly 'host-key'?: 'file' | 'tpm';
  readonly 'tpm-key-password-file'?: string;
  readonly sync?: boolean;
  readonly check?: boolean;
  readonly force?: boolean;
  readonly yes?: boolean;
}

/** `x509Subject=CN,OU` → AttributeMapping. */
export function parseAttributeMapping(s: string): AttributeMapping {
  const m = /^([A-Za-z0-9]+)=([^=]+)$/.exec(s.trim());
  if (!m || !CERTIFICATE_FIELDS.includes(m[1] as CertificateField)) {
    throw awsError('flag_value_invalid', `--attribute-mapping must look like x509Subject=CN,OU (fields: ${CERTIFICATE_FIELDS.join(', ')})`);
  }
  const specs = m[2]!
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (specs.length === 0 || specs.some((x) => x.length > 60 || !/^[A-Za-z0-9_.:-]+$/.test(x))) {
    throw awsError('flag_value_invalid', '--attribute-mapping specifiers: 1–60 characters each, e.g. CN, OU, DNS, URI');
  }
  return { certificateField: m[1] as CertificateField, mappingRules: specs.map((specifier) => ({ specifier })) };
}

async function caSideFrom(args: AwsArgs, io: CommandIo): Promise<CaSide> {
  if (args['ca-dir']) return dirCaSide(args['ca-dir'], undefined, { url: args['store-url'], urlFile: args['store-url-file'], env: io.env });
  return serverCaSide(await connect(args, io.env, { admin: true }));
}

async function controlPlaneFrom(p: Placement): Promise<RolesAnywhereControlPlane> {
  const { createControlPlane } = await import('../../../common/src/aws/control-plane.js');
  return createControlPlane({ region: p.region, endpoint: p.endpoint });
}

/** `register` goes where the flags (or AWS_REGION) say; the others where `register` went. */
async function placement(cmd: string, args: AwsArgs, ca: CaSide): Promise<Placement> {
  const flags = { region: args.region, endpoint: args.endpoint };
  if (cmd === 'register') return { ...flags, source: flags.region || flags.endpoint ? 'from the flags' : 'the defaults' };
  return placementFrom(flags, (await ca.syncState()).targets);
}

/** A network error names the URL it tried and the flags that change where it goes. */
function withPlacement(err: unknown, p: Placement, cp: RolesAnywhereControlPlane | undefined, env: NodeJS.ProcessEnv): unknown {
  if (!isRapkiError(err) || err.code !== 'aws_unreachable' || !cp) return err;
  const url = endpointUrl(cp.region, cp.endpoint);
  const said = err.message.includes(url) ? err.message : `${err.message} (${url})`;
  return new RapkiError('aws_unreachable', `${said}; ${placementHint(p, cp.region, env)}`, { cause: err, details: { url } });
}

export const awsRegister = (args: AwsArgs, io: CommandIo): Promise<number> => runAws('register', args, io);
export const awsStatus = (args: AwsArgs, io: CommandIo): Promise<number> => runAws('status', args, io);
export const awsCrlPush = (args: AwsArgs, io: CommandIo): Promise<number> => runAws('crl-push', args, io);
export const awsUnregister = (args: AwsArgs, io: CommandIo): Promise<number> => runAws('unregister', args, io);

function runAws(cmd: 'register' | 'status' | 'crl-push' | 'unregister', args: AwsArgs, io: CommandIo): Promise<number> {
  let exit = 0;
  return runCommand(io, async () => {
    if (cmd === 'register' && args['tpm-key-password-file'] !== undefined && args['host-key'] !== 'tpm') {
      throw caClientError('flag_value_invalid', '--tpm-key-password-file needs --host-key tpm');
    }
    const ca = await caSideFrom(args, io);
    let cp: RolesAnywhereControlPlane | undefined;
    let where: Placement = { region: args.region, endpoint: args.endpoint, source: 'from the flags' };
    try {
      where = await placement(cmd, args, ca);
      cp = await controlPlaneFrom(where);
      await runOn(cp);
    } catch (err) {
      throw withPlacement(err, where, cp, io.env);
    } finally {
      ca.close();
      cp?.close();
    }

    async function runOn(cp: RolesAnywhereControlPlane): Promise<void> {
      const material = await ca.material();
      if (cmd === 'register') {
        const result = await register(cp, ca, material, {
          roleArns: args['role-arn'] ?? [],
          profileName: args['profile-name'],
          sessionDurationSeconds: parseDuration(args['session-duration'] ?? '3600'),
          acceptRoleSessionName: args['accept-role-session-name'] === true,
          managedPolicyArns: args['managed-policy-arn'] ?? [],
          attributeMappings: (args['attribute-mapping'] ?? []).map(parseAttributeMapping),
          anchor: args.anchor ?? 'root',
          caExpiryDays: args['ca-expiry-days'] ?? NOTIFICATION_DEFAULTS.caCertificateExpiryDays,
          endEntityExpiryDays: args['end-entity-expiry-days'],
          sync: args.sync !== false,
        });
        const snippet = configSnippet({
          trustAnchorArn: result.trustAnchor.trustAnchorArn,
          profileArn: result.profile.profileArn,
          roleArns: result.profile.roleArns,
          region: cp.region,
          endpoint: cp.endpoint,
          certDir: args['cert-dir'] ?? '/etc/rapki',
          intermediates: material.intermediatePem !== undefined && !result.usesIntermediate,
          hostKey: args['host-key'],
          tpmKeyPasswordFile: args['tpm-key-password-file'],
        });
        const policy = trustPolicy(result.trustAnchor.trustAnchorArn);
        if (args.json) {
          io.stdout(
            `${JSON.stringify({
              trustAnchorArn: result.trustAnchor.trustAnchorArn,
              profileArn: result.profile.profileArn,
              crlArn: result.crl?.crlArn ?? null,
              configSnippet: snippet,
              trustPolicy: policy,
              changes: result.changes,
              syncTargetId: result.syncTarget?.id ?? null,
            })}\n`,
          );
        } else {
          io.stdout(
            [
              `trust anchor  ${result.trustAnchor.trustAnchorArn}`,
              `profile       ${result.profile.profileArn}`,
              `crl           ${result.crl?.crlArn ?? '(none yet: the CA has no CRL)'}`,
              `changes       ${result.changes.length ? result.changes.join('; ') : 'none (already registered)'}`,
              result.syncTarget ? `crl sync      kept in sync by the CA (target ${result.syncTarget.id})` : 'crl sync      OFF (--no-sync)',
              '',
              '# Trust policy for each role (IAM → Roles → Trust relationships):',
              JSON.stringify(policy, null, 2),
              '',
              '# ~/.aws/config on each host (after `rapki enroll --out <cert-dir>`):',
              snippet,
            ].join('\n'),
          );
        }
      } else if (cmd === 'status') {
        const report = await status(cp, ca, material);
        io.stdout(args.json ? `${JSON.stringify(report)}\n` : formatStatus(report));
        if (args.check && (report.drift || report.problems.length > 0 || !report.registered)) exit = 3;
      } else if (cmd === 'crl-push') {
        const r = await crlPush(cp, ca, material, { force: args.force === true });
        io.stdout(
          args.json ? `${JSON.stringify(r)}\n` : r.pushed.map((p) => `CRL ${r.crlNumber} ${p.action}: ${p.crlArn} (${p.trustAnchorArn})`).join('\n') + '\n',
        );
      } else {
        if (!args.yes) {
          const plan = await planUnregister(cp, material.fingerprint);
          const { ids: _ids, ...shown } = plan;
          void _ids;
          io.stdout(
            args.json
              ? `${JSON.stringify({ dryRun: true, ...shown })}\n`
              : `Would delete (run again with --yes):\n${[...plan.profiles, ...plan.crls, ...plan.trustAnchors].map((a) => `  ${a}`).join('\n') || '  nothing'}\n`,
          );
          return;
        }
        const r = await unregister(cp, ca, material.fingerprint);
        io.stdout(
          args.json ? `${JSON.stringify(r)}\n` : `Deleted:\n${[...r.profiles, ...r.crls, ...r.trustAnchors].map((a) => `  ${a}`).join('\n') || '  nothing'}\n`,
        );
      }
    }
    return exit;
  });
}
