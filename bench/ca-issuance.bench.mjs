// Issuance throughput of the CA's lean path on one core: parseCsr (with proof-of-possession
// verification) + issueLeafCertificate + lintLeafCertificate, with pre-made EC P-256 CSRs.
// Run standalone: `node bench/ca-issuance.bench.mjs` (uses dist/ca-server.mjs when built,
// otherwise bundles ca-server/src/index.ts into a temp dir first). BENCH_N sets the count.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadCaServer } from './lib/load-ca-server.mjs';
import { importTs } from './lib/ts-import.mjs';

const ca = await loadCaServer();
const { createCsr } = await importTs(new URL('../test/ca-server/x509/create-csr.ts', import.meta.url));
const { derToPem } = await importTs(new URL('../common/src/x509/pem.ts', import.meta.url));
const { newSerial } = await importTs(new URL('../common/src/x509/serial.ts', import.meta.url));
const N = Number(process.env.BENCH_N ?? 3000);
const WARMUP = 300;

async function makeCa(keyType) {
  const rootKey = (await ca.generateCaKey(keyType)).privateKey;
  const rootSigner = ca.caSignerFromPrivateKey(rootKey);
  const now = Date.now();
  const rootDer = await ca.buildCaCertificate({
    subject: `CN=Bench Root ${keyType}`,
    signer: rootSigner,
    serial: newSerial(randomBytes),
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 3650 * 86_400_000),
    pathLength: 1,
  });
  const intSigner = ca.caSignerFromPrivateKey((await ca.generateCaKey(keyType)).privateKey);
  const intDer = await ca.buildCaCertificate({
    subject: `CN=Bench Issuing ${keyType}`,
    signer: intSigner,
    issuer: { certificate: rootDer, signer: rootSigner },
    serial: newSerial(randomBytes),
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 1825 * 86_400_000),
    pathLength: 0,
  });
  return { der: intDer, signer: intSigner };
}

function makeCsrs(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = createCsr({ subject: `CN=host-${i}.example.com,O=Bench`, sans: [{ type: 'dns', value: `host-${i}.example.com` }], privateKey });
    out.push(derToPem(der, 'CERTIFICATE REQUEST'));
  }
  return out;
}

async function run(issuer, csrs, n) {
  const t = { parse: 0, issue: 0, lint: 0 };
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const parsed = ca.parseCsr(csrs[i % csrs.length]);
    const t1 = performance.now();
    const now = Date.now();
    const der = await ca.issueLeafCertificate({
      issuerCertificate: issuer.der,
      issuerSigner: issuer.signer,
      subject: parsed.subject,
      sans: parsed.sans,
      publicKeySpki: parsed.publicKeySpki,
      serial: newSerial(randomBytes),
      notBefore: new Date(now - 300_000),
      notAfter: new Date(now + 86_400_000),
    });
    const t2 = performance.now();
    ca.lintLeafCertificate(der, issuer.der, { sans: parsed.sans });
    const t3 = performance.now();
    t.parse += t1 - t0;
    t.issue += t2 - t1;
    t.lint += t3 - t2;
  }
  const total = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    certsPerSecond: Math.round((n / total) * 1000),
    // Per CPU-second of this process: less sensitive to other load on a shared machine.
    certsPerCpuSecond: Math.round((n / cpuMs) * 1000),
    msPerCert: +(total / n).toFixed(3),
    parseCsrMs: +(t.parse / n).toFixed(3),
    issueMs: +(t.issue / n).toFixed(3),
    lintMs: +(t.lint / n).toFixed(3),
  };
}

const csrs = makeCsrs(Math.min(N, 1000));
const results = {};
for (const keyType of ['ec-p256', 'ec-p384', 'rsa-3072']) {
  const issuer = await makeCa(keyType);
  await run(issuer, csrs, WARMUP);
  const n = keyType === 'rsa-3072' ? Math.min(N, 500) : N;
  results[keyType] = { n, ...(await run(issuer, csrs, n)) };
  const r = results[keyType];
  console.log(
    `ca-issuance ${keyType} issuer, P-256 CSRs, 1 core: ${r.certsPerSecond} certs/s wall, ${r.certsPerCpuSecond} certs per CPU-second (${r.msPerCert} ms/cert: parseCsr ${r.parseCsrMs} + issue ${r.issueMs} + lint ${r.lintMs} ms), n=${n}`,
  );
}

// Reference point: @peculiar/x509's high-level CSR parse + verify on the same CSRs.
try {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(globalThis.crypto);
  const m = 200;
  const t0 = performance.now();
  for (let i = 0; i < m; i++) {
    const req = new x509.Pkcs10CertificateRequest(csrs[i % csrs.length]);
    if (!(await req.verify())) throw new Error('verify failed');
  }
  results.peculiarCsrParseVerifyMs = +((performance.now() - t0) / m).toFixed(3);
  console.log(`reference: @peculiar/x509 CSR parse + verify ${results.peculiarCsrParseVerifyMs} ms`);
} catch (err) {
  console.log(`reference skipped: ${err.message}`);
}

console.log(JSON.stringify({ bench: 'ca-issuance', goal: '>= 1,000 certs/s end to end over HTTPS (this is the X.509 part only, 1 core)', results }));
