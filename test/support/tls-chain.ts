/**
 * TLS server certificate chains made by openssl (the independent maker): a root, an intermediate
 * and a server leaf shaped like the ones AWS endpoints present (RSA 2048, serverAuth, SANs), with
 * knobs to make each one break a rule of RFC 5280 path validation or the TLS server purpose.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChainOptions {
  /** Key of every certificate: `rsa:2048` (default), `rsa:1024`, `ec:P-256`, `ec:P-384`. */
  readonly key?: string;
  /** Extra `-addext`-style lines (openssl config syntax) of each certificate. */
  readonly rootExt?: string;
  readonly interExt?: string;
  readonly leafExt?: string;
  /** SANs of the leaf; default IP:127.0.0.1, DNS:localhost. */
  readonly san?: string;
  /** Validity of the leaf in days from now (default 10). */
  readonly leafDays?: number;
  /** Digest of every signature (default sha256). */
  readonly digest?: string;
}

export interface Chain {
  readonly dir: string;
  readonly rootPem: string;
  readonly interPem: string;
  readonly leafPem: string;
  readonly leafKeyPem: string;
  /** Files: root alone, and the chain the server sends (leaf + intermediate). */
  readonly rootFile: string;
  readonly serverChainPem: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function genKey(dir: string, name: string, key: string): string {
  const [alg, param] = key.split(':');
  const args = alg === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${param}`] : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${param}`];
  openssl(['genpkey', ...args, '-out', `${name}.key`], dir);
  return join(dir, `${name}.key`);
}

/** Root → intermediate → server leaf. */
export function makeServerChain(o: ChainOptions = {}): Chain {
  const dir = mkdtempSync(join(tmpdir(), 'rapki-tls-chain-'));
  const key = o.key ?? 'rsa:2048';
  const digest = o.digest ?? 'sha256';
  for (const n of ['root', 'inter', 'leaf']) genKey(dir, n, key);
  writeFileSync(
    join(dir, 'root.ext'),
    `[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\n${o.rootExt ?? ''}`,
  );
  writeFileSync(
    join(dir, 'inter.ext'),
    `[v3]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n${o.interExt ?? ''}`,
  );
  writeFileSync(
    join(dir, 'leaf.ext'),
    `[v3]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n` +
      `subjectAltName=${o.san ?? 'IP:127.0.0.1,DNS:localhost'}\nauthorityKeyIdentifier=keyid\n${o.leafExt ?? ''}`,
  );
  openssl(['req', '-new', '-key', 'root.key', '-subj', '/O=rapki tests/CN=Test Root CA', '-out', 'root.csr'], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'root.csr',
      '-signkey',
      'root.key',
      '-set_serial',
      '0x01',
      '-days',
      '30',
      `-${digest}`,
      '-extfile',
      'root.ext',
      '-extensions',
      'v3',
      '-out',
      'root.pem',
    ],
    dir,
  );
  openssl(['req', '-new', '-key', 'inter.key', '-subj', '/O=rapki tests/CN=Test Intermediate', '-out', 'inter.csr'], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'inter.csr',
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-set_serial',
      '0x1001',
      '-days',
      '20',
      `-${digest}`,
      '-extfile',
      'inter.ext',
      '-extensions',
      'v3',
      '-out',
      'inter.pem',
    ],
    dir,
  );
  openssl(['req', '-new', '-key', 'leaf.key', '-subj', '/CN=endpoint.test', '-out', 'leaf.csr'], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'inter.pem',
      '-CAkey',
      'inter.key',
      '-set_serial',
      '0x2002',
      '-days',
      String(o.leafDays ?? 10),
      `-${digest}`,
      '-extfile',
      'leaf.ext',
      '-extensions',
      'v3',
      '-out',
      'leaf.pem',
    ],
    dir,
  );
  const rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
  const interPem = readFileSync(join(dir, 'inter.pem'), 'utf8');
  const leafPem = readFileSync(join(dir, 'leaf.pem'), 'utf8');
  return {
    dir,
    rootPem,
    interPem,
    leafPem,
    leafKeyPem: readFileSync(join(dir, 'leaf.key'), 'utf8'),
    rootFile: join(dir, 'root.pem'),
    serverChainPem: `${leafPem}${interPem}`,
  };
}

/** What `openssl verify` says of the chain for `host` with the TLS server purpose, at `at` (the reference). */
export function opensslAccepts(chain: Chain, host: string, at?: Date): boolean {
  writeFileSync(join(chain.dir, 'untrusted.pem'), chain.interPem);
  const hostArgs = /^[\d.]+$|:/.test(host) ? ['-verify_ip', host] : ['-verify_hostname', host];
  const time = at === undefined ? [] : ['-attime', String(Math.floor(at.getTime() / 1000))];
  try {
    openssl(['verify', '-CAfile', 'root.pem', '-untrusted', 'untrusted.pem', '-purpose', 'sslserver', ...hostArgs, ...time, 'leaf.pem'], chain.dir);
    return true;
  } catch {
    return false;
  }
}
