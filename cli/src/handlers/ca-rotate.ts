/**
 * Handler of `rapki ca rotate …`: one admin call per subcommand (`finish --wait` polls the plan
 * first), human-readable or `--json` output, warnings on stderr. Long steps (publishing to Roles
 * Anywhere at 1 call/s) get a longer request timeout than ordinary admin calls.
 */
import { CA_PATHS } from '../../../common/src/contract/paths.js';
import type { RotationPlan, RotationStatus } from '../../../common/src/contract/types.js';
import { CaClient } from '../ca-client/client.js';
import { caTrust, caUrl, type ConnectionArgs } from '../ca-client/connection.js';
import { caClientError } from '../ca-client/errors.js';
import type { CommandIo } from '../io.js';
import { runCommand } from '../run-command.js';
import { adminToken } from '../ca-client/secrets.js';

export interface RotateArgs extends ConnectionArgs {
  readonly json?: boolean | undefined;
  readonly 'key-type'?: string | undefined;
  readonly emergency?: boolean | undefined;
  readonly force?: boolean | undefined;
  readonly wait?: boolean | undefined;
  readonly timeout?: number | undefined;
}

/** Start/finish may wait up to 30 s for CRL pushes per step; leave room. */
const ROTATE_TIMEOUT_MS = 120_000;

function planText(p: RotationPlan): string {
  const lines = [
    `phase: ${p.phase}`,
    `overlap: ${p.overlapSeconds} s (longest valid leaf lifetime ${p.longestLeafLifetimeSeconds} s + margin)`,
    `leaves of the leaving CA still valid and not renewed: ${p.pendingLeaves}${p.drainedBy ? ` (last expires ${p.drainedBy})` : ''}`,
    `finish allowed from: ${p.earliestFinishAt} (expected drain if hosts renew at 2/3: ${p.expectedDrainAt})`,
    'steps:',
    ...p.steps.map((s, i) => `  ${i + 1}. [${s.done ? 'x' : ' '}] ${s.name}${s.at ? ` (${s.at})` : ''}: ${s.description}`),
  ];
  for (const b of p.blocking.slice(0, 5)) lines.push(`  waiting for ${b.host} serial ${b.serial} (expires ${b.notAfter})`);
  return `${lines.join('\n')}\n`;
}

function statusText(s: RotationStatus): string {
  const head = [
    `current CA root fingerprint: ${s.current.rootFingerprint}`,
    ...(s.next ? [`next CA root fingerprint:    ${s.next.rootFingerprint}`] : []),
    `issuing: ${s.issuing} CA${s.state ? ` (rotation ${s.state.id}, started ${s.state.startedAt}${s.state.emergency ? ', EMERGENCY' : ''})` : ''}`,
  ];
  for (const k of s.retainedCrls ?? []) {
    head.push(
      k.kind === 'root'
        ? `kept CRL: the root's (it revokes a compromised intermediate), in every trust anchor until ${k.until ?? 'released'}`
        : `kept CRL: retired CA ${k.issuerId.slice(0, 16)}…, in every trust anchor until its last certificate expires (${k.until ?? 'released'})`,
    );
  }
  return `${head.join('\n')}\n${planText(s.plan)}`;
}

export const rotatePlan = (args: RotateArgs, io: CommandIo): Promise<number> => runRotate('plan', args, io);
export const rotateStatus = (args: RotateArgs, io: CommandIo): Promise<number> => runRotate('status', args, io);
export const rotateStart = (args: RotateArgs, io: CommandIo): Promise<number> => runRotate('start', args, io);
export const rotateFinish = (args: RotateArgs, io: CommandIo): Promise<number> => runRotate('finish', args, io);
export const rotateAbort = (args: RotateArgs, io: CommandIo): Promise<number> => runRotate('abort', args, io);

function runRotate(
  sub: 'plan' | 'status' | 'start' | 'finish' | 'abort',
  args: RotateArgs,
  io: CommandIo,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<number> {
  return runCommand(io, async () => {
    const client = new CaClient({
      url: caUrl(args, io.env),
      trust: caTrust(args, io.env),
      adminToken: await adminToken({ env: io.env, file: args['admin-token-file'] }),
      timeoutMs: ROTATE_TIMEOUT_MS,
    });
    try {
      const out = (v: unknown, text: string): void => void io.stdout(args.json ? `${JSON.stringify(v)}\n` : text);
      if (sub === 'plan') {
        const p = await client.json<RotationPlan>('GET', CA_PATHS.rotationStep('plan'), { admin: true });
        out(p, planText(p));
        return;
      }
      if (sub === 'status') {
        const s = await client.json<RotationStatus>('GET', CA_PATHS.rotation, { admin: true });
        out(s, statusText(s));
        return;
      }
      let body: Record<string, unknown> = {};
      if (sub === 'start') body = { ...(args['key-type'] ? { keyType: args['key-type'] } : {}), ...(args.emergency ? { emergency: true } : {}) };
      if (sub === 'finish' || sub === 'abort') body = args.force ? { force: true } : {};
      if (sub === 'finish' && args.wait && !args.force) {
        const deadline = Date.now() + (args.timeout ?? 3600) * 1000;
        for (;;) {
          const p = await client.json<RotationPlan>('GET', CA_PATHS.rotationStep('plan'), { admin: true });
          if (p.pendingLeaves === 0) break;
          if (Date.now() > deadline) throw caClientError('ca_timeout', `${p.pendingLeaves} leaf certificate(s) of the old CA are still valid; gave up waiting`);
          await sleep(Math.min(5000, Math.max(500, Date.parse(p.earliestFinishAt) - Date.now())));
        }
      }
      const s = await client.json<RotationStatus>('POST', CA_PATHS.rotationStep(sub), { admin: true, json: body });
      for (const w of s.warnings ?? []) io.stderr(`rapki: WARNING: ${w}\n`);
      let text = statusText(s);
      if (sub === 'finish') {
        text += `finished: the new CA is the CA now. Pin its root from now on: RAPKI_CA_FINGERPRINT=${s.current.rootFingerprint}\n`;
      } else if (sub === 'abort') {
        text +=
          s.completed === false
            ? 'issuance is back on the old CA; run `rapki ca rotate abort` again once the new CA has drained\n'
            : 'aborted: the old CA is the only CA again\n';
      } else {
        text += 'started: new and renewed leaves now come from the new CA; run `rapki ca rotate finish` once the old CA has drained\n';
      }
      out(s, text);
    } finally {
      client.close();
    }
  });
}
