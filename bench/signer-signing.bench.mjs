// Signing benchmark: in-process signing rate of the public API (`rapki/signer`, built
// bundle) against raw `crypto.sign` with the same key, for RSA-2048 and P-256.
// - KeySigner.sign over a typical CreateSession string to sign;
// - signCreateSessionRequest (canonical request + string to sign + signature + headers).
// Rounds alternate between variants; the median ops/s of the rounds is compared.
// Goals: >= 0.8x raw for RSA-2048, >= 0.5x for P-256. ROUND_MS / ROUNDS override the defaults.
import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTs } from './lib/ts-import.mjs';
import { median, verdict } from './lib/stats.mjs';

const { loadKeySigner, signCreateSessionRequest } = await import('../dist/signer.mjs');
const { TestPki, ARNS } = await importTs(new URL('../test/signer/session/test-pki.ts', import.meta.url));

const ROUND_MS = Number(process.env.ROUND_MS ?? 400);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'rapki-bench-sign-'));
const pki = new TestPki(dir);

const input = {
  ...ARNS,
  region: 'us-east-1',
  durationSeconds: 3600,
  host: 'rolesanywhere.us-east-1.amazonaws.com',
};

/** ops/s of `fn` (sync or async) over ROUND_MS. */
async function rate(fn) {
  const end = performance.now() + ROUND_MS;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 8; i++) await fn();
    n += 8;
  }
  return (n * 1000) / (performance.now() - t0);
}

const summary = {};

async function compare(kind) {
  const leaf = pki.leaf(kind);
  const signer = await loadKeySigner({ certificate: leaf.certFile, privateKey: leaf.keyFile });
  const key = createPrivateKey(readFileSync(leaf.keyFile));
  const now = new Date();
  const { stringToSign } = await signCreateSessionRequest(input, signer, now);
  const data = Buffer.from(stringToSign, 'utf8');
  const variants = {
    raw: () => sign('sha256', data, key),
    keySigner: () => signer.sign(data),
    request: () => signCreateSessionRequest(input, signer, now),
  };
  const results = { raw: [], keySigner: [], request: [] };
  for (const v of Object.keys(variants)) await rate(variants[v]); // warm-up
  for (let r = 0; r < ROUNDS; r++) for (const v of Object.keys(variants)) results[v].push(await rate(variants[v]));
  const m = Object.fromEntries(Object.entries(results).map(([k, xs]) => [k, median(xs)]));
  const goal = kind === 'rsa2048' ? 0.8 : 0.5;
  console.log(`${kind}: raw crypto.sign ${m.raw.toFixed(0)}/s, KeySigner.sign ${m.keySigner.toFixed(0)}/s, signCreateSessionRequest ${m.request.toFixed(0)}/s`);
  console.log(`  ${verdict(`${kind} KeySigner.sign / raw`, m.keySigner / m.raw, goal, false)}`);
  console.log(`  ${verdict(`${kind} signCreateSessionRequest / raw`, m.request / m.raw, goal, false)}`);
  const r2 = (x) => Math.round(x * 100) / 100;
  summary[kind] = {
    opsPerSec: { raw: Math.round(m.raw), keySigner: Math.round(m.keySigner), request: Math.round(m.request) },
    keySignerRatio: r2(m.keySigner / m.raw),
    requestRatio: r2(m.request / m.raw),
    goal,
    meetsGoal: m.keySigner / m.raw >= goal && m.request / m.raw >= goal,
  };
}

try {
  console.log(`rounds: ${ROUNDS} x ${ROUND_MS} ms per variant, alternating`);
  await compare('rsa2048');
  await compare('p256');
  console.log(JSON.stringify({ bench: 'signer-signing', results: summary }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
