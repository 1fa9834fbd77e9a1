/**
 * How `rapki credential-process` trusts the endpoint, through the built CLI against loopback
 * verifiers presenting openssl-made chains (root → intermediate → leaf): first the strict check
 * against the Amazon Trust Services roots plus NODE_EXTRA_CA_CERTS (or AWS_CA_BUNDLE), then, for
 * anything that check leaves aside, Node's own verification — so every endpoint that verified
 * before still does, and nothing unverified gets the signed request.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { startLoopbackVerifier, type LoopbackVerifier } from '../../support/loopback-verifier.js';
import { makeServerChain, type Chain } from '../../support/tls-chain.js';
import { ARNS, TestPki, type Leaf } from '../../signer/session/test-pki.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string;
let leaf: Leaf;
let plain: Chain; // a chain the first check accepts
let constrained: Chain; // a chain with name constraints: the first check leaves it to Node
let stranger: Chain; // a chain to a root nobody trusts
const verifiers: Record<string, LoopbackVerifier> = {};

const args = (url: string, extra: string[] = []) => [
  'credential-process',
  '--certificate',
  leaf.certFile,
  '--private-key',
  leaf.keyFile,
  '--trust-anchor-arn',
  ARNS.trustAnchorArn,
  '--profile-arn',
  ARNS.profileArn,
  '--role-arn',
  ARNS.roleArn,
  '--endpoint',
  url,
  '--no-cache',
  '--debug',
  ...extra,
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rapki-tls-trust-'));
  const pki = new TestPki(dir);
  leaf = pki.leaf('p256');
  plain = makeServerChain({ key: 'ec:P-256' });
  constrained = makeServerChain({ key: 'ec:P-256', interExt: 'nameConstraints=critical,permitted;IP:127.0.0.0/255.0.0.0\n' });
  stranger = makeServerChain({ key: 'ec:P-256' });
  for (const [name, c] of [
    ['plain', plain],
    ['constrained', constrained],
    ['stranger', stranger],
  ] as const) {
    verifiers[name] = await startLoopbackVerifier({ trustedRootsPem: pki.rootPem() }, { keyPem: c.leafKeyPem, certPem: c.serverChainPem });
  }
});
afterAll(async () => {
  for (const v of Object.values(verifiers)) await v.close();
  for (const c of [plain, constrained, stranger]) if (c) rmSync(c.dir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('endpoint TLS trust (built CLI)', () => {
  it('verifies a chain to a NODE_EXTRA_CA_CERTS root with the first check (no Node root store)', async () => {
    const r = await runCli(args(verifiers.plain!.url), { env: { NODE_EXTRA_CA_CERTS: plain.rootFile } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'rapki: debug: TLS: certificate of 127.0.0.1 verified against the Amazon Trust Services roots and NODE_EXTRA_CA_CERTS (CN=Test Root CA)',
    );
    expect(verifiers.plain!.requests.at(-1)!.verdict).toBe('ok');
  });

  it('verifies against AWS_CA_BUNDLE alone when it is set', async () => {
    const r = await runCli(args(verifiers.plain!.url), { env: { AWS_CA_BUNDLE: plain.rootFile } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('verified against the AWS_CA_BUNDLE roots (CN=Test Root CA)');
  });

  it('leaves a chain it does not fully understand to Node, which verifies it as before', async () => {
    const n = verifiers.constrained!.requests.length;
    const r = await runCli(args(verifiers.constrained!.url), { env: { NODE_EXTRA_CA_CERTS: constrained.rootFile } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("(extension 2.5.29.30); verifying with Node's root store");
    expect(verifiers.constrained!.requests).toHaveLength(n + 1);
  });

  it('sends nothing to an endpoint neither check trusts', async () => {
    for (const env of [{}, { NODE_EXTRA_CA_CERTS: plain.rootFile }, { AWS_CA_BUNDLE: plain.rootFile }]) {
      const r = await runCli(args(verifiers.stranger!.url), { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^rapki: tls_error: /m);
    }
    expect(verifiers.stranger!.requests).toHaveLength(0);
  });
});
