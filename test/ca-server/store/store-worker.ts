/**
 * A separate process writing to a store (the contract suite's multi-process writers). Bundled by
 * `store-processes.ts` and run with one JSON argument: the store location and a task. Prints one
 * JSON line with what it did, so the test can check the union of all processes.
 */
import { openStore } from '../../../ca-server/src/store/open-store.js';
import type { StoreLocation } from '../../../ca-server/src/store/store-url.js';

export interface WorkerTask {
  readonly location: StoreLocation;
  readonly id: string;
  /**
   * audit: append `n` records; crl: allocate and save `n` CRL numbers; tokens: try to consume each
   * token; rotation: `n` compare-and-set attempts on the rotation document; slots: record each of
   * `numbers` as pushed into the slot `slot` of `targetId` (forward only).
   */
  readonly kind: 'audit' | 'crl' | 'tokens' | 'rotation' | 'slots';
  readonly n: number;
  readonly concurrency: number;
  readonly issuerId?: string;
  readonly tokens?: readonly string[];
  readonly host?: string;
  readonly numbers?: readonly number[];
  readonly slot?: string;
  readonly targetId?: string;
}

export interface WorkerResult {
  readonly id: string;
  readonly auditSeqs: number[];
  readonly crlNumbers: number[];
  readonly consumed: string[];
  /** rotation: the versions this process's successful compare-and-sets produced. */
  readonly rotationVersions: number[];
  readonly errors: string[];
}

const T0 = new Date('2026-01-01T00:00:00Z');

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2]!) as WorkerTask;
  const opened = await openStore({ location: task.location });
  const s = opened.store;
  const out: WorkerResult = { id: task.id, auditSeqs: [], crlNumbers: [], consumed: [], rotationVersions: [], errors: [] };
  try {
    const items =
      task.kind === 'tokens' ? [...(task.tokens ?? [])] : task.kind === 'slots' ? [...(task.numbers ?? [])] : Array.from({ length: task.n }, (_, i) => i);
    let next = 0;
    await Promise.all(
      Array.from({ length: task.concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= items.length) return;
          try {
            if (task.kind === 'audit') {
              const r = await s.appendAudit({ time: T0, actor: `proc:${task.id}`, action: 'test.append', details: { i } });
              out.auditSeqs.push(r.seq);
            } else if (task.kind === 'crl') {
              const n = await s.allocateCrlNumber(task.issuerId!);
              out.crlNumbers.push(n);
              await s
                .saveCrl({ issuerId: task.issuerId!, number: n, thisUpdate: T0, nextUpdate: T0, der: Uint8Array.of(n % 256) }, undefined)
                .catch((e: Error) => {
                  if (!/must increase/.test(e.message)) throw e;
                });
            } else if (task.kind === 'rotation') {
              const cur = (await s.getCaState()).rotation;
              const r = await s.updateCaState({
                rotation: { expectVersion: cur?.version ?? 0, state: { id: 'abc123', by: task.id, i, seen: cur?.version ?? 0 } },
                audit: [{ time: T0, actor: `proc:${task.id}`, action: 'test.rotation_step', details: { i } }],
              });
              out.rotationVersions.push(r.rotationVersion);
            } else if (task.kind === 'slots') {
              const n = items[i] as number;
              await s.saveCrlSlot(
                {
                  slot: task.slot!,
                  targetId: task.targetId!,
                  crlArn: 'arn:x',
                  pushedNumber: String(n),
                  pushedSha256: n.toString(16).padStart(64, '0'),
                  lastSuccessAt: T0,
                },
                'forward',
              );
            } else {
              const hash = items[i] as string;
              const serial = `${task.id}${i.toString(16).padStart(4, '0')}`;
              await s.issueWithToken({
                tokenHash: hash,
                now: T0,
                certificate: {
                  serial,
                  host: task.host!,
                  subject: `CN=${task.host}`,
                  sans: [],
                  notBefore: T0,
                  notAfter: new Date(T0.getTime() + 86_400_000),
                  status: 'valid',
                  revokedAt: null,
                  reason: null,
                  fingerprint: serial.padEnd(64, 'f'),
                  der: Uint8Array.of(1),
                  issuerId: task.issuerId!,
                  renewedFrom: null,
                  issuedAt: T0,
                  certTtlSeconds: 86400,
                },
                audit: { time: T0, actor: `proc:${task.id}`, action: 'certificate.issue', details: { serial } },
              });
              out.consumed.push(hash);
            }
          } catch (e) {
            out.errors.push((e as { code?: string }).code ?? String((e as Error).message));
          }
        }
      }),
    );
  } finally {
    await opened.close();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
  process.exitCode = 1;
});
