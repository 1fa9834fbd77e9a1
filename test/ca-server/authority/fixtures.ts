/** A real CA in a temp directory (real SQLite file, real keys) with a movable clock. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { initCa, type InitCaResult } from '../../../ca-server/src/init.js';
import { openCa, type OpenCa, type OpenCaOptions } from '../../../ca-server/src/open-ca.js';
import { createCsr } from '../x509/create-csr.js';
import { derToPem } from '../../../common/src/x509/pem.js';
import { parseSan } from '../../../ca-server/src/authority/names.js';

export const TEST_PASSPHRASE = 'test-only-passphrase';
/** Cheapest scrypt the key layer accepts, to keep tests fast. */
export const FAST_KDF = { N: 2 ** 14, r: 8, p: 1 } as const;

export class TestClock {
  t: number;
  constructor(start = Date.now()) {
    this.t = start;
  }
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TestCa {
  dir: string;
  init: InitCaResult;
  ca: OpenCa;
  clock: TestClock;
  cleanup(): Promise<void>;
}

export async function makeTestCa(opts: { intermediate?: boolean; open?: Partial<OpenCaOptions> } = {}): Promise<TestCa> {
  const dir = mkdtempSync(join(tmpdir(), 'rapki-ca-test-'));
  const clock = new TestClock();
  const init = await initCa({ dir, passphrase: TEST_PASSPHRASE, intermediate: opts.intermediate ?? false, keyEncryption: FAST_KDF, clock: clock.now });
  const ca = await openCa({ dir, passphrase: TEST_PASSPHRASE, clock: clock.now, ...opts.open });
  await ca.crl.rebuild('test start');
  return {
    dir,
    init,
    ca,
    clock,
    async cleanup() {
      await ca.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function ecKey(curve: 'P-256' | 'P-384' | 'P-521' = 'P-256'): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
}

export function csrPem(subject: string, sans: readonly string[], key: KeyObject = ecKey()): string {
  return derToPem(createCsr({ subject, sans: sans.map(parseSan), privateKey: key }), 'CERTIFICATE REQUEST');
}
