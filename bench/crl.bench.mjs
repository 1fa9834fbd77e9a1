// CRL rebuild time after one more revocation, at 4,000 and 100,000 revoked entries, with the
// incremental CrlBuilder (entries encoded once; a rebuild concatenates and signs).
// Goals: <= 50 ms at 4,000 and <= 1 s at 100,000 (a revocation must reach Roles Anywhere in seconds).
// Run standalone: `node bench/crl.bench.mjs` (uses dist/ca-server.mjs when built, otherwise
// bundles ca-server/src/index.ts into a temp dir first).
import { randomBytes } from 'node:crypto';
import { loadCaServer } from './lib/load-ca-server.mjs';
import { importTs } from './lib/ts-import.mjs';

const ca = await loadCaServer();
const { crlPemBytes } = await importTs(new URL('../common/src/x509/crl.ts', import.meta.url));
const { newSerial } = await importTs(new URL('../common/src/x509/serial.ts', import.meta.url));

async function makeIssuer(keyType) {
  const signer = ca.caSignerFromPrivateKey((await ca.generateCaKey(keyType)).privateKey);
  const now = Date.now();
  const der = await ca.buildCaCertificate({
    subject: `CN=Bench CRL Issuer ${keyType}`,
    signer,
    serial: newSerial(randomBytes),
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 3650 * 86_400_000),
  });
  return { der, signer };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const REASONS = ['keyCompromise', 'superseded', 'cessationOfOperation', undefined];

async function measure(issuer, entries, rounds) {
  const b = new ca.CrlBuilder({ issuerCertificate: issuer.der, signer: issuer.signer });
  const now = Date.now();
  const t0 = performance.now();
  for (let i = 0; i < entries; i++) {
    b.add({ serialHex: Buffer.from(newSerial(randomBytes)).toString('hex'), revokedAt: new Date(now - i * 1000), reason: REASONS[i % 4] });
  }
  const fillMs = performance.now() - t0;
  let n = 1n;
  const opts = () => ({ crlNumber: n++, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 7 * 86_400_000) });
  let der = await b.build(opts()); // first full build
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const t1 = performance.now();
    b.add({ serialHex: Buffer.from(newSerial(randomBytes)).toString('hex'), revokedAt: new Date(), reason: 'keyCompromise' });
    der = await b.build(opts());
    times.push(performance.now() - t1);
  }
  return {
    entries: b.size,
    rebuildMedianMs: +median(times).toFixed(2),
    rebuildMaxMs: +Math.max(...times).toFixed(2),
    initialFillMs: +fillMs.toFixed(1),
    derBytes: der.length,
    pemBytes: crlPemBytes(der),
  };
}

const results = {};
for (const keyType of ['ec-p256', 'rsa-3072']) {
  const issuer = await makeIssuer(keyType);
  for (const [entries, rounds, goal] of [
    [4_000, 30, 50],
    [100_000, 7, 1000],
  ]) {
    const r = await measure(issuer, entries, rounds);
    results[`${keyType}@${entries}`] = { ...r, goalMs: goal, meetsGoal: r.rebuildMedianMs <= goal };
    console.log(
      `crl ${keyType} issuer: rebuild after one more revocation at ${entries} entries: median ${r.rebuildMedianMs} ms, max ${r.rebuildMaxMs} ms (goal <= ${goal} ms); PEM ${r.pemBytes} bytes; initial encode of ${entries} entries ${r.initialFillMs} ms`,
    );
  }
}
console.log(JSON.stringify({ bench: 'crl', results }));
