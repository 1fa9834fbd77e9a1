/**
 * The second CRL slot of every registered trust anchor (the new CA's CRL) as a `SyncTargetStore`,
 * so the unchanged `CrlSync` pushes it: the trust anchors come from the CA's own target file
 * (`aws-sync-targets.json`, so an anchor registered during the rotation gets both CRLs), and only
 * the slot's fields (its CRL ARN and what was last pushed) are kept here, in
 * `rotation/aws-sync-next.json` (atomic replace, 0600).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SyncTarget, SyncTargetStore } from '../sync/target-store.js';
import { writeDurable } from './state.js';

export interface SlotFields {
  readonly crlArn?: string | undefined;
  readonly lastPushedNumber?: string | undefined;
  readonly lastPushedSha256?: string | undefined;
  readonly lastSuccessAt?: string | undefined;
}

export class SlotTargetStore implements SyncTargetStore {
  readonly #anchors: SyncTargetStore;
  readonly path: string;

  constructor(anchors: SyncTargetStore, path: string) {
    this.#anchors = anchors;
    this.path = path;
  }

  slots(): Record<string, SlotFields> {
    if (!existsSync(this.path)) return {};
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { version?: number; slots?: Record<string, SlotFields> };
    return parsed.version === 1 && parsed.slots && typeof parsed.slots === 'object' ? parsed.slots : {};
  }

  #write(slots: Record<string, SlotFields>): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeDurable(this.path, `${JSON.stringify({ version: 1, slots }, null, 2)}\n`);
  }

  list(): SyncTarget[] {
    const slots = this.slots();
    return this.#anchors.list().map((t) => {
      const s = slots[t.id] ?? {};
      return { ...t, crlArn: s.crlArn, lastPushedNumber: s.lastPushedNumber, lastPushedSha256: s.lastPushedSha256, lastSuccessAt: s.lastSuccessAt };
    });
  }

  get(id: string): SyncTarget | undefined {
    return this.list().find((t) => t.id === id);
  }

  put(target: SyncTarget): void {
    const slots = this.slots();
    slots[target.id] = {
      crlArn: target.crlArn,
      lastPushedNumber: target.lastPushedNumber,
      lastPushedSha256: target.lastPushedSha256,
      lastSuccessAt: target.lastSuccessAt,
    };
    this.#write(slots);
  }

  remove(id: string): boolean {
    const slots = this.slots();
    if (!(id in slots)) return false;
    delete slots[id];
    this.#write(slots);
    return true;
  }
}
