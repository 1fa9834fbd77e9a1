/**
 * Test doubles for the sync's two seams: a manual clock/timer scheduler, and an in-memory stand-in
 * for the CRL slice of the Roles Anywhere control plane (AWS is the edge of the world; the
 * emulator-backed tests in crl-sync.emulator.e2e.test.ts check the same flows against the real client).
 */
import { randomUUID } from 'node:crypto';
import { awsError } from '../../../common/src/aws/errors.js';
import type { Crl } from '../../../common/src/aws/types.js';
import type { CrlControlPlane } from '../../../ca-server/src/sync/crl-sync.js';
import type { SyncScheduler } from '../../../ca-server/src/sync/scheduler.js';

export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

export class ManualScheduler implements SyncScheduler {
  t = 1_700_000_000_000;
  private seq = 0;
  private timers: { id: number; at: number; fn: () => void }[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ id, at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  pending(): number {
    return this.timers.length;
  }
  /** Run timers due within `ms`, in time order, letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

export interface CallRecord {
  readonly op: 'importCrl' | 'updateCrl' | 'enableCrl' | 'getCrl';
  readonly at: number;
}

export class FakeCrlPlane implements CrlControlPlane {
  down = false;
  calls: CallRecord[] = [];
  crls = new Map<string, { enabled: boolean; data: Uint8Array; trustAnchorArn: string; name: string }>();
  /** Corrupt what GetCrl returns (read-back check). */
  corruptReadBack = false;

  constructor(private readonly clock: () => number) {}

  private record(op: CallRecord['op']): void {
    this.calls.push({ op, at: this.clock() });
    if (this.down) throw awsError('aws_unreachable', 'could not reach the Roles Anywhere control plane (ECONNREFUSED)');
  }

  private view(id: string): Crl {
    const c = this.crls.get(id);
    if (!c) throw awsError('aws_request_failed', 'Roles Anywhere: ResourceNotFoundException', { details: { awsError: 'ResourceNotFoundException' } });
    return {
      crlId: id,
      crlArn: `arn:aws:rolesanywhere:us-east-1:123456789012:crl/${id}`,
      name: c.name,
      enabled: c.enabled,
      crlData: c.data,
      trustAnchorArn: c.trustAnchorArn,
      createdAt: undefined,
      updatedAt: undefined,
    };
  }

  async importCrl(input: { name: string; pem: Uint8Array; trustAnchorArn: string; enabled: boolean }): Promise<Crl> {
    this.record('importCrl');
    const id = randomUUID();
    // Like the real service in the serverless-ca example: the import comes back disabled.
    this.crls.set(id, { enabled: false, data: input.pem, trustAnchorArn: input.trustAnchorArn, name: input.name });
    return this.view(id);
  }
  async updateCrl(id: string, pem: Uint8Array): Promise<Crl> {
    this.record('updateCrl');
    const c = this.crls.get(id);
    if (c) c.data = pem;
    return this.view(id);
  }
  async enableCrl(id: string): Promise<Crl> {
    this.record('enableCrl');
    const c = this.crls.get(id);
    if (c) c.enabled = true;
    return this.view(id);
  }
  async getCrl(id: string): Promise<Crl> {
    this.record('getCrl');
    const v = this.view(id);
    return this.corruptReadBack ? { ...v, crlData: new Uint8Array([...v.crlData].reverse()) } : v;
  }
}
